"""Conversation routes; `<uuid:...>` makes a malformed id an ordinary 404."""

from django.urls import path

from conversations.apis import ConversationDetailApi, ConversationListCreateApi

urlpatterns = [
    path("api/conversations/", ConversationListCreateApi.as_view(), name="conversation-list"),
    path(
        "api/conversations/<uuid:id>", ConversationDetailApi.as_view(), name="conversation-detail"
    ),
]
