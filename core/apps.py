from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel: errors and problem+json, who is acting, after-commit dispatch, prepared statements,
    charts and the inbox. It imports no other app of the portal."""

    name = "core"
    verbose_name = "Portal kernel"
    default_auto_field = "django.db.models.BigAutoField"
