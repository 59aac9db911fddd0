"""The labelled bilingual set: size, balance, the kinds of query asked for, a clean split."""

from __future__ import annotations

from collections import Counter

import pytest

from routing.agent.intent_schema import INTENTS
from routing.agent.router.dataset import (
    HELDOUT_PATH,
    TRAIN_PATH,
    Example,
    read_examples,
    write_examples,
)

TRAIN = read_examples(TRAIN_PATH)
HELDOUT = read_examples(HELDOUT_PATH)
ALL = TRAIN + HELDOUT


def test_it_has_at_least_600_queries_split_into_training_and_held_out():
    assert len(ALL) >= 600
    assert len(HELDOUT) >= 0.2 * len(ALL)


def test_no_query_is_both_trained_on_and_held_out():
    train = {e.text.casefold() for e in TRAIN}
    assert not [e.text for e in HELDOUT if e.text.casefold() in train]
    assert len({e.text.casefold() for e in ALL}) == len(ALL)


@pytest.mark.parametrize("examples", [TRAIN, HELDOUT], ids=["train", "heldout"])
def test_the_four_intents_are_balanced_in_both_files(examples):
    counts = Counter(e.intent for e in examples)
    assert set(counts) == set(INTENTS)
    assert max(counts.values()) <= 1.4 * min(counts.values())


@pytest.mark.parametrize("examples", [TRAIN, HELDOUT], ids=["train", "heldout"])
def test_both_files_hold_every_kind_of_query(examples):
    tags = Counter(tag for e in examples for tag in e.tags)
    for kind in ("followup", "codeswitch", "tool", "hardneg"):
        assert tags[kind] >= 5, kind
    languages = Counter(e.lang for e in examples)
    assert languages["en"] >= 0.3 * len(examples)
    assert languages["ko"] >= 0.3 * len(examples)
    assert {e.complexity for e in examples} == {"simple", "complex"}


def test_hard_negatives_are_general_questions_with_misleading_words():
    hard = [e for e in ALL if "hardneg" in e.tags]
    assert {e.intent for e in hard} == {"general"}
    assert any("news" in e.text for e in hard)
    assert any("뉴스" in e.text for e in hard)


def test_tool_requests_are_creative():
    assert {e.intent for e in ALL if "tool" in e.tags} == {"creative"}


def test_a_written_file_reads_back_the_same(tmp_path):
    examples = [
        Example("오늘 날씨 알려줘", "search", "simple", "ko", ("tool",)),
        Example('Say "hi"\tplease', "creative", "simple"),
    ]
    write_examples(tmp_path / "set.tsv", examples)
    assert read_examples(tmp_path / "set.tsv") == examples


def test_an_unknown_label_is_refused(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("text\tintent\tcomplexity\nhello\tchitchat\tsimple\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown intent"):
        read_examples(path)


def test_a_file_without_the_label_columns_is_refused(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("query\tlabel\nhello\tgeneral\n", encoding="utf-8")
    with pytest.raises(ValueError, match="missing column"):
        read_examples(path)
