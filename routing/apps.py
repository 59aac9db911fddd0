from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"

    def ready(self) -> None:
        from routing.ollama.fleet import warn_if_both_set

        warn_if_both_set()
