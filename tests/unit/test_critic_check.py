"""critic-check: figures on known scores, the shipped labelled set, and the command end to end."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from syndgen.cli import main
from syndgen.critic_check import LabelledRow, evaluate, read_labelled, roc_auc
from syndgen.errors import InputError

DATA = Path(__file__).resolve().parents[1] / "data"
LABELLED = DATA / "critic_labelled.jsonl"


def _rows(labels: list[bool], kinds: list[str] | None = None) -> list[LabelledRow]:
    kinds = kinds or [""] * len(labels)
    return [LabelledRow("q", "a", "r", good, kind) for good, kind in zip(labels, kinds, strict=True)]


def test_a_perfect_critic_scores_one_and_an_inverted_one_zero() -> None:
    labels = [True, True, False, False]
    perfect = evaluate(_rows(labels), [5, 4, 1, 2], threshold=3)
    assert perfect.accuracy == 1.0 and perfect.auc == 1.0
    assert perfect.confusion == {
        "good_judged_good": 2,
        "good_judged_bad": 0,
        "bad_judged_good": 0,
        "bad_judged_bad": 2,
    }
    inverted = evaluate(_rows(labels), [1, 2, 5, 4], threshold=3)
    assert inverted.accuracy == 0.0 and inverted.auc == 0.0


def test_a_constant_critic_is_at_chance_and_unparsed_verdicts_count_as_bad() -> None:
    labels = [True, False, True, False]
    constant = evaluate(_rows(labels), [4, 4, 4, 4], threshold=3)
    assert constant.auc == 0.5 and constant.accuracy == 0.5
    assert constant.per_score == {"4": {"rows": 4, "labelled_good": 0.5}}
    unparsed = evaluate(
        _rows(labels, ["correct", "wrong", "correct", "wrong"]), [None, None, 5, 1], threshold=3
    )
    assert unparsed.unparsed == 2 and unparsed.accuracy == 0.75
    assert unparsed.per_kind == {
        "correct": {"rows": 2, "accuracy": 0.5},
        "wrong": {"rows": 2, "accuracy": 1.0},
    }


def test_auc_counts_ties_as_half() -> None:
    assert roc_auc([3, 3], [True, False]) == 0.5
    assert roc_auc([5, 3, 3, 1], [True, True, False, False]) == pytest.approx(0.875)


def test_the_shipped_labelled_set_is_large_balanced_and_rebuilt_by_its_builder() -> None:
    rows = read_labelled(LABELLED, threshold=3)
    assert len(rows) >= 200
    kinds = {r.kind for r in rows if not r.good}
    assert kinds == {"wrong_number", "off_topic", "empty_reasoning", "contradiction"}
    assert sum(r.good for r in rows) == len(rows) // 2
    spec = importlib.util.spec_from_file_location("make_critic_set", DATA / "make_critic_set.py")
    assert spec and spec.loader
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    rebuilt = "".join(json.dumps(row) + "\n" for row in builder.rows())
    assert rebuilt == LABELLED.read_text(encoding="utf-8")


def test_bad_labelled_files_are_one_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "q", "answer": "a", "label": "maybe"}\n')
    with pytest.raises(InputError, match="line 1: 'label' must be good or bad"):
        read_labelled(bad, 3)
    bad.write_text('{"question": "q", "answer": "a", "label": "good"}\n')
    with pytest.raises(InputError, match="same label"):
        read_labelled(bad, 3)
    with pytest.raises(InputError, match="not found"):
        read_labelled(tmp_path / "none.jsonl", 3)


def test_critic_check_command_on_the_dryrun_critic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    subset = tmp_path / "subset.jsonl"
    subset.write_text("".join(LABELLED.read_text().splitlines(keepends=True)[:16]))
    out = tmp_path / "figures.json"
    with pytest.raises(SystemExit) as done:
        main(["critic-check", str(subset), "--critic", "dryrun:judge", "--json", str(out)])
    assert done.value.code == 0
    figures = json.loads(out.read_text())
    # The dry-run critic gives every row the same score: no better than chance.
    assert figures["rows"] == 16 and figures["auc"] == 0.5
    assert sum(figures["confusion"].values()) == 16
    assert "ROC AUC" in capsys.readouterr().out


def test_critic_check_refuses_a_bad_critic_spec(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["critic-check", str(LABELLED), "--critic", "ollama"])
    assert done.value.code == 2
    assert "expected BACKEND:MODEL" in capsys.readouterr().err
