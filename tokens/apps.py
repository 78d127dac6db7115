from django.apps import AppConfig


class TokensConfig(AppConfig):
    """API tokens of teams, and the API authentication that checks them."""

    name = "tokens"
    verbose_name = "API tokens"
    default_auto_field = "django.db.models.BigAutoField"
