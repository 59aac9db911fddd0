"""Rebuild the input guard's learned layer from its shipped training set."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from routing.agent.guards import training


class Command(BaseCommand):
    help = (
        "Train the input guard's character n-gram classifier on "
        "routing/agent/guards/data/training.json and write data/guard_model.npz."
    )

    def handle(self, *args, **options):
        figures = training.build()
        self.stdout.write(f"wrote {training.MODEL_PATH}")
        self.stdout.write(json.dumps(figures, indent=2))
