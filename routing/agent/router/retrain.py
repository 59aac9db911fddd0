"""Retraining from the shipped set plus the reviewed traffic (what `train_router` runs)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from routing.agent.router.dataset import Example, read_examples
from routing.agent.router.evaluation import Evaluation, evaluate_model
from routing.agent.router.model import (
    INTENT_FILE,
    RouterModel,
    load_model,
    model_dir,
    reset_model_cache,
    save_dir,
)
from routing.agent.router.recording import decisions_flush
from routing.agent.router.training import fit, with_threshold


@dataclass(frozen=True)
class Retraining:
    """A candidate model, its held-out evaluation, and the current model's for comparison."""

    model: RouterModel
    evaluation: Evaluation
    current: Evaluation | None
    shipped_examples: int
    reviewed_examples: int

    @property
    def better(self) -> bool:
        """At least as accurate on the held-out set as the model it would replace."""
        return self.current is None or self.evaluation.accuracy >= self.current.accuracy


def reviewed_examples(exclude: set[str]) -> list[Example]:
    """The reviewed RouterDecisions as examples (a held-out query is never trained on)."""
    from routing.models import RouterDecision

    decisions_flush()
    examples = {}
    for decision in RouterDecision.objects.filter(reviewed=True).order_by("created_at"):
        text = decision.query.strip()
        if text and text.casefold() not in exclude:
            # The newest review of a repeated query wins.
            examples[text.casefold()] = Example(
                text=text,
                intent=decision.label_intent,
                complexity=decision.label_complexity,
                tags=("traffic",),
            )
    return list(examples.values())


def retrain(*, train_path: str | Path, heldout_path: str | Path) -> Retraining:
    """Fit on the training file plus the reviewed decisions; evaluate against the held-out."""
    heldout = read_examples(heldout_path)
    shipped = read_examples(train_path)
    traffic = reviewed_examples({e.text.strip().casefold() for e in heldout})
    model = with_threshold(fit(merge(shipped, traffic)), heldout)
    current = None
    if (model_dir() / INTENT_FILE).exists():
        existing = load_model(model_dir())
        current = evaluate_model(existing, heldout, existing.threshold)
    return Retraining(
        model=model,
        evaluation=evaluate_model(model, heldout, model.threshold),
        current=current,
        shipped_examples=len(shipped),
        reviewed_examples=len(traffic),
    )


def merge(shipped: Sequence[Example], traffic: Sequence[Example]) -> list[Example]:
    """The training set: reviewed traffic overrides a shipped example with the same text."""
    relabelled = {e.text.strip().casefold() for e in traffic}
    return [e for e in shipped if e.text.strip().casefold() not in relabelled] + list(traffic)


def install(model: RouterModel) -> Path:
    """Write the model where the gateway reads it; this process uses it from now on."""
    directory = save_dir()
    model.save(directory)
    reset_model_cache()
    return directory
