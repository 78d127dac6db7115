"""Settings for both profiles.

The defaults give the embedded portal (SQLite in WAL mode, Celery tasks run in-process, the database's own
full-text search). Environment variables switch each part to its production counterpart; see docs/operations.md.
"""

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

PROFILE = env_str("PORTAL_PROFILE", "embedded")
if PROFILE not in {"embedded", "production"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"PORTAL_PROFILE must be 'embedded' or 'production', got {PROFILE!r}")
PRODUCTION = PROFILE == "production"


def _secret_key() -> str:
    """Production takes the key from the environment; the embedded profile keeps one per checkout in var/."""
    key = env_str("SECRET_KEY")
    if key:
        return key
    if PRODUCTION:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set in the production profile")
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "axes",
    # Bottom to top (docs/architecture.md): the kernel, the product domain, tokens, search, the capabilities,
    # the demo mesh.
    "core",
    "catalog",
    "tokens",
    "search",
    "audit",
    "backup",
    "glossary",
    "lineage",
    "slo",
    "access",
    "sso",
    "ratings",
    "harvest",
    "usage",
    "governance",
    "notices",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Outside everything that may refuse a request, so refusals are audited too (see docs/security.md).
    "audit.middleware.AuditMiddleware",
    # Before anything reads the body: oversized and unbounded bodies are refused unread.
    "core.middleware.BodyLimitMiddleware",
    "core.middleware.NulCharacterMiddleware",
    # Product versions record through which path (page, API, CLI) a write came.
    "core.channels.WriteChannelMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An exception a view under /api/ did not handle answers problem+json 500 with an error id, DEBUG or not.
    "core.middleware.ApiErrorMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by its backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Catalog pages are for signed-in people unless the operator opens them to anonymous readers.
PORTAL_PUBLIC_READ = env_bool("PORTAL_PUBLIC_READ", default=False)
if not PORTAL_PUBLIC_READ:
    MIDDLEWARE.append("core.middleware.PortalLoginRequiredMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.portal",
                "access.context_processors.access",
            ],
        },
    }
]

# Database: SQLite in WAL mode by default; DATABASE_URL switches to PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
    # Planning, not running, was most of the time of the pages' queries on PostgreSQL at 100k products: Django's
    # select_related joins of 6-9 tables took 8-11 ms each to plan and under 1 ms to run (EXPLAIN ANALYZE). With
    # join_collapse_limit 3 the planner keeps Django's join order (the filtered table first, then key look-ups)
    # beyond groups of three: 37 -> 12 ms of planning on the home page, 20 -> 4 on approvals, no query slower.
    # The `options` of libpq: set per session when the connection opens, no extra round trip. 8 is the default.
    _collapse = env_int("PG_JOIN_COLLAPSE_LIMIT", 3)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = f"-c join_collapse_limit={_collapse}"
else:
    DATABASES = {
        "default": {
            "ENGINE": "config.sqlite",
            "NAME": env_str("SQLITE_PATH", str(VAR_DIR / "portal.sqlite3")),
            # Opening SQLite and running the PRAGMAs costs 2-4 ms; keep connections across requests.
            "CONN_MAX_AGE": env_int("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so
                # two writers queue on the busy timeout instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                "transaction_mode": "IMMEDIATE",
                "timeout": env_int("SQLITE_BUSY_TIMEOUT_SECONDS", 20),
            },
            # Tests use a file too: an in-memory shared-cache database locks tables without waiting, which
            # is not how the portal runs.
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# API throttle counters live in the cache, so gunicorn workers must share one: Redis when a URL is given
# (REDIS_CACHE_URL, else CACHE_URL, else REDIS_URL in the production profile); per-process memory otherwise.
_CACHE_URL = env_str("REDIS_CACHE_URL") or env_str("CACHE_URL") or (env_str("REDIS_URL") if PRODUCTION else "")
if _CACHE_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# Requests larger than this are refused before they are parsed (413 on the API).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("PORTAL_MAX_BODY_BYTES", 5 * 1024 * 1024)
# Teams that run the platform: their tokens may create a domain a descriptor names (`?create_domain=true`).
PORTAL_PLATFORM_TEAMS = env_list("PORTAL_PLATFORM_TEAMS", [])
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
# Links in mails point here.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tokens.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.CatalogReadPermission"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "core.api.errors.problem_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mesh Portal API",
    "DESCRIPTION": "Publish and discover data products, contracts, glossaries and lineage.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI is served from the drf-spectacular-sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Status enums share a field name across apps; each gets its own component name.
    "ENUM_NAME_OVERRIDES": {
        "AccessRequestStatusEnum": "access.models.RequestStatus",
        "ProductKindEnum": "catalog.models.products.ProductKind",
        "LifecycleStatusEnum": "catalog.models.products.LifecycleStatus",
        "TermStatusEnum": "glossary.models.terms.TermStatus",
        "ProposalKindEnum": "glossary.models.proposals.ProposalKind",
        "ProposalStatusEnum": "glossary.models.proposals.ProposalStatus",
        "VersionSubjectEnum": "catalog.models.versions.VersionSubject",
        "WriteActionEnum": ["created", "updated", "unchanged"],
        # The product input serializers list bare values (no labels), so their enums are separate components.
        "ProductKindInputEnum": ["source-aligned", "aggregate", "consumer-aligned"],
        "LifecycleStatusInputEnum": ["draft", "published", "deprecated", "retired"],
    },
    # Request bodies validated by pydantic models carry JSON Schema nulls; OpenAPI 3.1 is JSON Schema, 3.0 is not.
    "OAS_VERSION": "3.1.0",
    # The error answers every operation can give (401/403/404/400/503...) are documented once, by this hook.
    "PREPROCESSING_HOOKS": ["core.api.schema_hooks.skip_mirrors"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema_hooks.add_problem_responses",
        "core.api.schema_hooks.add_links",
    ],
}

# Celery: without a broker, tasks run in-process (embedded); CELERY_BROKER_URL switches to workers.
_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not _BROKER_URL
# Eager tasks never reach a broker, but Celery still opens a producer for them: without a URL it would be an AMQP
# one, and kombu logs "No hostname was supplied. Reverting to default 'localhost'" on the first task. The
# in-memory transport with its host named keeps that warning out of `make run`.
CELERY_BROKER_URL = _BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Several portals (or test runs) may share one Redis: each gives its web processes and workers its own queue.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# With the broker down, a write still commits (its index work waits in the outbox) but each task it enqueues
# after commit tries to publish: one quick retry rides out a broker restart without making every write wait
# seconds through an outage (Celery's default is 3 retries, up to 1 s apart). See docs/reliability.md.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env_int("CELERY_PUBLISH_MAX_RETRIES", 1),
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# A task a worker took but never acknowledged (the worker was killed) is redelivered after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600)}
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Freshness objectives breach as time passes, without any new measurement: evaluate every objective regularly.
CELERY_BEAT_SCHEDULE["slo-evaluate-all"] = {"task": "slo.tasks.evaluate_all_slos", "schedule": 300.0}
# Raw SLI measurements are kept this many days (at least 32; compliance reads daily rollups), pruned daily.
PORTAL_SLO_MEASUREMENT_RETENTION_DAYS = env_int("PORTAL_SLO_MEASUREMENT_RETENTION_DAYS", 45)
CELERY_BEAT_SCHEDULE["slo-prune-measurements"] = {"task": "slo.tasks.prune_measurements", "schedule": 86400.0}

# ---- Harvesting (harvest/, docs/harvest.md) ---------------------------------------------------------------
# Each SQL connection's own schedule decides when it is due; beat only looks every few minutes.
CELERY_BEAT_SCHEDULE["harvest-due"] = {"task": "harvest.tasks.harvest_due_connections", "schedule": 300.0}

# ---- Usage and show-back (usage/, docs/usage.md) -----------------------------------------------------------
# Raw usage records (one per day, port and consumer) are kept this many days (at least 91), pruned daily; the pages
# read monthly and daily rollups, which are kept.
PORTAL_USAGE_RETENTION_DAYS = env_int("PORTAL_USAGE_RETENTION_DAYS", 400)
# The mesh's value figures on /mesh/ and GET /api/v1/mesh/metrics read every product, grant, input port and the
# last months' usage (1-2 s at 100k products): each process keeps the last result this many seconds and, once it is
# older, serves it while computing the next one after the response. 0 computes them on every request.
PORTAL_MESH_METRICS_MAX_AGE = env_int("PORTAL_MESH_METRICS_MAX_AGE", 300)
CELERY_BEAT_SCHEDULE["usage-prune-records"] = {"task": "usage.tasks.prune_usage", "schedule": 86400.0}

# ---- Access requests and grants (access/, docs/access.md) ----------------------------------------------------
# Grants expire on schedule; holders are told once, ACCESS_REMIND_DAYS before; lost webhook tasks are resent.
CELERY_BEAT_SCHEDULE["access-expire-grants"] = {"task": "access.tasks.expire_grants", "schedule": 600.0}
CELERY_BEAT_SCHEDULE["access-remind-expiring"] = {"task": "access.tasks.remind_expiring_grants", "schedule": 86400.0}
CELERY_BEAT_SCHEDULE["access-sweep-webhooks"] = {"task": "access.tasks.sweep_webhook_deliveries", "schedule": 300.0}
ACCESS_REMIND_DAYS = env_int("ACCESS_REMIND_DAYS", 7)

# ---- Governance policies and product health (governance/, docs/governance.md) -----------------------------------
# Every policy over every product nightly (writes re-evaluate their products at once); stored health hourly.
CELERY_BEAT_SCHEDULE["governance-evaluate-all"] = {"task": "governance.tasks.evaluate_all", "schedule": 86400.0}
CELERY_BEAT_SCHEDULE["governance-refresh-health"] = {"task": "governance.tasks.refresh_health", "schedule": 3600.0}
# Notices (docs/notices.md): deprecation reminders and sunsets, daily digests, saved-search alerts.
CELERY_BEAT_SCHEDULE["notices-deprecation-timeline"] = {
    "task": "notices.tasks.deprecation_timeline",
    "schedule": 3600.0,
}
CELERY_BEAT_SCHEDULE["notices-digests"] = {"task": "notices.tasks.send_digests", "schedule": 86400.0}
CELERY_BEAT_SCHEDULE["notices-saved-searches"] = {"task": "notices.tasks.check_saved_searches", "schedule": 900.0}
# Embedded profile: writes queue their products; the queue is evaluated at this many, or when its oldest is this old
# (and before any governance read). See docs/governance.md "Evaluation on change".
GOVERNANCE_BATCH = env_int("GOVERNANCE_BATCH", 100)
GOVERNANCE_MAX_AGE_SECONDS = env_int("GOVERNANCE_MAX_AGE_SECONDS", 5)
# A product's governance score weighs the policies it passes by severity.
GOVERNANCE_SEVERITY_WEIGHTS = {"error": 5.0, "warning": 2.0, "info": 1.0}
# Product health = weighted mean of the known parts (an unknown part's weight is spread over the others).
GOVERNANCE_HEALTH = {
    "weights": {"slo": 0.35, "governance": 0.30, "rating": 0.20, "consumers": 0.15, "usage": 0.15},
    "consumers_saturation": 25,  # consumers at which that part is full; it grows with log(1 + consumers)
    # The usage part (usage app, last 30 days): half active consumers, half queries, each saturating like consumers.
    "usage_consumers_saturation": 10,
    "usage_queries_saturation": 10_000,
    "bands": {"good": 80, "fair": 60},
}
# Provisioning webhooks are opt-in: host names and/or CIDRs the portal may POST to. Empty = no webhooks.
ACCESS_WEBHOOK_ALLOWED_HOSTS = env_list("ACCESS_WEBHOOK_ALLOWED_HOSTS", [])
ACCESS_WEBHOOK_TIMEOUT_SECONDS = env_int("ACCESS_WEBHOOK_TIMEOUT_SECONDS", 10)
ACCESS_WEBHOOK_MAX_ATTEMPTS = env_int("ACCESS_WEBHOOK_MAX_ATTEMPTS", 8)
ACCESS_WEBHOOK_BACKOFF_SECONDS = env_int("ACCESS_WEBHOOK_BACKOFF_SECONDS", 30)  # then x2 per attempt...
ACCESS_WEBHOOK_BACKOFF_MAX_SECONDS = env_int("ACCESS_WEBHOOK_BACKOFF_MAX_SECONDS", 3600)  # ...up to this
ACCESS_WEBHOOK_SWEEP_GRACE_SECONDS = env_int("ACCESS_WEBHOOK_SWEEP_GRACE_SECONDS", 120)

# ---- Ratings (ratings/, docs/ratings.md) -----------------------------------------------------------------------
# The weekly digest of each domain's ratings goes to its owning team on Monday morning (UTC).
from celery.schedules import crontab  # noqa: E402

CELERY_BEAT_SCHEDULE["ratings-weekly-digest"] = {
    "task": "ratings.tasks.send_weekly_rating_digests",
    "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
}
# Rating writes (rate, change, withdraw) one person may make per minute; more are refused with 429.
RATINGS_WRITES_PER_MINUTE = env_int("RATINGS_WRITES_PER_MINUTE", 10)

ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    # runserver's request lines keep Django's own format ("[06/Dec/2026 20:54:14] "GET / HTTP/1.1" 200").
    "formatters": {
        "django.server": {"()": "django.utils.log.ServerFormatter", "format": "[{server_time}] {message}", "style": "{"}
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default config gives "django" a console handler of its own (when DEBUG): with the root's, every
        # line of it ("Watching for file changes with StatReloader") was printed twice by `make run`. Without one,
        # its records reach the root's handler once (and pytest's caplog, which listens at the root).
        "django": {"handlers": [], "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts are warnings; every sign-in is not news
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # In-process tasks would log a "succeeded" line for every write (several per request); failures still log.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}

if PRODUCTION:
    # gunicorn has no static file handler; WhiteNoise serves the collected files with far-future caching.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# ---- Security (docs/security.md) -------------------------------------------------------------------------------
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
if PRODUCTION:
    # Preloading is a promise to the browsers' lists that is hard to take back: the operator's call.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600)

# Content-Security-Policy, in every profile so that tests and development meet what production enforces:
# no inline script or style anywhere; scripts, styles, images and fonts from the portal itself.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # data: for the small SVG icons that Pico CSS and Swagger UI embed in their stylesheets.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Behind a reverse proxy: how many proxies append to X-Forwarded-For (core/client_ip.py). 0 = use REMOTE_ADDR.
PORTAL_PROXY_COUNT = env_int("PORTAL_PROXY_COUNT", 0)

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT failed sign-ins for one username from one address,
# that pair is locked out for LOGIN_COOLOFF_MINUTES. Counted in the database, so every worker sees them.
AUTHENTICATION_BACKENDS = [
    "config.auth_backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Keeps people signed in through the identity provider (sso/); it checks no password.
    "sso.backends.OidcSessionBackend",
]
AXES_ENABLED = env_bool("LOGIN_THROTTLE_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.auth_backends.lockout_response"
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_ip_for_axes"
AXES_DISABLE_ACCESS_LOG = True  # the audit log records sign-ins already
AXES_VERBOSE = False

# API throttles (core/api/throttling.py): per address for anonymous callers, per person, per API token.
# Generous by default so that pipelines and the test suite never meet them; 429 with Retry-After when hit.
PORTAL_THROTTLE_RATES = {
    "anon": env_str("API_THROTTLE_ANON", "300/min"),
    "user": env_str("API_THROTTLE_USER", "3000/min"),
    "token": env_str("API_THROTTLE_TOKEN", "12000/min"),
}
# Hostile bodies (core/parsers.py): JSON nested deeper than this is refused with 400 before it is parsed.
PORTAL_MAX_JSON_DEPTH = env_int("PORTAL_MAX_JSON_DEPTH", 64)
REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"] = [
    "core.parsers.DepthLimitedJSONParser",
    "rest_framework.parsers.FormParser",
    "rest_framework.parsers.MultiPartParser",
]
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = [
    "core.api.throttling.AnonThrottle",
    "core.api.throttling.PersonThrottle",
    "core.api.throttling.TokenThrottle",
]

# Audit log (audit/): entries older than this are deleted by `manage.py audit_purge` (daily from beat).
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
CELERY_BEAT_SCHEDULE["audit-purge"] = {"task": "audit.tasks.audit_purge_expired", "schedule": 24 * 3600.0}

# ---- Search --------------------------------------------------------------------------------------------------
# Elasticsearch when ELASTICSEARCH_URL is set; otherwise the database's own full-text engine (SQLite FTS5 or
# PostgreSQL tsvector + pg_trgm). SEARCH_BACKEND=embedded keeps the embedded engine even with a URL set.
SEARCH_BACKEND = env_str("SEARCH_BACKEND", "elasticsearch" if ELASTICSEARCH_URL else "embedded")
if SEARCH_BACKEND not in {"embedded", "elasticsearch"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SEARCH_BACKEND must be 'embedded' or 'elasticsearch', got {SEARCH_BACKEND!r}")
SEARCH_ES_INDEX = env_str("SEARCH_ES_INDEX", "meshportal-search")  # the alias; indexes are <alias>-<timestamp>
SEARCH_ES_TIMEOUT_SECONDS = env_int("SEARCH_ES_TIMEOUT_SECONDS", 5)
# The index outbox (search/outbox.py): without a broker, a committing write indexes what is pending once
# this many rows are queued or the oldest is this old; searches index what is pending before they read.
SEARCH_OUTBOX_BATCH = env_int("SEARCH_OUTBOX_BATCH", 100)
SEARCH_OUTBOX_MAX_AGE_SECONDS = env_int("SEARCH_OUTBOX_MAX_AGE_SECONDS", 2)
# Ranking: score = tier of the match x quality x lifecycle factor. See docs/search.md and search/ranking.py.
# The embedded engine stores each document's quality: run `manage.py search_reindex` after changing these.
SEARCH_RANKING = {
    "rating": 0.4,  # weight of the Bayesian average rating (unrated is neutral)
    "consumers": 0.3,  # weight of log(1 + consumers), full at `consumers_saturation`
    "slo": 0.2,  # weight of SLO health (unknown is neutral)
    "consumers_saturation": 100,
    "rating_prior_mean": 3.0,  # the Bayesian average starts from this many stars...
    "rating_prior_weight": 5.0,  # ...counted as this many ratings
    "status": {"published": 1.0, "draft": 0.9, "deprecated": 0.5, "retired": 0.2},
}
SEARCH_LONG_FALLBACK = env_int("SEARCH_LONG_FALLBACK", 50)  # descriptions are searched below this many hits
SEARCH_FACET_SAMPLE = env_int("SEARCH_FACET_SAMPLE", 1000)  # facets are counted over this many matches
SEARCH_FUZZY_MIN_HITS = env_int("SEARCH_FUZZY_MIN_HITS", 3)  # below this, "did you mean" is tried
# Glossary terms' synonyms and abbreviations expand product searches ("clv" finds customer lifetime value).
SEARCH_SYNONYM_PROVIDER = env_str("SEARCH_SYNONYM_PROVIDER", "glossary.search.synonyms_for")

# ---- Single sign-on (sso/, docs/sso.md) ---------------------------------------------------------------------
# OpenID Connect sign-in is on when OIDC_ISSUER and OIDC_CLIENT_ID are set; endpoints and keys come from the
# issuer's /.well-known/openid-configuration.
OIDC_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_CLIENT_ID = env_str("OIDC_CLIENT_ID")
OIDC_CLIENT_SECRET = env_str("OIDC_CLIENT_SECRET")
OIDC_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "your identity provider")
# Where the provider sends people back; empty: this portal's /sso/callback/ on the host the request came to.
OIDC_REDIRECT_URI = env_str("OIDC_REDIRECT_URI")
OIDC_CLAIM_USERNAME = env_str("OIDC_CLAIM_USERNAME", "preferred_username")
OIDC_CLAIM_EMAIL = env_str("OIDC_CLAIM_EMAIL", "email")
OIDC_CLAIM_NAME = env_str("OIDC_CLAIM_NAME", "name")
OIDC_CLAIM_GROUPS = env_str("OIDC_CLAIM_GROUPS", "groups")
# JSON: group -> {"team": <slug>, "role": owner|steward|member} or {"staff": true}, or a list of those.
OIDC_TEAM_MAP = env_str("OIDC_TEAM_MAP", "{}")
# JSON: claims every ID token must carry, e.g. {"hd": "example.com"} (Google Workspace) or {"tid": "<tenant>"}.
OIDC_REQUIRED_CLAIMS = env_str("OIDC_REQUIRED_CLAIMS", "{}")
OIDC_TIMEOUT_SECONDS = env_int("OIDC_TIMEOUT_SECONDS", 10)
# A sign-in started more than this long ago is refused at the callback.
OIDC_STATE_MAX_AGE_SECONDS = env_int("OIDC_STATE_MAX_AGE_SECONDS", 600)
# Password sign-in (the login form and the admin's). Turn it off in production once SSO works.
PORTAL_LOCAL_LOGIN = env_bool("PORTAL_LOCAL_LOGIN", True)
if not PORTAL_LOCAL_LOGIN:
    AUTHENTICATION_BACKENDS = ["sso.backends.OidcSessionBackend"]
if OIDC_ISSUER:
    # Signing out redirects the sign-out form's submission to the provider (RP-initiated logout), and browsers
    # hold a form's redirects to the page's form-action.
    from urllib.parse import urlsplit

    _issuer = urlsplit(OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_issuer.scheme}://{_issuer.netloc}")
