"""Usage by API key and by person behind a trusted front end: admin API, report, dashboard,
and a user's own keys at GET /api/user/usage."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.frontend import frontend_person_get_or_create
from accounts.services import api_key_create
from metrics.tests.usage_data import record


@pytest.fixture
def keyed(user, outsider):
    """bob's `ci` key 15+15 tokens, his JWT 3+2; his trusted `webui` key used by carol 40+10
    and by dave 5+5; mallory's own key 100+0."""
    ci = api_key_create(user=user, name="ci").api_key
    webui = api_key_create(user=user, name="webui").api_key
    webui.is_trusted_frontend = True
    webui.save()
    mallory = api_key_create(user=outsider, name="m").api_key
    carol = frontend_person_get_or_create(email="carol@example.org", external_id="", name="")
    dave = frontend_person_get_or_create(email="dave@example.org", external_id="", name="")
    record(user, api_key=ci, prompt=15, completion=15)
    record(user, prompt=3, completion=2)
    record(carol, api_key=webui, prompt=40, completion=10)
    record(dave, api_key=webui, prompt=5, completion=5)
    record(outsider, api_key=mallory, prompt=100, completion=0)
    return {"ci": ci, "webui": webui, "mallory": mallory}


def _report(*args: str) -> str:
    out = io.StringIO()
    call_command("usage_report", *args, stdout=out)
    return out.getvalue()


def test_the_admin_api_breaks_usage_down_by_key_and_by_person(admin_client, keyed):
    body = admin_client.get("/api/admin/usage").json()

    by_key = {row["name"] or "(jwt)": row["total_tokens"] for row in body["by_key"]}
    assert by_key == {"m": 100, "webui": 60, "ci": 30, "(jwt)": 5}
    people = {(row["email"], row["frontend_key"]): row["total_tokens"] for row in body["by_person"]}
    assert people == {("carol@example.org", "webui"): 50, ("dave@example.org", "webui"): 10}


def test_the_report_narrows_to_one_key_by_its_prefix(keyed):
    data = json.loads(_report("--key", keyed["webui"].prefix, "--format", "json"))

    assert data["totals"]["total_tokens"] == 60
    assert data["user"].startswith("key webui")


def test_the_report_narrows_to_one_key_by_its_id(keyed):
    data = json.loads(_report("--key", str(keyed["ci"].pk), "--format", "json"))

    assert data["totals"]["total_tokens"] == 30


def test_the_report_finds_a_person_by_email_and_lists_people_and_keys(keyed):
    person = json.loads(_report("--user", "carol@example.org", "--format", "json"))
    table = _report()
    rows = _report("--format", "csv").splitlines()

    assert person["totals"]["total_tokens"] == 50
    assert "By key" in table and "By person (trusted front ends)" in table
    assert "person,carol@example.org,1,40,10,50,0.0" in rows  # compute seconds last
    assert f"key,webui ({keyed['webui'].prefix}…),2,45,15,60,0.0" in rows


def test_the_report_refuses_an_unknown_key(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        _report("--key", "sk-nothere")


def test_the_dashboard_shows_usage_by_key_and_by_person(client, admin_user, keyed):
    client.force_login(admin_user)

    page = client.get(reverse("admin:usage-dashboard")).content.decode()

    assert "Usage by API key" in page
    assert f"webui ({keyed['webui'].prefix}…) · front end" in page
    assert "carol@example.org" in page


def test_a_user_sees_their_own_keys_usage(user_client, keyed):
    body = user_client.get("/api/user/usage").json()

    assert {row["name"]: row["total_tokens"] for row in body["by_key"]} == {"webui": 60, "ci": 30}
    assert {row["email"] for row in body["by_person"]} == {
        "carol@example.org",
        "dave@example.org",
    }
    assert body["totals"]["total_tokens"] == 90


def test_a_user_sees_nothing_of_other_peoples_keys(outsider_client, keyed):
    body = outsider_client.get("/api/user/usage", {"days": 1}).json()

    assert [row["name"] for row in body["by_key"]] == ["m"]
    assert body["by_person"] == []
