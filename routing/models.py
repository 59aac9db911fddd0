"""Routing's tables: the LLM classifier's decisions, kept for review and retraining."""

from __future__ import annotations

from django.db import models

from core.models import TimestampedModel
from routing.agent.intent_schema import COMPLEXITIES, INTENTS

INTENT_CHOICES = [(intent, intent) for intent in INTENTS]
COMPLEXITY_CHOICES = [(level, level) for level in COMPLEXITIES]


class RouterDecision(TimestampedModel):
    """One query the LLM classifier labelled, beside the pre-router's guess.

    An operator reviews it in the admin (confirms, or corrects the label); `train_router`
    learns from the reviewed rows.
    """

    query = models.TextField()
    intent = models.CharField(max_length=16, choices=INTENT_CHOICES)
    complexity = models.CharField(max_length=16, choices=COMPLEXITY_CHOICES)
    confidence = models.FloatField()
    classifier_model = models.CharField(max_length=100, blank=True, default="")
    # What the pre-router predicted for the same query (it was not confident enough).
    fast_intent = models.CharField(max_length=16, blank=True, default="")
    fast_confidence = models.FloatField(null=True, blank=True)
    # The operator's label when the classifier was wrong; empty means "as classified".
    corrected_intent = models.CharField(
        max_length=16, choices=INTENT_CHOICES, blank=True, default=""
    )
    corrected_complexity = models.CharField(
        max_length=16, choices=COMPLEXITY_CHOICES, blank=True, default=""
    )
    reviewed = models.BooleanField(default=False, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(intent__in=INTENTS), name="router_decision_intent_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(complexity__in=COMPLEXITIES),
                name="router_decision_complexity_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(corrected_intent__in=("", *INTENTS)),
                name="router_decision_corrected_intent_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(corrected_complexity__in=("", *COMPLEXITIES)),
                name="router_decision_corrected_complexity_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(confidence__gte=0.0, confidence__lte=1.0),
                name="router_decision_confidence_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label_intent}: {self.query[:60]}"

    @property
    def label_intent(self) -> str:
        """The label to learn: the operator's correction, else the classifier's."""
        return self.corrected_intent or self.intent

    @property
    def label_complexity(self) -> str:
        return self.corrected_complexity or self.complexity

    @property
    def agrees(self) -> bool:
        """The pre-router guessed the same intent as the label."""
        return self.fast_intent == self.label_intent
