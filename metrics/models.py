"""The durable usage ledger: one row per chat request (SPEC section 4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.models import TimestampedModel


class Outcome(models.TextChoices):
    """How a request ended; the one definition the agent, the turn and the ledger share."""

    OK = "ok", "OK"
    BLOCKED = "blocked", "Blocked"
    FALLBACK = "fallback", "Fallback"
    ERROR = "error", "Error"


class Api(models.TextChoices):
    """Which protocol a request came through (SPEC section 13)."""

    NATIVE = "native", "Native (/api/chat/)"
    OPENAI = "openai", "OpenAI (/v1)"
    OLLAMA = "ollama", "Ollama (/ollama)"


class Router(models.TextChoices):
    """Who decided the intent: the fast pre-router, the LLM classifier or the heuristic."""

    NONE = "", "Not routed"
    FAST = "fast", "Fast pre-router"
    LLM = "llm", "LLM classifier"
    HEURISTIC = "heuristic", "Heuristic fallback"


class UsageRecord(TimestampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_records"
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        # The ledger is the billing record: deleting a conversation must not erase usage.
        on_delete=models.SET_NULL,
        related_name="usage_records",
    )
    intent = models.CharField(max_length=16, blank=True, default="")
    model = models.CharField(max_length=100, blank=True, default="")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    total_tokens = models.PositiveIntegerField(default=0)
    cached = models.BooleanField(default=False)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OK)
    latency_ms = models.PositiveIntegerField(default=0)
    api = models.CharField(max_length=16, choices=Api.choices, default=Api.NATIVE)
    router = models.CharField(max_length=16, choices=Router.choices, blank=True, default="")
    # Ollama's own load + prompt-eval + eval durations, summed over the request's calls.
    compute_seconds = models.FloatField(default=0.0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="usage_user_created"),
            models.Index(fields=["model", "created_at"], name="usage_model_created"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=["ok", "blocked", "fallback", "error"]),
                name="usage_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    total_tokens=models.F("prompt_tokens") + models.F("completion_tokens")
                ),
                name="usage_total_is_sum",
            ),
        ]
