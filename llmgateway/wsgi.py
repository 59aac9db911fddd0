"""WSGI entry point, for tooling only: the gateway is served by Daphne over ASGI."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")

application = get_wsgi_application()
