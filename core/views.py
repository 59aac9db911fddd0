"""What async API views share to stay on the event loop.

Django renders any response that has a `render` method through a thread hop, and adrf runs
DRF's `initial` (content negotiation, authentication, permissions, throttles) through
another. Rendering JSON is pure CPU, and so is `initial` once authentication's one query
runs on the loop too; these helpers keep both there.
"""

from __future__ import annotations

from adrf.views import APIView
from asgiref.sync import sync_to_async
from django.http import HttpResponse
from django.template.response import SimpleTemplateResponse
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request


def rendered_on_loop(response: HttpResponse) -> HttpResponse:
    """`response` with its body rendered now, needing no further rendering by Django."""
    if isinstance(response, SimpleTemplateResponse):
        response.render()
        # Attributes (DRF's `data` included) stay; only the pending `render` goes.
        response.__class__ = HttpResponse
    return response


class LoopApiView(APIView):
    """An async view whose DRF `initial` runs on the event loop, not through adrf's thread
    hop: negotiation and permissions are pure CPU, and authentication awaits each
    authenticator's `aauthenticate` (its query on the loop, core/async_db.py); one without
    it runs in a thread. Handlers are async (or pure CPU, like a 405)."""

    async def async_dispatch(self, request, *args, **kwargs):
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            await self.ainitial(request, *args, **kwargs)
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

    async def ainitial(self, request: Request, *args, **kwargs) -> None:
        """DRF's `APIView.initial`, with authentication awaited."""
        self.format_kwarg = self.get_format_suffix(**kwargs)
        request.accepted_renderer, request.accepted_media_type = self.perform_content_negotiation(
            request
        )
        request.version, request.versioning_scheme = self.determine_version(
            request, *args, **kwargs
        )
        await _authenticate(request)
        self.check_permissions(request)
        self.check_throttles(request)


async def _authenticate(request: Request) -> None:
    """DRF's `Request._authenticate`: the first authenticator that recognises the request's
    credential decides; a bad credential is its 401."""
    for authenticator in request.authenticators:
        authenticate = getattr(authenticator, "aauthenticate", None)
        try:
            if authenticate is not None:
                user_auth = await authenticate(request)
            else:
                user_auth = await sync_to_async(authenticator.authenticate)(request)
        except exceptions.APIException:
            request._not_authenticated()
            raise
        if user_auth is not None:
            request._authenticator = authenticator
            request.user, request.auth = user_auth
            return
    request._not_authenticated()


class OpenAsyncApiView(LoopApiView):
    """An async view anyone may call: no credentials to look up."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []
