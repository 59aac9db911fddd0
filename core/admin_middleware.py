"""Session, CSRF, authentication and messages middleware only where the admin needs them.

(X-Frame-Options goes on every response from RequestContextMiddleware, without a hop.)

Django's own middleware classes are async-capable only by running their hooks through
sync_to_async: two thread hops each, on every request. The API authenticates with tokens and
keys and needs none of them, so they wrap only the admin site (`/admin/`), where they run
exactly as if they were listed in MIDDLEWARE.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware

from core.middleware import HybridMiddleware

ADMIN_PREFIX = "/admin/"

# Outermost first, the order Django documents for them.
ADMIN_MIDDLEWARE = (
    SessionMiddleware,
    CsrfViewMiddleware,
    AuthenticationMiddleware,
    MessageMiddleware,
)


class AdminSiteMiddleware(HybridMiddleware):
    def __init__(self, get_response):
        super().__init__(get_response)
        admin_chain = get_response
        for middleware in reversed(ADMIN_MIDDLEWARE):
            admin_chain = middleware(admin_chain)
        self.admin_chain = admin_chain

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return self.admin_chain(request)
        return self.get_response(request)

    async def ahandle(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return await self.admin_chain(request)
        return await self.get_response(request)
