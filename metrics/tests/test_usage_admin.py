"""The usage ledger in the Django admin: read-only changelist, filters and search."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from metrics.models import UsageRecord
from metrics.tests.usage_data import COMPLEX

CHANGELIST = "admin:metrics_usagerecord_changelist"


def shown(response) -> int:
    return len(response.context["cl"].result_list)


def test_it_lists_the_ledger_with_its_columns(admin_session, seeded):
    response = admin_session.get(reverse(CHANGELIST))

    assert response.status_code == 200
    assert shown(response) == 7
    content = response.content.decode()
    for column in ("column-created_at", "column-user", "column-model", "column-intent"):
        assert column in content
    for column in ("column-outcome", "column-total_tokens", "column-cached", "column-latency_ms"):
        assert column in content


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ({"model": COMPLEX}, 4),
        ({"intent": "search"}, 2),
        ({"outcome__exact": "fallback"}, 1),
        ({"cached__exact": "1"}, 1),
        ({"q": "alice"}, 2),
    ],
)
def test_it_filters_and_searches(admin_session, seeded, query, count):
    response = admin_session.get(reverse(CHANGELIST), query)

    assert response.status_code == 200
    assert shown(response) == count


def test_it_filters_by_user(admin_session, seeded, user):
    response = admin_session.get(reverse(CHANGELIST), {"user__id__exact": str(user.id)})

    assert shown(response) == 5


def test_it_filters_by_date(admin_session, seeded):
    # As the "created at" filter links it: an aware midnight.
    since = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=1), time()))
    query = {"created_at__gte": str(since)}

    response = admin_session.get(reverse(CHANGELIST), query)

    assert response.status_code == 200
    assert shown(response) == 5  # today and yesterday


def test_it_offers_the_filters(admin_session, seeded):
    filters = [
        spec.title for spec in admin_session.get(reverse(CHANGELIST)).context["cl"].filter_specs
    ]

    assert filters == [
        "user",
        "model",
        "intent",
        "router",
        "api",
        "outcome",
        "cached",
        "created at",
    ]


def test_it_is_read_only(admin_session, seeded):
    row = UsageRecord.objects.first()

    assert admin_session.get(reverse("admin:metrics_usagerecord_add")).status_code == 403
    change = admin_session.get(reverse("admin:metrics_usagerecord_change", args=[row.pk]))
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    delete = admin_session.get(reverse("admin:metrics_usagerecord_delete", args=[row.pk]))
    assert delete.status_code == 403


def test_it_keeps_users_out(client, user, seeded):
    client.force_login(user)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
