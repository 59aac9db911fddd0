"""Users (with a role and token budgets), their API keys (with scopes) and the audit trail.

SPEC sections 4 and 13 (governance). Budgets and key limits are enforced by accounts/budget.py;
null means "no limit of its own" everywhere (a user's null budget falls back to the setting).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from core.models import TimestampedModel


class Role(models.TextChoices):
    USER = "user", "User"
    ADMIN = "admin", "Admin"


class GatewayUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(TimestampedModel, AbstractUser):
    email = models.EmailField("email address")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    quota_per_minute = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Chat requests per minute for this user; empty means the gateway default.",
    )
    token_budget_day = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text="Tokens per UTC day; empty means USER_TOKEN_BUDGET_DAY (itself empty: no limit).",
    )
    token_budget_month = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Tokens per UTC month; empty means USER_TOKEN_BUDGET_MONTH (itself empty: no limit)."
        ),
    )
    # The id a trusted front end (Open WebUI) knows this person by, when it sent no email.
    frontend_id = models.CharField(max_length=255, blank=True, default="")

    objects = GatewayUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            # "Bob" and "bob" would be two people to the login throttle and one to a reader.
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["user", "admin"]), name="accounts_user_role_valid"
            ),
            models.UniqueConstraint(
                fields=["frontend_id"],
                condition=~models.Q(frontend_id=""),
                name="accounts_user_frontend_id_unique",
            ),
        ]

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def has_perm(self, perm, obj=None) -> bool:
        # role=admin is what grants the Django admin site (SPEC section 4), superuser or not.
        if self.is_active and self.is_admin:
            return True
        return super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        if self.is_active and self.is_admin:
            return True
        return super().has_module_perms(app_label)

    def save(self, *args, **kwargs):
        # role is the source of truth; is_staff only mirrors it for the Django admin site.
        self.is_staff = self.role == Role.ADMIN
        if self.is_superuser and self.role != Role.ADMIN:
            self.is_superuser = False
        if kwargs.get("update_fields") is not None and "role" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff", "is_superuser"}
        super().save(*args, **kwargs)


class ApiKey(TimestampedModel):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    is_active = models.BooleanField(default=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Scopes (issue 16). Empty list: every model; "auto" names the routed agent.
    allowed_models = models.JSONField(default=list, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_minute = models.PositiveIntegerField(null=True, blank=True)
    token_budget_day = models.PositiveBigIntegerField(null=True, blank=True)
    token_budget_month = models.PositiveBigIntegerField(null=True, blank=True)
    is_trusted_frontend = models.BooleanField(
        "trusted front end",
        default=False,
        help_text=(
            "Requests with this key may name their end user in the X-OpenWebUI-User-* headers; "
            "usage, quota and budgets then apply to that person."
        ),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def allows_model(self, model: str) -> bool:
        from accounts.scopes import model_in_scope

        return model_in_scope(self.allowed_models, model)

    def clean(self) -> None:
        # The admin's forms call this: a key's limits never exceed its owner's.
        from django.core.exceptions import ValidationError

        from accounts.scopes import api_key_limits_check

        models_ok = isinstance(self.allowed_models, list) and all(
            isinstance(name, str) and name for name in self.allowed_models
        )
        if not models_ok:
            raise ValidationError({"allowed_models": 'A list of model names, e.g. ["auto"].'})
        if self.user_id is not None:
            api_key_limits_check(owner=self.user, limits=self.scope_limits())

    def scope_limits(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in KEY_LIMIT_FIELDS}


KEY_LIMIT_FIELDS = (
    "requests_per_minute",
    "tokens_per_minute",
    "token_budget_day",
    "token_budget_month",
)


class AuditVia(models.TextChoices):
    API = "api", "API"
    ADMIN = "admin", "Admin site"


class AuditEvent(TimestampedModel):
    """One change to a key, a role, a budget or a scope: who, when, through what, and what."""

    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the trail must outlive the actor's account.
    actor_username = models.CharField(max_length=150, blank=True, default="")
    via = models.CharField(max_length=8, choices=AuditVia.choices)
    action = models.CharField(max_length=64)
    target_type = models.CharField(max_length=32)
    target_id = models.CharField(max_length=64)
    target_repr = models.CharField(max_length=200, blank=True, default="")
    # {"field": [old, new]} for changes; the new values for a creation.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "audit event"
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.actor_username or '-'} {self.action} {self.target_repr}"
