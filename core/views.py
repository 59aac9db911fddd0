"""What async API views share to stay on the event loop.

Django renders any response that has a `render` method through a thread hop, and adrf runs
DRF's `initial` (content negotiation, authentication, permissions, throttles) through
another. Rendering JSON is pure CPU, and so is `initial` for a view that takes no
credentials; these helpers keep both on the loop.
"""

from __future__ import annotations

from adrf.views import APIView
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from rest_framework.permissions import AllowAny


def rendered_on_loop(response: HttpResponse) -> HttpResponse:
    """`response` with its body rendered now, needing no further rendering by Django."""
    if isinstance(response, SimpleTemplateResponse):
        response.render()
        # Attributes (DRF's `data` included) stay; only the pending `render` goes.
        response.__class__ = HttpResponse
    return response


class OpenAsyncApiView(APIView):
    """An async view anyone may call: no credentials to look up, so nothing in DRF's
    `initial` waits on the database and it runs on the loop, like the handler."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    async def async_dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            handler = getattr(self, request.method.lower(), None)
            if request.method.lower() not in self.http_method_names or handler is None:
                handler = self.http_method_not_allowed
            response = handler(request, *args, **kwargs)
            if hasattr(response, "__await__"):
                response = await response
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = rendered_on_loop(self.finalize_response(request, response, *args, **kwargs))
        return self.response
