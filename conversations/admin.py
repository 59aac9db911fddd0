"""Django admin: conversations with their messages, read-only; admins may delete (SPEC §11).

Access follows the gateway role (`role=admin`), not Django's per-model permissions, so an
admin sees conversations without being granted anything model by model.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from accounts.permissions import is_gateway_admin
from conversations.models import Conversation, Message
from conversations.services import conversation_delete, conversations_delete


class MessageInline(admin.TabularInline):
    model = Message
    fields = (
        "created_at",
        "role",
        "content",
        "intent",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "interrupted",
    )
    readonly_fields = fields
    ordering = ("created_at", "id")
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_view_permission(self, request, obj=None) -> bool:
        return is_gateway_admin(request.user)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("display_title", "user", "message_count", "last_activity_at", "created_at")
    list_select_related = ("user",)
    search_fields = ("title", "user__username")
    list_filter = ("last_activity_at", "created_at")
    date_hierarchy = "last_activity_at"
    ordering = ("-last_activity_at",)
    fields = ("id", "title", "user", "created_at", "updated_at", "last_activity_at")
    readonly_fields = fields
    inlines = (MessageInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Conversation]:
        return super().get_queryset(request).annotate(message_count=Count("messages"))

    @admin.display(description="title", ordering="title")
    def display_title(self, conversation: Conversation) -> str:
        return conversation.title or "(untitled)"

    @admin.display(description="messages", ordering="message_count")
    def message_count(self, conversation: Conversation) -> int:
        return conversation.message_count

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_gateway_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_gateway_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_gateway_admin(request.user)

    # Deletes go through the service, which locks the rows first (a chat turn writing into
    # a conversation is waited for).
    def delete_model(self, request: HttpRequest, obj: Conversation) -> None:
        conversation_delete(conversation=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Conversation]) -> None:
        conversations_delete(conversations=queryset)
