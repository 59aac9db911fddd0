"""Writes for users and API keys (tokens live in tokens.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import (
    API_KEY_AUDITED_FIELDS,
    audit_changes,
    audit_record,
    audit_snapshot,
)
from accounts.errors import ApiKeyNotFound, EmailTaken, KeyLimitAboveOwner, UsernameTaken
from accounts.keys import api_key_digest, api_key_display_prefix, api_key_generate
from accounts.models import ApiKey, AuditVia, Role, User
from accounts.scopes import api_key_limits_check

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


@transaction.atomic
def users_deactivate(
    *, user_ids: Iterable[uuid.UUID], actor: User, via: str = AuditVia.ADMIN
) -> int:
    """Soft-delete users (they can no longer authenticate); never the acting admin."""
    users = list(
        User.objects.select_for_update()
        .filter(pk__in=list(user_ids), is_active=True)
        .exclude(pk=actor.pk)
    )
    for user in users:
        audit_record(
            actor=actor, via=via, action="user.deactivate", target=user,
            changes={"is_active": [True, False]},
        )  # fmt: skip
    return User.objects.filter(pk__in=[u.pk for u in users]).update(
        is_active=False, updated_at=timezone.now()
    )


@transaction.atomic
def users_make_admin(
    *, user_ids: Iterable[uuid.UUID], actor: User | None = None, via: str = AuditVia.ADMIN
) -> int:
    users = list(
        User.objects.select_for_update().filter(pk__in=list(user_ids)).exclude(role=Role.ADMIN)
    )
    for user in users:
        audit_record(
            actor=actor, via=via, action="user.role", target=user,
            changes={"role": [user.role, Role.ADMIN]},
        )  # fmt: skip
    # update() skips User.save(), so is_staff is kept in step with role here.
    return User.objects.filter(pk__in=[u.pk for u in users]).update(
        role=Role.ADMIN, is_staff=True, updated_at=timezone.now()
    )


def api_key_limits_validate(*, owner: User, limits: dict[str, int | None]) -> None:
    """400 (validation_error, naming each field) when a key limit is above the owner's."""
    try:
        api_key_limits_check(owner=owner, limits=limits)
    except DjangoValidationError as exc:
        raise KeyLimitAboveOwner(details=exc.message_dict) from None


@transaction.atomic
def api_key_create(
    *,
    user: User,
    name: str,
    allowed_models: list[str] | None = None,
    expires_at: datetime | None = None,
    requests_per_minute: int | None = None,
    tokens_per_minute: int | None = None,
    token_budget_day: int | None = None,
    token_budget_month: int | None = None,
    actor: User | None = None,
    via: str = AuditVia.API,
) -> CreatedApiKey:
    """A new key for `user`, optionally scoped; its limits may not exceed the user's own."""
    limits = {
        "requests_per_minute": requests_per_minute,
        "tokens_per_minute": tokens_per_minute,
        "token_budget_day": token_budget_day,
        "token_budget_month": token_budget_month,
    }
    api_key_limits_validate(owner=user, limits=limits)
    raw_key = api_key_generate()
    api_key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=api_key_display_prefix(raw_key),
        key_hash=api_key_digest(raw_key),
        allowed_models=list(dict.fromkeys(allowed_models or [])),
        expires_at=expires_at,
        **limits,
    )
    audit_record(
        actor=actor or user, via=via, action="api_key.create", target=api_key,
        changes=audit_snapshot(api_key, API_KEY_AUDITED_FIELDS),
    )  # fmt: skip
    return CreatedApiKey(api_key=api_key, raw_key=raw_key)


@transaction.atomic
def api_key_revoke(*, user: User, api_key_id: uuid.UUID) -> None:
    """Revoke one of the user's keys at once; someone else's or an unknown id is a 404."""
    api_key = ApiKey.objects.filter(pk=api_key_id, user=user).first()
    if api_key is None:
        raise ApiKeyNotFound()
    if api_key.is_active:
        api_key.is_active = False
        api_key.save(update_fields=["is_active", "updated_at"])
        audit_record(
            actor=user, action="api_key.revoke", target=api_key,
            changes={"is_active": [True, False]},
        )  # fmt: skip


@transaction.atomic
def api_keys_revoke(
    *, api_key_ids: Iterable[uuid.UUID], actor: User | None = None, via: str = AuditVia.ADMIN
) -> int:
    keys = list(ApiKey.objects.select_for_update().filter(pk__in=list(api_key_ids), is_active=True))
    for api_key in keys:
        audit_record(
            actor=actor, via=via, action="api_key.revoke", target=api_key,
            changes={"is_active": [True, False]},
        )  # fmt: skip
    return ApiKey.objects.filter(pk__in=[k.pk for k in keys]).update(
        is_active=False, updated_at=timezone.now()
    )


def admin_change_audit(*, actor: User, target, before: dict, after: dict, action: str) -> None:
    """Record an admin edit form's changes to the audited fields (nothing when none)."""
    changes = audit_changes(before, after)
    if changes:
        audit_record(actor=actor, via=AuditVia.ADMIN, action=action, target=target, changes=changes)


def api_key_touch_due(api_key: ApiKey, now: datetime | None = None) -> bool:
    """Whether this use of the key is to be recorded (its last one is older than
    LAST_USED_RESOLUTION): most requests skip the write, and the async path its hop."""
    stale_before = (now or timezone.now()) - LAST_USED_RESOLUTION
    return api_key.last_used_at is None or api_key.last_used_at <= stale_before


def api_key_touch(*, api_key: ApiKey, now: datetime | None = None) -> bool:
    """Record a use of the key, at most once per LAST_USED_RESOLUTION; True if written."""
    now = now or timezone.now()
    stale_before = now - LAST_USED_RESOLUTION
    if not api_key_touch_due(api_key, now):
        return False
    written = (
        ApiKey.objects.filter(pk=api_key.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale_before))
        .update(last_used_at=now)
    )
    api_key.last_used_at = now
    return bool(written)
