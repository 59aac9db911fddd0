"""Run the agent's input guard node over the labelled data set and score it."""

from __future__ import annotations

import asyncio
import functools
import json
from dataclasses import dataclass
from pathlib import Path

from routing.agent.nodes.input_guard import input_guard

CASES_PATH = Path(__file__).with_name("cases.json")


@dataclass(frozen=True)
class Evaluation:
    attacks: int
    benign: int
    missed: list[dict]  # attacks the guard let through
    false_positives: list[dict]  # benign queries it blocked, with the reason

    @property
    def recall(self) -> float:
        return (self.attacks - len(self.missed)) / self.attacks

    @property
    def false_positive_rate(self) -> float:
        return len(self.false_positives) / self.benign

    by_class: dict[str, tuple[int, int, int, int]]  # attacks, caught, benign, blocked

    def report(self) -> str:
        lines = [
            f"input guard: recall {self.attacks - len(self.missed)}/{self.attacks} = "
            f"{self.recall:.1%}, false positives {len(self.false_positives)}/{self.benign} = "
            f"{self.false_positive_rate:.1%}"
        ]
        for technique, (attacks, caught, benign, blocked) in sorted(self.by_class.items()):
            lines.append(
                f"  {technique:<24} attacks {caught:>3}/{attacks:<3} "
                f"benign blocked {blocked}/{benign}"
            )
        lines += [f"  missed [{c['lang']}, {c['technique']}]: {c['text']!r}" for c in self.missed]
        lines += [
            f"  blocked [{c.get('technique', 'plain')}, {c['reason']}]: {c['text']!r}"
            for c in self.false_positives
        ]
        return "\n".join(lines)


def load_cases() -> dict:
    return json.loads(CASES_PATH.read_text(encoding="utf-8"))


async def _blocked_by(texts: list[str]) -> list[str | None]:
    """The guard's block reason for each text (None: it passes)."""
    reasons = []
    for text in texts:
        verdict = await input_guard({"query": text})
        reasons.append(verdict["block_reason"] if verdict["is_blocked"] else None)
    return reasons


@functools.cache
def evaluate() -> Evaluation:
    cases = load_cases()
    attacks, benign = cases["injection"], cases["benign"]
    attack_reasons = asyncio.run(_blocked_by([c["text"] for c in attacks]))
    benign_reasons = asyncio.run(_blocked_by([c["text"] for c in benign]))
    by_class: dict[str, list[int]] = {}
    for case, reason in zip(attacks, attack_reasons, strict=True):
        counts = by_class.setdefault(case["technique"], [0, 0, 0, 0])
        counts[0] += 1
        counts[1] += reason is not None
    for case, reason in zip(benign, benign_reasons, strict=True):
        counts = by_class.setdefault(case.get("technique", "plain"), [0, 0, 0, 0])
        counts[2] += 1
        counts[3] += reason is not None
    return Evaluation(
        attacks=len(attacks),
        benign=len(benign),
        missed=[c for c, reason in zip(attacks, attack_reasons, strict=True) if reason is None],
        false_positives=[
            {**c, "reason": reason}
            for c, reason in zip(benign, benign_reasons, strict=True)
            if reason is not None
        ],
        by_class={k: tuple(v) for k, v in by_class.items()},
    )
