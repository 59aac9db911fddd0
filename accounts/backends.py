"""The one password sign-in: Django's ModelBackend behind the login throttle.

Both the API login (tokens.token_pair_obtain) and the Django admin's sign-in page call
django.contrib.auth.authenticate(), which lands here once AUTHENTICATION_BACKENDS names
this class. A locked username or address raises PermissionDenied, so authenticate() stops
(no later backend gets to try the password) and returns None; the lock and its remaining
seconds are left on the request for the caller to report (`login_lockout`).
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from accounts import throttling
from accounts.models import User

_LOCKOUT_ATTRIBUTE = "login_lockout_seconds"


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        # As stored at registration: full-width "bob" signs in, and is counted, as "bob".
        username = User.normalize_username(username)
        ip = throttling.client_ip(request) if request is not None else ""
        wait = throttling.login_attempt_reserve(username=username, ip=ip)
        if wait:
            if request is not None:
                setattr(request, _LOCKOUT_ATTRIBUTE, wait)
            raise PermissionDenied("too many sign-in attempts")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            throttling.login_success_record(username=username, ip=ip)
        return user


def login_lockout(request: HttpRequest | None) -> int | None:
    """Seconds until the lock ends, if this request's sign-in was refused for a lock."""
    return getattr(request, _LOCKOUT_ATTRIBUTE, None) if request is not None else None
