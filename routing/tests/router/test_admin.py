"""Operators review the LLM classifier's decisions in the admin: list, correct, confirm."""

from __future__ import annotations

import json

from django.urls import reverse

from core.redis_client import sync_redis
from routing.agent.router.recording import DECISIONS_KEY
from routing.models import RouterDecision

CHANGELIST = "admin:routing_routerdecision_changelist"


def decision(**fields) -> RouterDecision:
    values = {
        "query": "hmm, ok so what about it",
        "intent": "general",
        "complexity": "simple",
        "confidence": 0.7,
        "fast_intent": "search",
        "fast_confidence": 0.4,
        **fields,
    }
    return RouterDecision.objects.create(**values)


def test_opening_the_list_loads_the_buffered_decisions(admin_session):
    buffered = {
        "query": "그럼 내일은?",
        "intent": "search",
        "complexity": "simple",
        "confidence": 0.8,
        "classifier_model": "llama3.2:3b",
        "fast_intent": "general",
        "fast_confidence": 0.5,
    }
    sync_redis().rpush(DECISIONS_KEY, json.dumps(buffered, ensure_ascii=False))
    response = admin_session.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert "그럼 내일은?" in response.content.decode()
    assert RouterDecision.objects.get().fast_intent == "general"


def test_relabelling_corrects_the_label_and_marks_it_reviewed(admin_session):
    row = decision()
    response = admin_session.post(
        reverse(CHANGELIST),
        {"action": "relabel_analysis", "_selected_action": [str(row.pk)]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.corrected_intent, row.reviewed, row.label_intent) == ("analysis", True, "analysis")
    assert row.intent == "general"  # what the classifier said is kept


def test_marking_reviewed_confirms_the_classifiers_label(admin_session):
    row = decision()
    admin_session.post(
        reverse(CHANGELIST), {"action": "mark_reviewed", "_selected_action": [str(row.pk)]}
    )
    row.refresh_from_db()
    assert (row.reviewed, row.corrected_intent, row.label_intent) == (True, "", "general")


def test_a_correction_in_the_form_is_a_review(admin_session):
    row = decision()
    url = reverse("admin:routing_routerdecision_change", args=[row.pk])
    response = admin_session.post(url, {"corrected_intent": "search", "corrected_complexity": ""})
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.label_intent, row.reviewed) == ("search", True)


def test_the_disagreement_filter_shows_where_the_pre_router_was_wrong(admin_session):
    decision(query="agreed", intent="search", fast_intent="search")
    decision(query="disagreed", intent="general", fast_intent="search")
    decision(query="corrected to agree", intent="general", corrected_intent="search")
    content = admin_session.get(reverse(CHANGELIST), {"agrees": "no"}).content.decode()
    assert "disagreed" in content
    assert ">agreed<" not in content and "corrected to agree" not in content


def test_users_cannot_see_it(client, user):
    client.force_login(user)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code in (302, 403)
