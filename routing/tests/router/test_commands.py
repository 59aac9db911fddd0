"""eval_router prints the evaluation; train_router learns from reviewed traffic and only
replaces the model with one at least as good on the held-out set."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from routing.agent.router.dataset import HELDOUT_PATH, TRAIN_PATH, read_examples, write_examples
from routing.agent.router.evaluation import evaluate_model
from routing.agent.router.model import get_model, load_model, reset_model_cache
from routing.models import RouterDecision


def run(command: str, *args, **options) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def model_dir(tmp_path, settings):
    """train_router writes here, never over the shipped model."""
    settings.ROUTER_MODEL_DIR = str(tmp_path / "model")
    reset_model_cache()
    yield tmp_path / "model"
    settings.ROUTER_MODEL_DIR = ""
    reset_model_cache()


def test_eval_router_prints_accuracy_coverage_precision_and_the_confusion_table():
    model = get_model()
    expected = evaluate_model(model, read_examples(HELDOUT_PATH), model.threshold)
    out = run("eval_router")
    assert f"accuracy {expected.accuracy:.1%}" in out
    assert f"coverage {expected.coverage:.1%}" in out
    assert f"precision there {expected.precision:.1%}" in out
    assert "confusion (rows: label, columns: predicted)" in out
    for intent in ("search", "analysis", "creative", "general"):
        assert f"\n{intent}" in out
    assert "CPU per query" in out


def test_eval_router_reads_any_labelled_file_and_threshold(tmp_path):
    path = tmp_path / "mine.tsv"
    path.write_text(
        "text\tintent\tcomplexity\n오늘 날씨 알려줘\tsearch\tsimple\nhello\tgeneral\tsimple\n",
        encoding="utf-8",
    )
    out = run("eval_router", str(path), threshold=0.0)
    assert "queries 2 " in out
    assert "coverage 100.0%" in out


def test_eval_router_says_what_is_wrong_with_a_bad_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run("eval_router", str(tmp_path / "missing.tsv"))


def weakened_training_file(tmp_path):
    """English only: the model knows little Korean."""
    path = tmp_path / "weak.tsv"
    write_examples(path, [e for e in read_examples(TRAIN_PATH) if e.lang == "en"])
    return path


def review_korean_traffic() -> int:
    """The Korean training queries arrive as classifier decisions an operator reviewed;
    some were wrong and corrected."""
    korean = [e for e in read_examples(TRAIN_PATH) if e.lang in ("ko", "mix")]
    wrong = {"search": "general", "analysis": "general", "creative": "general", "general": "search"}
    RouterDecision.objects.bulk_create(
        RouterDecision(
            query=e.text,
            intent=wrong[e.intent] if i % 5 == 0 else e.intent,
            corrected_intent=e.intent if i % 5 == 0 else "",
            complexity=e.complexity,
            confidence=0.8,
            reviewed=True,
        )
        for i, e in enumerate(korean)
    )
    RouterDecision.objects.create(  # not reviewed: never learned from
        query="오늘 날씨 알려줘", intent="creative", complexity="simple", confidence=0.5
    )
    return len(korean)


def test_train_router_improves_a_weakened_model_from_reviewed_traffic(db, tmp_path, model_dir):
    weak_file = weakened_training_file(tmp_path)
    out = run("train_router", train=str(weak_file), force=True)
    assert "trained on" in out and "+ 0 reviewed" in out
    weak = load_model(model_dir)
    heldout = read_examples(HELDOUT_PATH)
    before = evaluate_model(weak, heldout, weak.threshold)

    reviewed = review_korean_traffic()
    out = run("train_router", train=str(weak_file))
    assert f"+ {reviewed} reviewed" in out
    assert "== current model, held-out set ==" in out
    assert "== new model, held-out set ==" in out
    assert "model replaced in" in out
    better = load_model(model_dir)
    after = evaluate_model(better, heldout, better.threshold)
    assert after.accuracy > before.accuracy
    korean = [e for e in heldout if e.lang == "ko"]
    assert evaluate_model(better, korean, 0).accuracy > evaluate_model(weak, korean, 0).accuracy
    assert get_model().intent.meta == better.intent.meta  # this process uses it now


def test_train_router_keeps_a_better_model(db, tmp_path, model_dir):
    run("train_router")  # the full shipped set
    kept = (model_dir / "intent.npz").read_bytes()
    with pytest.raises(CommandError, match="less accurate"):
        run("train_router", train=str(weakened_training_file(tmp_path)))
    assert (model_dir / "intent.npz").read_bytes() == kept


def test_train_router_dry_run_replaces_nothing(db, model_dir):
    out = run("train_router", dry_run=True)
    assert "dry run" in out
    assert not (model_dir / "intent.npz").exists()
