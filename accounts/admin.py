"""Django admin for users (role, active, quota and budget overrides), API keys (scopes,
revoke; the key shown once) and the read-only audit trail of changes to both.

The admin's sign-in page uses ThrottledAdminAuthenticationForm, which names a lockout.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from accounts import services
from accounts.audit import API_KEY_AUDITED_FIELDS, USER_AUDITED_FIELDS, audit_snapshot
from accounts.forms import (
    ApiKeyAddForm,
    GatewayUserChangeForm,
    GatewayUserCreationForm,
    ThrottledAdminAuthenticationForm,
)
from accounts.models import ApiKey, AuditEvent, AuditVia, User

KEY_SHOWN_ONCE = "The new API key is {key} — copy it now: it will not be shown again."

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class GatewayUserAdmin(UserAdmin):
    form = GatewayUserChangeForm
    add_form = GatewayUserCreationForm
    list_display = (
        "username",
        "email",
        "role",
        "is_active",
        "quota_per_minute",
        "token_budget_day",
        "token_budget_month",
        "created_at",
    )
    list_editable = (
        "role",
        "is_active",
        "quota_per_minute",
        "token_budget_day",
        "token_budget_month",
    )
    list_filter = ("role", "is_active")
    search_fields = ("username", "email")
    ordering = ("-created_at",)
    readonly_fields = ("is_staff", "last_login", "date_joined", "created_at", "updated_at")
    filter_horizontal = ()
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        (
            "Access",
            {
                "fields": ("role", "is_active", "quota_per_minute", "is_superuser", "is_staff"),
                "description": "The role decides access; staff status follows it.",
            },
        ),
        (
            "Token budgets",
            {
                "fields": ("token_budget_day", "token_budget_month", "frontend_id"),
                "description": "Empty: the gateway default (USER_TOKEN_BUDGET_DAY / _MONTH).",
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined", "created_at", "updated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "username",
                    "email",
                    "role",
                    "quota_per_minute",
                    "token_budget_day",
                    "token_budget_month",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    actions = ["deactivate_users", "make_admins"]

    def save_model(self, request, obj, form, change) -> None:
        before = {}
        if change:
            before = audit_snapshot(User.objects.get(pk=obj.pk), USER_AUDITED_FIELDS)
        super().save_model(request, obj, form, change)
        services.admin_change_audit(
            actor=request.user,
            target=obj,
            before=before,
            after=audit_snapshot(obj, USER_AUDITED_FIELDS),
            action="user.change" if change else "user.create",
        )

    @admin.action(description="Deactivate selected users")
    def deactivate_users(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = services.users_deactivate(user_ids=ids, actor=request.user)
        self.message_user(request, f"Deactivated {count} user(s).", messages.SUCCESS)
        if request.user.pk in ids:
            self.message_user(request, "You cannot deactivate yourself.", messages.WARNING)

    @admin.action(description="Make selected users admins")
    def make_admins(self, request, queryset) -> None:
        count = services.users_make_admin(
            user_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        self.message_user(request, f"{count} user(s) are now admins.", messages.SUCCESS)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "is_active",
        "is_trusted_frontend",
        "expires_at",
        "last_used_at",
        "created_at",
    )
    list_filter = ("is_active", "is_trusted_frontend", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username", "user__email")
    autocomplete_fields = ("user",)
    ordering = ("-created_at",)
    actions = ["revoke_keys"]
    _scope_fields = ApiKey.SCOPE_FIELDS
    _change_fields = ("user", "name", "prefix", "key_hash", "is_active", "last_used_at")
    _change_readonly = (*_change_fields[2:], "user", "created_at", "updated_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name", *self._scope_fields)
        return (*self._change_fields, *self._scope_fields, "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # Revocation goes through the action; the digest and prefix never change.
        return () if obj is None else self._change_readonly

    def save_model(self, request, obj, form, change) -> None:
        if change:
            before = audit_snapshot(ApiKey.objects.get(pk=obj.pk), API_KEY_AUDITED_FIELDS)
            super().save_model(request, obj, form, change)
            services.admin_change_audit(
                actor=request.user,
                target=obj,
                before=before,
                after=audit_snapshot(obj, API_KEY_AUDITED_FIELDS),
                action="api_key.change",
            )
            return
        created = services.api_key_create(
            user=obj.user,
            name=obj.name,
            allowed_models=obj.allowed_models,
            expires_at=obj.expires_at,
            **obj.scope_limits(),
            actor=request.user,
            via=AuditVia.ADMIN,
        )
        if obj.is_trusted_frontend:
            created.api_key.is_trusted_frontend = True
            created.api_key.save(update_fields=["is_trusted_frontend"])
        # The admin goes on to log and redirect with `obj`; make it the row just created.
        obj.pk = created.api_key.pk
        obj.refresh_from_db()
        obj._state.adding = False
        messages.success(request, KEY_SHOWN_ONCE.format(key=created.raw_key))

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request, queryset) -> None:
        count = services.api_keys_revoke(
            api_key_ids=queryset.values_list("pk", flat=True), actor=request.user
        )
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The trail is evidence: it can be read and searched, never edited or deleted here."""

    list_display = ("created_at", "actor_username", "via", "action", "target_repr", "changes")
    list_filter = ("via", "action", "target_type")
    search_fields = ("actor_username", "target_repr", "target_id", "action")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
