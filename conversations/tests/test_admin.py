"""The Django admin: conversations and their messages, read-only; admins may delete."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conversations.models import Conversation, Message
from conversations.services import conversation_create
from conversations.tests.constants import TITLE

CHANGELIST = "admin:conversations_conversation_changelist"


@pytest.fixture
def admin_site_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _change_url(conversation) -> str:
    return reverse("admin:conversations_conversation_change", args=[conversation.id])


@pytest.mark.django_db
def test_it_lists_conversations_with_their_message_counts(admin_site_client, conversation):
    response = admin_site_client.get(reverse(CHANGELIST))

    assert response.status_code == 200
    [row] = response.context["cl"].result_list
    assert row.message_count == 2
    assert TITLE in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(("term", "found"), [("bob", 1), ("capital", 1), ("zebra", 0)])
def test_it_searches_by_title_and_username(admin_site_client, conversation, term, found):
    response = admin_site_client.get(reverse(CHANGELIST), {"q": term})

    assert response.context["cl"].result_count == found


@pytest.mark.django_db
def test_it_shows_a_conversation_and_its_messages_read_only(admin_site_client, conversation):
    response = admin_site_client.get(_change_url(conversation))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Paris." in html
    assert "llama3.2:3b" in html
    assert 'name="title"' not in html
    assert 'name="messages-0-content"' not in html
    assert 'name="_save"' not in html
    [inline] = response.context["inline_admin_formsets"]
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


@pytest.mark.django_db
def test_it_offers_no_add_page(admin_site_client):
    response = admin_site_client.get(reverse("admin:conversations_conversation_add"))

    assert response.status_code == 403


@pytest.mark.django_db
def test_it_lets_an_admin_delete_a_conversation_and_its_messages(admin_site_client, conversation):
    url = reverse("admin:conversations_conversation_delete", args=[conversation.id])

    response = admin_site_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Conversation.objects.filter(id=conversation.id).exists()
    assert not Message.objects.filter(conversation_id=conversation.id).exists()


@pytest.mark.django_db
def test_it_keeps_regular_users_out(client, user, conversation):
    client.force_login(user)

    response = client.get(reverse(CHANGELIST))

    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_the_admins_deletes_lock_the_rows_first_as_the_apis_does(
    admin_site_client, conversation, user
):
    other = conversation_create(user=user, title="another")

    with CaptureQueriesContext(connection) as single:
        admin_site_client.post(
            reverse("admin:conversations_conversation_delete", args=[conversation.id]),
            {"post": "yes"},
        )
    with CaptureQueriesContext(connection) as bulk:
        admin_site_client.post(
            reverse(CHANGELIST),
            {"action": "delete_selected", "_selected_action": [str(other.id)], "post": "yes"},
        )

    for captured in (single, bulk):
        statements = [query["sql"] for query in captured.captured_queries]
        locked = next(i for i, sql in enumerate(statements) if sql.endswith("FOR UPDATE"))
        deleted = next(i for i, sql in enumerate(statements) if sql.startswith("DELETE"))
        assert locked < deleted
    assert not Conversation.objects.exists()
