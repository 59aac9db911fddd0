"""The compat app: protocol adapters over the gateway's one chat turn."""

from django.apps import AppConfig


class CompatConfig(AppConfig):
    name = "compat"
    verbose_name = "OpenAI and Ollama APIs"
