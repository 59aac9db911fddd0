"""Users (with a role) and their API keys (SPEC section 4)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

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

    objects = GatewayUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            # "Bob" and "bob" would be two people to the login throttle and one to a reader.
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["user", "admin"]), name="accounts_user_role_valid"
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

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
