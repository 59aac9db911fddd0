"""Writes for users and API keys (tokens live in tokens.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.errors import ApiKeyNotFound, EmailTaken, UsernameTaken
from accounts.keys import api_key_digest, api_key_display_prefix, api_key_generate
from accounts.models import ApiKey, Role, User

# last_used_at is written at most this often per key, so the chat hot path rarely writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    raw_key: str  # shown to the owner exactly once, never stored


def _raise_clash(*, username: str, email: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise UsernameTaken(details={"field": "username"})
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(details={"field": "email"})


def user_create(*, username: str, email: str, password: str, role: str = Role.USER) -> User:
    """Create a user; a username or email (case-insensitive) already taken is a Conflict."""
    # Normalise first (NFKC username, lower-case email domain), as create_user would, so
    # the clash check sees exactly what the database constraints will.
    username = User.normalize_username(username)
    email = User.objects.normalize_email(email)
    _raise_clash(username=username, email=email)
    try:
        with transaction.atomic():
            return User.objects.create_user(
                username=username, email=email, password=password, role=role
            )
    except IntegrityError:
        # Lost a race with a concurrent registration: say which field clashed.
        _raise_clash(username=username, email=email)
        raise


def users_deactivate(*, user_ids: Iterable[uuid.UUID], actor: User) -> int:
    """Soft-delete users (they can no longer authenticate); never the acting admin."""
    return (
        User.objects.filter(pk__in=list(user_ids), is_active=True)
        .exclude(pk=actor.pk)
        .update(is_active=False, updated_at=timezone.now())
    )


def users_make_admin(*, user_ids: Iterable[uuid.UUID]) -> int:
    # update() skips User.save(), so is_staff is kept in step with role here.
    return (
        User.objects.filter(pk__in=list(user_ids))
        .exclude(role=Role.ADMIN)
        .update(role=Role.ADMIN, is_staff=True, updated_at=timezone.now())
    )


def api_key_create(*, user: User, name: str) -> CreatedApiKey:
    raw_key = api_key_generate()
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=api_key_display_prefix(raw_key),
        key_hash=api_key_digest(raw_key),
    )
    return CreatedApiKey(api_key=api_key, raw_key=raw_key)


def api_key_revoke(*, user: User, api_key_id: uuid.UUID) -> None:
    """Revoke one of the user's keys at once; someone else's or an unknown id is a 404."""
    api_key = ApiKey.objects.filter(pk=api_key_id, user=user).first()
    if api_key is None:
        raise ApiKeyNotFound()
    if api_key.is_active:
        api_key.is_active = False
        api_key.save(update_fields=["is_active", "updated_at"])


def api_keys_revoke(*, api_key_ids: Iterable[uuid.UUID]) -> int:
    return ApiKey.objects.filter(pk__in=list(api_key_ids), is_active=True).update(
        is_active=False, updated_at=timezone.now()
    )


def api_key_touch(*, api_key: ApiKey, now: datetime | None = None) -> bool:
    """Record a use of the key, at most once per LAST_USED_RESOLUTION; True if written."""
    now = now or timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if api_key.last_used_at is not None and api_key.last_used_at > stale_before:
        return False
    written = (
        ApiKey.objects.filter(pk=api_key.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before))
        .update(last_used_at=now)
    )
    api_key.last_used_at = now
    return bool(written)
