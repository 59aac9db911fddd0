"""Django admin: the LLM classifier's decisions, for review and correction (issue 15).

Opening the list first moves the decisions buffered in Redis into the table. An operator
confirms a label ("mark reviewed") or corrects it (the relabel actions, or the corrected
fields inline); `manage.py train_router` learns from the reviewed rows.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest

from accounts.permissions import is_gateway_admin
from routing.agent.intent_schema import INTENTS
from routing.agent.router.recording import decisions_flush
from routing.models import RouterDecision


class AgreementFilter(admin.SimpleListFilter):
    """Where the pre-router's guess and the label differ: the most useful rows to review."""

    title = "pre-router agrees"
    parameter_name = "agrees"

    def lookups(self, request, model_admin):
        return (("yes", "agrees"), ("no", "disagrees"))

    def queryset(self, request, queryset):
        agrees = Q(corrected_intent="", fast_intent=F("intent")) | Q(
            ~Q(corrected_intent=""), fast_intent=F("corrected_intent")
        )
        if self.value() == "yes":
            return queryset.filter(agrees)
        if self.value() == "no":
            return queryset.exclude(agrees)
        return queryset


def _relabel_action(intent: str):
    def relabel(modeladmin, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(corrected_intent=intent, reviewed=True)
        modeladmin.message_user(request, f"{count} decision(s) relabelled as {intent}.")

    relabel.__name__ = f"relabel_{intent}"
    relabel.short_description = f"Relabel as {intent} (and mark reviewed)"
    return relabel


@admin.register(RouterDecision)
class RouterDecisionAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "query",
        "intent",
        "complexity",
        "confidence",
        "fast_intent",
        "fast_confidence",
        "corrected_intent",
        "corrected_complexity",
        "reviewed",
    )
    list_editable = ("corrected_intent", "corrected_complexity", "reviewed")
    list_filter = ("reviewed", AgreementFilter, "intent", "corrected_intent", "created_at")
    search_fields = ("query",)
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    show_full_result_count = False
    readonly_fields = (
        "id",
        "created_at",
        "query",
        "intent",
        "complexity",
        "confidence",
        "classifier_model",
        "fast_intent",
        "fast_confidence",
    )
    fields = (*readonly_fields, "corrected_intent", "corrected_complexity", "reviewed")
    actions = ["mark_reviewed", *(_relabel_action(intent) for intent in INTENTS)]

    @admin.action(description="Mark reviewed (the label is right)")
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = queryset.update(reviewed=True)
        self.message_user(request, f"{count} decision(s) marked reviewed.")

    def changelist_view(self, request: HttpRequest, extra_context=None):
        stored = decisions_flush()
        if stored:
            self.message_user(request, f"{stored} new decision(s) loaded.", messages.INFO)
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj: RouterDecision, form, change) -> None:
        # A correction is a review.
        if obj.corrected_intent or obj.corrected_complexity:
            obj.reviewed = True
        super().save_model(request, obj, form, change)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_gateway_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_gateway_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_gateway_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return is_gateway_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
