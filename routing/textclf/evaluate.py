"""Score a TextClassifier on labelled texts: accuracy, per-class precision and recall,
the confusion table, and coverage (how many predictions reach a confidence threshold)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from routing.textclf.model import TextClassifier


@dataclass(frozen=True)
class Report:
    total: int
    correct: int
    classes: tuple[str, ...]
    confusion: dict[tuple[str, str], int]  # (true, predicted) -> count
    threshold: float
    covered: int  # predictions with confidence >= threshold
    covered_correct: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def coverage(self) -> float:
        return self.covered / self.total if self.total else 0.0

    @property
    def covered_accuracy(self) -> float:
        """Accuracy of the predictions at or above the threshold."""
        return self.covered_correct / self.covered if self.covered else 0.0

    def precision(self, label: str) -> float:
        predicted = sum(n for (_, p), n in self.confusion.items() if p == label)
        return self.confusion.get((label, label), 0) / predicted if predicted else 0.0

    def recall(self, label: str) -> float:
        actual = sum(n for (t, _), n in self.confusion.items() if t == label)
        return self.confusion.get((label, label), 0) / actual if actual else 0.0

    def text(self) -> str:
        lines = [
            f"accuracy {self.correct}/{self.total} = {self.accuracy:.1%}; coverage at "
            f"{self.threshold:.2f}: {self.coverage:.1%} "
            f"(accuracy there {self.covered_accuracy:.1%})"
        ]
        width = max(map(len, self.classes), default=5)
        lines.append(" " * (width + 2) + " ".join(f"{c[:8]:>8}" for c in self.classes))
        for true in self.classes:
            row = " ".join(f"{self.confusion.get((true, p), 0):>8}" for p in self.classes)
            lines.append(
                f"{true:<{width}}  {row}   precision {self.precision(true):.1%} "
                f"recall {self.recall(true):.1%}"
            )
        return "\n".join(lines)


def evaluate(
    model: TextClassifier, texts: Sequence[str], labels: Sequence[str], *, threshold: float = 0.5
) -> Report:
    """Predict each text and compare with its label."""
    confusion: Counter[tuple[str, str]] = Counter()
    covered = covered_correct = 0
    for text, label in zip(texts, labels, strict=True):
        predicted, confidence = model.predict(text)
        confusion[(label, predicted)] += 1
        if confidence >= threshold:
            covered += 1
            covered_correct += predicted == label
    classes = tuple(dict.fromkeys([*model.classes, *sorted(set(labels))]))
    return Report(
        total=len(texts),
        correct=sum(n for (t, p), n in confusion.items() if t == p),
        classes=classes,
        confusion=dict(confusion),
        threshold=threshold,
        covered=covered,
        covered_correct=covered_correct,
    )
