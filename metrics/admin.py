"""Django admin: the usage ledger (read-only) and the usage dashboard page (SPEC section 11).

Access follows the gateway role (`role=admin`), not Django's per-model permissions. The
dashboard is mounted on the default admin site by wrapping its `get_urls`, so it lives at
/admin/usage-dashboard/ (URL name `admin:usage-dashboard`) without touching the root URLconf.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, path

from accounts.permissions import is_gateway_admin
from metrics.dashboard import usage_dashboard_view
from metrics.models import UsageRecord

DASHBOARD_URL_NAME = "usage-dashboard"


@admin.register(UsageRecord)
class UsageRecordAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "user",
        "model",
        "intent",
        "router",
        "api",
        "outcome",
        "total_tokens",
        "cached",
        "latency_ms",
    )
    list_select_related = ("user",)
    list_filter = (
        ("user", admin.RelatedOnlyFieldListFilter),
        "model",
        "intent",
        "router",
        "api",
        "outcome",
        "cached",
        "created_at",
    )
    search_fields = ("user__username",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    # The ledger grows without bound; skip the second COUNT(*) over the whole table.
    show_full_result_count = False
    fields = (
        "id",
        "created_at",
        "user",
        "api_key",
        "conversation",
        "intent",
        "router",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "cached",
        "outcome",
        "latency_ms",
    )
    readonly_fields = fields

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_gateway_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: UsageRecord | None = None) -> bool:
        return is_gateway_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: UsageRecord | None = None) -> bool:
        return False

    # The ledger is the billing record: rows go only with their user.
    def has_delete_permission(self, request: HttpRequest, obj: UsageRecord | None = None) -> bool:
        return False


UrlList = list[URLPattern | URLResolver]


def _with_dashboard(get_urls: Callable[[], UrlList]) -> Callable[[], UrlList]:
    def get_urls_with_dashboard() -> UrlList:
        dashboard = path(
            "usage-dashboard/",
            admin.site.admin_view(usage_dashboard_view),
            name=DASHBOARD_URL_NAME,
        )
        # First, so the admin's catch-all patterns never see it.
        return [dashboard, *get_urls()]

    get_urls_with_dashboard.wraps_usage_dashboard = True  # type: ignore[attr-defined]
    return get_urls_with_dashboard


if not getattr(admin.site.get_urls, "wraps_usage_dashboard", False):
    admin.site.get_urls = _with_dashboard(admin.site.get_urls)
