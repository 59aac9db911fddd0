from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared kernel as an app only so its system checks are registered at start-up."""

    name = "core"

    def ready(self) -> None:
        from core import security  # noqa: F401  (registers security_middleware_checks)
