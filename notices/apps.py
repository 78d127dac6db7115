from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "notices"
    verbose_name = "Change notices and subscriptions"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connected here: receivers import models, which are not loaded while the app registry is filling.
        from notices import receivers  # noqa: F401
