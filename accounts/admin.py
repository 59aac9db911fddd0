"""Django admin for users (role, active, quota override) and API keys (revoke; shown once).

The admin's sign-in page uses ThrottledAdminAuthenticationForm, which names a lockout.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin

from accounts import services
from accounts.forms import (
    ApiKeyAddForm,
    GatewayUserChangeForm,
    GatewayUserCreationForm,
    ThrottledAdminAuthenticationForm,
)
from accounts.models import ApiKey, User

KEY_SHOWN_ONCE = "The new API key is {key} — copy it now: it will not be shown again."

admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(User)
class GatewayUserAdmin(UserAdmin):
    form = GatewayUserChangeForm
    add_form = GatewayUserCreationForm
    list_display = ("username", "email", "role", "is_active", "quota_per_minute", "created_at")
    list_editable = ("role", "is_active", "quota_per_minute")
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
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    actions = ["deactivate_users", "make_admins"]

    @admin.action(description="Deactivate selected users")
    def deactivate_users(self, request, queryset) -> None:
        ids = list(queryset.values_list("pk", flat=True))
        count = services.users_deactivate(user_ids=ids, actor=request.user)
        self.message_user(request, f"Deactivated {count} user(s).", messages.SUCCESS)
        if request.user.pk in ids:
            self.message_user(request, "You cannot deactivate yourself.", messages.WARNING)

    @admin.action(description="Make selected users admins")
    def make_admins(self, request, queryset) -> None:
        count = services.users_make_admin(user_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"{count} user(s) are now admins.", messages.SUCCESS)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "is_active", "last_used_at", "created_at")
    list_filter = ("is_active", "created_at", "last_used_at")
    list_select_related = ("user",)
    search_fields = ("name", "prefix", "user__username", "user__email")
    autocomplete_fields = ("user",)
    ordering = ("-created_at",)
    actions = ["revoke_keys"]
    _change_fields = ("user", "name", "prefix", "key_hash", "is_active", "last_used_at")
    _change_readonly = (*_change_fields[2:], "user", "created_at", "updated_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("user", "name")
        return (*self._change_fields, "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # Revocation goes through the action; the digest and prefix never change.
        return () if obj is None else self._change_readonly

    def save_model(self, request, obj, form, change) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = services.api_key_create(user=obj.user, name=obj.name)
        # The admin goes on to log and redirect with `obj`; make it the row just created.
        obj.pk = created.api_key.pk
        obj.refresh_from_db()
        obj._state.adding = False
        messages.success(request, KEY_SHOWN_ONCE.format(key=created.raw_key))

    @admin.action(description="Revoke selected keys")
    def revoke_keys(self, request, queryset) -> None:
        count = services.api_keys_revoke(api_key_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Revoked {count} key(s).", messages.SUCCESS)
