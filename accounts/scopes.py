"""A user's effective token budgets and rate, and the rule that a key never exceeds its owner.

The owner's limits are their own override, else the gateway default (None: unlimited);
a key's own limit may only narrow them, which `api_key_limits_check` enforces for the API
(400) and the admin (a form error) alike.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from accounts.quota import quota_limit_for

KEY_LIMIT_EXCEEDS_OWNER = "{field} ({value}) cannot be more than the owner's own limit ({limit})."
AUTO_MODEL = "auto"  # the routed agent (/api/chat/ and `model: "auto"`)


def user_budget_day(user) -> int | None:
    own = getattr(user, "token_budget_day", None)
    return settings.USER_TOKEN_BUDGET_DAY if own is None else own


def user_budget_month(user) -> int | None:
    own = getattr(user, "token_budget_month", None)
    return settings.USER_TOKEN_BUDGET_MONTH if own is None else own


def owner_limits(user) -> dict[str, int | None]:
    """The ceiling each of a key's limits must stay under (None: any value is fine)."""
    return {
        "requests_per_minute": quota_limit_for(user),
        "tokens_per_minute": None,  # users have no tokens-per-minute limit of their own
        "token_budget_day": user_budget_day(user),
        "token_budget_month": user_budget_month(user),
    }


def api_key_limits_check(*, owner, limits: dict[str, int | None]) -> None:
    """Raise ValidationError({field: message}) for every key limit above the owner's."""
    errors = {}
    for field, ceiling in owner_limits(owner).items():
        value = limits.get(field)
        if value is not None and ceiling is not None and value > ceiling:
            errors[field] = KEY_LIMIT_EXCEEDS_OWNER.format(field=field, value=value, limit=ceiling)
    if errors:
        raise ValidationError(errors)


def _canonical(name: str) -> str:
    """Ollama's spelling rules: `llama3` is `llama3:latest`, case and `library/` ignored."""
    from routing.ollama.admin import normalize_model_name  # the one place they live

    return normalize_model_name(name) if name != AUTO_MODEL else AUTO_MODEL


def model_in_scope(allowed: list[str] | None, model: str) -> bool:
    """Whether a key with these `allowed_models` may use `model` (empty: every model)."""
    if not allowed:
        return True
    return _canonical(model) in {_canonical(name) for name in allowed}


def models_allowed(api_key, names: list[str]) -> list[str]:
    """The names (e.g. a /v1/models or /ollama/api/tags listing) the key may use, in order.

    No key (a JWT caller) or a key without `allowed_models` sees everything.
    """
    allowed = getattr(api_key, "allowed_models", None)
    return [name for name in names if model_in_scope(allowed, name)]
