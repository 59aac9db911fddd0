"""ASGI entry point: Daphne serves HTTP (including SSE) through Channels' protocol router."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")

django_asgi_app = get_asgi_application()

from core.body_limit import BodySizeLimitMiddleware  # noqa: E402  (needs settings)

application = ProtocolTypeRouter({"http": BodySizeLimitMiddleware(django_asgi_app)})
