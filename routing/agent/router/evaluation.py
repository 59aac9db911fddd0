"""Scoring the pre-router on labelled queries: what eval_router and train_router print."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from routing.agent.intent_schema import INTENTS
from routing.agent.router.dataset import Example
from routing.agent.router.model import Prediction, RouterModel


@dataclass(frozen=True)
class Scored:
    example: Example
    prediction: Prediction
    decided: bool  # confident enough to route without the LLM

    @property
    def correct(self) -> bool:
        return self.prediction.intent == self.example.intent


@dataclass(frozen=True)
class Evaluation:
    """The model's predictions on a labelled set at one threshold."""

    rows: list[Scored]
    threshold: float
    cpu_ms_per_query: float

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def accuracy(self) -> float:
        return _share(sum(r.correct for r in self.rows), self.total)

    @property
    def decided(self) -> list[Scored]:
        return [r for r in self.rows if r.decided]

    @property
    def coverage(self) -> float:
        """Share of the queries the pre-router decides alone."""
        return _share(len(self.decided), self.total)

    @property
    def precision(self) -> float:
        """Share of the decisions taken alone that are right."""
        return _share(sum(r.correct for r in self.decided), len(self.decided))

    @property
    def complexity_accuracy(self) -> float:
        return _share(
            sum(r.prediction.complexity == r.example.complexity for r in self.rows), self.total
        )

    def confusion(self) -> Counter[tuple[str, str]]:
        return Counter((r.example.intent, r.prediction.intent) for r in self.rows)

    def per_intent(self, intent: str) -> tuple[float, float, float, int]:
        """Precision and recall over every query, precision of the alone-decisions, count."""
        predicted = [r for r in self.rows if r.prediction.intent == intent]
        actual = [r for r in self.rows if r.example.intent == intent]
        alone = [r for r in predicted if r.decided]
        return (
            _share(sum(r.correct for r in predicted), len(predicted)),
            _share(sum(r.correct for r in actual), len(actual)),
            _share(sum(r.correct for r in alone), len(alone)),
            len(alone),
        )

    def by_tag(self) -> dict[str, tuple[int, float, float]]:
        """For each tag (and language): count, coverage, precision of the alone-decisions."""
        groups: dict[str, list[Scored]] = {}
        for row in self.rows:
            for tag in (*row.example.tags, f"lang={row.example.lang or '?'}"):
                groups.setdefault(tag, []).append(row)
        result = {}
        for tag, rows in sorted(groups.items()):
            alone = [r for r in rows if r.decided]
            result[tag] = (
                len(rows),
                _share(len(alone), len(rows)),
                _share(sum(r.correct for r in alone), len(alone)),
            )
        return result

    def text(self) -> str:
        lines = [
            f"queries {self.total}   accuracy {self.accuracy:.1%}   "
            f"complexity accuracy {self.complexity_accuracy:.1%}",
            f"threshold {self.threshold:.3f}   coverage {self.coverage:.1%} "
            f"({len(self.decided)} decided without the LLM)   precision there {self.precision:.1%}",
            f"CPU per query {self.cpu_ms_per_query:.3f} ms",
            "",
            f"{'intent':<10}{'precision':>10}{'recall':>8}{'alone':>7}{'prec. alone':>13}",
        ]
        for intent in INTENTS:
            precision, recall, alone_precision, alone = self.per_intent(intent)
            lines.append(
                f"{intent:<10}{precision:>10.1%}{recall:>8.1%}{alone:>7}{alone_precision:>13.1%}"
            )
        confusion = self.confusion()
        lines += ["", "confusion (rows: label, columns: predicted)"]
        lines.append(" " * 10 + "".join(f"{i:>10}" for i in INTENTS))
        for truth in INTENTS:
            lines.append(f"{truth:<10}" + "".join(f"{confusion[(truth, p)]:>10}" for p in INTENTS))
        lines += ["", f"{'group':<16}{'queries':>8}{'coverage':>10}{'prec. alone':>13}"]
        for tag, (count, coverage, precision) in self.by_tag().items():
            lines.append(f"{tag:<16}{count:>8}{coverage:>10.1%}{precision:>13.1%}")
        return "\n".join(lines)


def evaluate_model(model: RouterModel, examples: Sequence[Example], threshold: float) -> Evaluation:
    """Predict every example (timing the CPU it takes) and score against the labels."""
    started = time.process_time()
    predictions = [model.predict(e.text) for e in examples]
    cpu = time.process_time() - started
    rows = [
        Scored(example=e, prediction=p, decided=p.confidence >= threshold)
        for e, p in zip(examples, predictions, strict=True)
    ]
    per_query = 1000 * cpu / len(examples) if examples else 0.0
    return Evaluation(rows=rows, threshold=threshold, cpu_ms_per_query=per_query)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
