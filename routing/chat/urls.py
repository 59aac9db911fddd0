"""Chat routes: the JSON endpoint and its server-sent-events twin."""

from django.urls import path

from routing.chat.views import ChatApi, ChatStreamApi

urlpatterns = [
    path("api/chat/", ChatApi.as_view(), name="chat"),
    path("api/chat/stream", ChatStreamApi.as_view(), name="chat-stream"),
]
