"""Settings for both profiles.

The defaults give the embedded portal (SQLite in WAL mode, Celery tasks run in-process, the database's own
full-text search). Environment variables switch each part to its production counterpart; see docs/operations.md.
"""

import secrets
from pathlib import Path

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
    "catalog",
    # The search index keeps its tables in an app of its own (label "search").
    "catalog.search.apps.SearchConfig",
    "glossary",
    "lineage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Catalog pages are for signed-in people unless the operator opens them to anonymous readers.
PORTAL_PUBLIC_READ = env_bool("PORTAL_PUBLIC_READ", default=False)
if not PORTAL_PUBLIC_READ:
    MIDDLEWARE.append("catalog.middleware.PortalLoginRequiredMiddleware")

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
                "catalog.context_processors.portal",
            ],
        },
    }
]

# Database: SQLite in WAL mode by default; DATABASE_URL switches to PostgreSQL.
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
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
if env_str("REDIS_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env_str("REDIS_CACHE_URL"),
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
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
# Links in mails point here.
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "catalog.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["catalog.api.permissions.CatalogReadPermission"],
    "DEFAULT_PAGINATION_CLASS": "catalog.api.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "EXCEPTION_HANDLER": "catalog.api.errors.problem_exception_handler",
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
}

# Celery: without a broker, tasks run in-process (embedded); CELERY_BROKER_URL switches to workers.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

ELASTICSEARCH_URL = env_str("ELASTICSEARCH_URL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

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

# ---- Search --------------------------------------------------------------------------------------------------
# Elasticsearch when ELASTICSEARCH_URL is set; otherwise the database's own full-text engine (SQLite FTS5 or
# PostgreSQL tsvector + pg_trgm). SEARCH_BACKEND=embedded keeps the embedded engine even with a URL set.
SEARCH_BACKEND = env_str("SEARCH_BACKEND", "elasticsearch" if ELASTICSEARCH_URL else "embedded")
if SEARCH_BACKEND not in {"embedded", "elasticsearch"}:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"SEARCH_BACKEND must be 'embedded' or 'elasticsearch', got {SEARCH_BACKEND!r}")
SEARCH_ES_INDEX = env_str("SEARCH_ES_INDEX", "meshportal-search")  # the alias; indexes are <alias>-<timestamp>
SEARCH_ES_TIMEOUT_SECONDS = env_int("SEARCH_ES_TIMEOUT_SECONDS", 5)
# The index outbox (catalog/search/outbox.py): without a broker, a committing write indexes what is pending once
# this many rows are queued or the oldest is this old; searches index what is pending before they read.
SEARCH_OUTBOX_BATCH = env_int("SEARCH_OUTBOX_BATCH", 100)
SEARCH_OUTBOX_MAX_AGE_SECONDS = env_int("SEARCH_OUTBOX_MAX_AGE_SECONDS", 2)
# Ranking: score = tier of the match x quality x lifecycle factor. See docs/search.md and catalog/search/ranking.py.
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
CELERY_IMPORTS = ["catalog.search.tasks"]  # the index tasks live outside catalog/tasks.py
