"""People behind a trusted front end (Open WebUI): who the X-OpenWebUI-User-* headers name.

Only keys marked `is_trusted_frontend` get here. The person is found by email (any user
with that address, case-insensitive), else by the front end's user id; on first sight they
are created as a gateway user who cannot sign in (unusable password). The header names are
settings (FRONTEND_USER_EMAIL_HEADER, _ID_HEADER, _NAME_HEADER).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import unquote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from accounts.messages import FRONTEND_USER_NOT_ALLOWED, INVALID_FRONTEND_USER, USER_INACTIVE
from accounts.models import ApiKey, User
from core.errors import GatewayError

# Placeholder domain (RFC 2606 reserves .invalid) for people known only by their id.
NO_EMAIL_DOMAIN = "frontend.invalid"
_USERNAME_UNSAFE = re.compile(r"[^\w.@+-]")


class InvalidFrontendUser(GatewayError):
    default_code = "invalid_frontend_user"


def _header(request: Request, name: str) -> str:
    return request.META.get("HTTP_" + name.upper().replace("-", "_"), "").strip()


def frontend_person(request: Request, api_key: ApiKey) -> User | None:
    """The person the headers name (None: no header, the key's owner is the caller)."""
    email = _header(request, settings.FRONTEND_USER_EMAIL_HEADER).lower()
    external_id = _header(request, settings.FRONTEND_USER_ID_HEADER)[:255]
    # Open WebUI URL-quotes the name (non-ASCII cannot travel in a header as is).
    name = unquote(_header(request, settings.FRONTEND_USER_NAME_HEADER))[:150]
    if not email and not external_id:
        return None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            header = settings.FRONTEND_USER_EMAIL_HEADER
            raise InvalidFrontendUser(INVALID_FRONTEND_USER.format(header=header)) from None
    person = frontend_person_get_or_create(email=email, external_id=external_id, name=name)
    if not person.is_active:
        raise AuthenticationFailed(USER_INACTIVE, code="user_inactive")
    # The front end acts for people; it never gains more than its key's owner has.
    if person.is_admin and not api_key.user.is_admin:
        raise AuthenticationFailed(FRONTEND_USER_NOT_ALLOWED, code="frontend_user_not_allowed")
    return person


def _lookup(email: str, external_id: str) -> User | None:
    if email:
        return User.objects.filter(email__iexact=email).first()
    return User.objects.filter(frontend_id=external_id).first()


def _free_username(email: str, external_id: str) -> str:
    base = _USERNAME_UNSAFE.sub("_", email or f"frontend-{external_id}")[:140]
    if not User.objects.filter(username__iexact=base).exists():
        return base
    return f"{base}-{secrets.token_hex(3)}"


def frontend_person_get_or_create(*, email: str, external_id: str, name: str) -> User:
    """The user with this email (or, without one, this front-end id); created if new."""
    person = _lookup(email, external_id)
    if person is not None:
        return person
    if external_id and User.objects.filter(frontend_id=external_id).exists():
        external_id = ""  # that id already names someone else; the email decides
    person = User(
        username=_free_username(email, external_id),
        email=email or f"{_USERNAME_UNSAFE.sub('_', external_id)}@{NO_EMAIL_DOMAIN}",
        first_name=name,
        frontend_id=external_id,
    )
    person.set_unusable_password()
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError:
        # Another process created them at the same moment: use theirs.
        found = _lookup(email, external_id)
        if found is None:
            raise
        return found
    return person
