"""The admin usage dashboard: tokens, requests and compute seconds per day by model, top
users, usage by API key and by person behind a trusted front end (Open WebUI), and the
Ollama fleet (each backend's state, models and load, probed at most a second ago).

The page embeds its data with `json_script`; metrics/static/metrics/usage_dashboard.js draws
it with the vendored Chart.js, so every asset comes from the gateway itself.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from metrics.selectors import MAX_DAYS, usage_summary
from routing.ollama.fleet_status import fleet_status

DASHBOARD_DEFAULT_DAYS = 30
DAY_CHOICES = (7, 14, 30, 90, 365)
TOP_USERS = 10
TOP_ROWS = 20  # rows of the by-key and by-person tables
NO_MODEL_LABEL = "(no model)"


def dashboard_days(raw: str | None) -> int:
    """`?days=N` for the page: out-of-range values are clamped, junk falls back to the default."""
    try:
        days = int(raw) if raw is not None else DASHBOARD_DEFAULT_DAYS
    except ValueError:
        return DASHBOARD_DEFAULT_DAYS
    return min(max(days, 1), MAX_DAYS)


def chart_data(summary: dict[str, Any]) -> dict[str, Any]:
    """The chart series: per-day tokens and requests for each model, and the top users."""
    models = [row["model"] for row in summary["by_model"]]  # busiest model first
    by_day = summary["by_day"]

    def series(metric: str) -> list[dict[str, Any]]:
        return [
            {
                "label": model or NO_MODEL_LABEL,
                "data": [day["by_model"].get(model, {}).get(metric, 0) for day in by_day],
            }
            for model in models
        ]

    return {
        "days": summary["days"],
        "labels": [day["date"].isoformat() for day in by_day],
        "tokens_by_model": series("total_tokens"),
        "requests_by_model": series("requests"),
        "compute_by_model": series("compute_seconds"),
        "top_users": [
            {
                "username": row["username"],
                "total_tokens": row["total_tokens"],
                "requests": row["requests"],
                "compute_seconds": round(row["compute_seconds"], 3),
            }
            for row in summary["by_user"][:TOP_USERS]
        ],
    }


def _cards(totals: dict[str, Any]) -> list[tuple[str, str]]:
    outcomes = totals["by_outcome"]
    return [
        ("Requests", f"{totals['requests']:,}"),
        ("Total tokens", f"{totals['total_tokens']:,}"),
        ("Prompt / completion", f"{totals['prompt_tokens']:,} / {totals['completion_tokens']:,}"),
        ("Compute time", f"{totals['compute_seconds']:,.2f} s"),
        ("Cached answers", f"{totals['cached_requests']:,}"),
        (
            "Blocked / fallback / error",
            f"{outcomes['blocked']} / {outcomes['fallback']} / {outcomes['error']}",
        ),
    ]


def usage_dashboard_view(request: HttpRequest) -> HttpResponse:
    """GET /admin/usage-dashboard/?days=N (wrapped in `admin.site.admin_view`: staff only)."""
    if not getattr(request.user, "is_admin", False):  # admin_view checked is_staff already
        raise PermissionDenied
    days = dashboard_days(request.GET.get("days"))
    summary = usage_summary(days=days)
    context = {
        **admin.site.each_context(request),
        "title": "Usage dashboard",
        "subtitle": f"Last {days} day{'s' if days != 1 else ''}",
        "days": days,
        "day_choices": DAY_CHOICES,
        "since": summary["since"],
        "until": summary["until"],
        "cards": _cards(summary["totals"]),
        "has_usage": summary["totals"]["requests"] > 0,
        "chart_data": chart_data(summary),
        "fleet": fleet_status(),
        "by_key": summary["by_key"][:TOP_ROWS],
        "by_person": summary["by_person"][:TOP_ROWS],
    }
    return TemplateResponse(request, "admin/metrics/usage_dashboard.html", context)
