"""Django's SecurityMiddleware without its two thread hops per request.

`MiddlewareMixin` runs `process_request` and `process_response` through `sync_to_async`
because they could touch the database. SecurityMiddleware's only compute an HTTPS redirect
and set headers, so under ASGI this subclass calls them on the event loop.

Django's deploy checks look for SecurityMiddleware by its dotted name, so with this one in
its place they would report it missing (security.W001, silenced in settings) and skip
every check of its settings. `security_middleware_checks` runs those checks for it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks.security import base as django_security
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.test.utils import override_settings

DJANGO_SECURITY_MIDDLEWARE = "django.middleware.security.SecurityMiddleware"
ASYNC_SECURITY_MIDDLEWARE = "core.security.AsyncSecurityMiddleware"

# Django's deploy checks of SecurityMiddleware's settings (each passes when it is absent).
_SETTINGS_CHECKS = (
    django_security.check_sts,
    django_security.check_sts_include_subdomains,
    django_security.check_sts_preload,
    django_security.check_content_type_nosniff,
    django_security.check_ssl_redirect,
    django_security.check_referrer_policy,
    django_security.check_cross_origin_opener_policy,
)


class AsyncSecurityMiddleware(SecurityMiddleware):
    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        response = self.process_request(request) or await self.get_response(request)
        return self.process_response(request, response)


@register(Tags.security, deploy=True)
def security_middleware_checks(app_configs=None, **kwargs):
    """Django's checks of SecurityMiddleware's settings, run as if it were in MIDDLEWARE
    when this subclass is; and W001 when neither is."""
    middleware = list(settings.MIDDLEWARE)
    if DJANGO_SECURITY_MIDDLEWARE in middleware:
        return []  # Django checks it itself
    if ASYNC_SECURITY_MIDDLEWARE not in middleware:
        return [django_security.W001]
    with override_settings(MIDDLEWARE=[*middleware, DJANGO_SECURITY_MIDDLEWARE]):
        return [message for check in _SETTINGS_CHECKS for message in check(app_configs)]
