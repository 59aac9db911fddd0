"""The admin usage dashboard page: access, embedded chart data, the admin index link."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from metrics.dashboard import chart_data, dashboard_days
from metrics.selectors import usage_summary
from metrics.tests.usage_data import COMPLEX, SIMPLE

DASHBOARD = "admin:usage-dashboard"


def embedded(response) -> dict:
    match = re.search(
        r'<script id="usage-dashboard-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the chart data is not embedded"
    return json.loads(match.group(1))


def test_it_is_mounted_under_the_admin():
    assert reverse(DASHBOARD) == "/admin/usage-dashboard/"


def test_it_renders_for_an_admin_with_the_chart_data(admin_session, seeded):
    response = admin_session.get(reverse(DASHBOARD), {"days": 7})

    assert response.status_code == 200
    content = response.content.decode()
    canvases = ("chart-tokens-per-day", "chart-requests-per-day", "chart-compute-per-day")
    for canvas in (*canvases, "chart-top-users"):
        assert f'id="{canvas}"' in content
    assert "/static/metrics/vendor/chart.umd.min.js" in content
    assert "/static/metrics/usage_dashboard.js" in content
    assert "//cdn" not in content and "https://" not in content
    data = embedded(response)
    assert data["days"] == 7
    assert len(data["labels"]) == 7
    tokens = {series["label"]: series["data"] for series in data["tokens_by_model"]}
    assert tokens[COMPLEX][-1] == 450
    assert tokens[SIMPLE][-3] == 30
    assert tokens["(no model)"] == [0] * 7
    compute = {series["label"]: series["data"] for series in data["compute_by_model"]}
    assert compute[COMPLEX][-1] == 2.25
    assert compute[SIMPLE][-3] == 1.0
    assert data["top_users"][0] == {
        "username": "bob",
        "total_tokens": 495,
        "requests": 4,
        "compute_seconds": 3.75,
    }


def test_it_shows_the_totals(admin_session, seeded):
    content = admin_session.get(reverse(DASHBOARD), {"days": 7}).content.decode()

    assert '<div class="ud-card-value">545</div>' in content
    assert '<div class="ud-card-value">6</div>' in content
    assert '<div class="ud-card-value">5.25 s</div>' in content


def test_it_defaults_to_thirty_days_and_clamps_the_range(admin_session, seeded):
    assert len(embedded(admin_session.get(reverse(DASHBOARD)))["labels"]) == 30
    assert embedded(admin_session.get(reverse(DASHBOARD), {"days": "999"}))["days"] == 365
    assert embedded(admin_session.get(reverse(DASHBOARD), {"days": "junk"}))["days"] == 30


@pytest.mark.parametrize(("raw", "days"), [(None, 30), ("3", 3), ("0", 1), ("x", 30)])
def test_it_reads_days_leniently(raw, days):
    assert dashboard_days(raw) == days


def test_it_says_so_when_there_is_no_usage(admin_session):
    response = admin_session.get(reverse(DASHBOARD))

    assert response.status_code == 200
    assert "No chat requests were recorded in this period." in response.content.decode()


def test_it_redirects_a_user_to_the_admin_login(client, user):
    client.force_login(user)

    response = client.get(reverse(DASHBOARD))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_it_redirects_anonymous_visitors_to_the_admin_login(client, db):
    response = client.get(reverse(DASHBOARD))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_admin_index_links_to_it(admin_session):
    content = admin_session.get(reverse("admin:index")).content.decode()

    assert f'href="{reverse(DASHBOARD)}"' in content
    assert "Usage dashboard" in content


def test_its_assets_are_served_by_the_gateway():
    for asset in (
        "metrics/vendor/chart.umd.min.js",
        "metrics/vendor/chart.js.LICENSE.md",
        "metrics/usage_dashboard.js",
        "metrics/usage_dashboard.css",
    ):
        assert finders.find(asset), asset


def test_chart_data_lists_models_busiest_first(seeded):
    data = chart_data(usage_summary(days=7))

    assert [series["label"] for series in data["requests_by_model"]] == [
        COMPLEX,
        SIMPLE,
        "(no model)",
    ]
    assert sum(data["requests_by_model"][0]["data"]) == 3
