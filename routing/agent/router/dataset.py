"""The labelled queries the pre-router learns from (docs/ROUTER.md has the labelling rules)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from routing.agent.intent_schema import COMPLEXITIES, INTENTS

DATA_DIR = Path(__file__).resolve().parent / "data"
TRAIN_PATH = DATA_DIR / "train.tsv"
HELDOUT_PATH = DATA_DIR / "heldout.tsv"
COLUMNS = ("text", "intent", "complexity", "lang", "tags")


@dataclass(frozen=True)
class Example:
    """One labelled query; `tags` name its kind (followup, codeswitch, tool, hardneg...)."""

    text: str
    intent: str
    complexity: str
    lang: str = ""
    tags: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.intent not in INTENTS:
            raise ValueError(f"unknown intent {self.intent!r} for {self.text!r}")
        if self.complexity not in COMPLEXITIES:
            raise ValueError(f"unknown complexity {self.complexity!r} for {self.text!r}")


def read_examples(path: str | Path) -> list[Example]:
    """The examples of a TSV file with the header `text intent complexity [lang] [tags]`."""
    with open(path, encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file, delimiter="\t")
        missing = {"text", "intent", "complexity"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return [
            Example(
                text=row["text"],
                intent=row["intent"].strip(),
                complexity=row["complexity"].strip(),
                lang=(row.get("lang") or "").strip(),
                tags=tuple(tag for tag in (row.get("tags") or "").split(",") if tag),
            )
            for row in reader
            if (row.get("text") or "").strip()
        ]


def write_examples(path: str | Path, examples: Iterable[Example]) -> None:
    """Write examples in the format `read_examples` reads."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file, delimiter="\t", lineterminator="\n")
        writer.writerow(COLUMNS)
        for example in examples:
            writer.writerow(
                [
                    example.text,
                    example.intent,
                    example.complexity,
                    example.lang,
                    ",".join(example.tags),
                ]
            )
