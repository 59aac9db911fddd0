"""The Django admin: conversations and their messages, read-only; admins may delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations.models import Conversation, Message
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
