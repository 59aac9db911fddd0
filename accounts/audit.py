"""The audit trail: who changed which key, role, budget or scope, when, through what.

Services call `audit_record` for changes made through the API and the admin actions; the
admin's own edit forms call it from `save_model` with `audit_changes` of the tracked fields.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import models

from accounts.models import ApiKey, AuditEvent, AuditVia

USER_AUDITED_FIELDS = (
    "role",
    "is_active",
    "is_superuser",
    "quota_per_minute",
    "token_budget_day",
    "token_budget_month",
)
API_KEY_AUDITED_FIELDS = ("name", "is_active", *ApiKey.SCOPE_FIELDS)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def audit_snapshot(obj: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in fields}


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for every field whose value differs."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def audit_record(
    *,
    actor,
    via: str = AuditVia.API,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_username=getattr(actor, "username", "") or "",
        via=via,
        action=action,
        target_type=target._meta.model_name,
        target_id=str(target.pk),
        target_repr=str(target)[:200],
        changes=changes or {},
    )
