"""Review decisions: the store's append-only reviews table (migration 4), and what the exports
make of accept, reject and edit."""

from __future__ import annotations

import json
import sqlite3

import pytest
from test_export_formats import attempt, outcome, rejected_only, verdict

from syndgen.errors import InputError
from syndgen.export.formats import dpo_rows, sft_rows
from syndgen.records import Question, Sample, Seed, SeedOutcome
from syndgen.review import Review, add_review, apply_reviews, latest, read_reviews, review_counts
from syndgen.store import MIGRATIONS, STORE_NAME, RunStore


def review(id_, seed, no, decision, **kw):
    return Review(
        id=id_, seed_index=seed, attempt_no=no, decision=decision, reviewer="ann", created_at=1.0, **kw
    )


def kept_only(index=5):
    seed = Seed(index=index, topic="t")
    q = Question(text="K?", model="gen")
    a = attempt(1, "steps", "kept answer").model_copy(update={"seed_index": index})
    v = verdict(1, 5).model_copy(update={"seed_index": index})
    return SeedOutcome(
        seed=seed,
        question=q,
        attempts=(a,),
        verdicts=(v,),
        sample=Sample(seed=seed, question=q, attempt=a, verdict=v),
    )


def test_unreviewed_outcomes_export_exactly_as_before():
    outcomes = [outcome(), rejected_only(), kept_only()]
    assert apply_reviews(outcomes, []) == outcomes
    assert sft_rows(apply_reviews(outcomes, [])) == sft_rows(outcomes)


def test_a_rejected_record_leaves_sft_and_dpo_without_an_accepted_answer():
    reviewed = apply_reviews([kept_only()], [review(1, 5, 1, "reject", reason="made up")])
    assert sft_rows(reviewed) == [] and dpo_rows(reviewed) == []


def test_a_rejected_record_is_the_rejected_side_against_an_accepted_answer():
    # seed 3: attempt 1 rejected by the critic, attempt 2 kept; the reviewer says the opposite
    reviews = [review(1, 3, 2, "reject", reason="wrong units"), review(2, 3, 1, "accept")]
    reviewed = apply_reviews([outcome()], reviews)
    sft = sft_rows(reviewed, "strip")
    assert [r["messages"][-1]["content"] for r in sft] == ["wrong"]
    assert sft[0]["review"] == "accepted" and sft[0]["reviewer"] == "ann"
    (pair,) = dpo_rows(reviewed, "strip")
    assert pair["chosen"][0]["content"] == "wrong" and pair["rejected"][0]["content"] == "right"
    assert pair["rejected_reason"] == "review: wrong units"


def test_an_edited_answer_is_the_sft_answer_and_chosen_over_the_original():
    edit = review(1, 5, 1, "edit", answer="fixed answer", reasoning="fixed steps")
    reviewed = apply_reviews([kept_only()], [edit])
    (row,) = sft_rows(reviewed, "inline")
    assert row["messages"][-1]["content"] == "<think>\nfixed steps\n</think>\n\nfixed answer"
    assert row["review"] == "edited" and row["score"] is None
    (pair,) = dpo_rows(reviewed, "strip")
    assert pair["chosen"][0]["content"] == "fixed answer"
    assert (
        pair["rejected"][0]["content"] == "kept answer" and pair["rejected_reason"] == "review: edited by ann"
    )


def test_the_latest_decision_on_an_attempt_is_in_force():
    reviews = [review(1, 5, 1, "reject", reason="no"), review(2, 5, 1, "accept")]
    assert latest(reviews)[(5, 1)].decision == "accept"
    assert len(sft_rows(apply_reviews([kept_only()], reviews))) == 1
    counts = review_counts([*reviews, review(3, 3, 2, "edit", answer="x")])
    assert counts == {"decisions": 3, "records": 2, "reviewers": 1, "accepted": 1, "rejected": 0, "edited": 1}


def test_accepting_a_rejected_only_seed_brings_it_into_sft():
    reviewed = apply_reviews([rejected_only()], [review(1, 4, 1, "accept")])
    (row,) = sft_rows(reviewed, "strip")
    assert row["messages"][-1]["content"] == "y" and row["review"] == "accepted"


@pytest.fixture
def run_dir(tmp_path):
    from syndgen.config import RunConfig
    from syndgen.runner.run import run_pipeline

    config = RunConfig(count=3, generator={"backend": "dryrun"}, dedup={"semantic_threshold": None})
    run_pipeline(config, tmp_path / "run")
    return tmp_path / "run"


def test_reviews_are_stored_append_only_and_exports_honour_them(run_dir):
    from syndgen.export.run_export import export_run

    store = RunStore(run_dir / STORE_NAME)
    assert store.schema_version == len(MIGRATIONS) == 4
    store.close()
    add_review(run_dir, 0, "reject", "ann", reason="off topic")
    add_review(run_dir, 1, "edit", "bob", answer="a better answer")
    stored = read_reviews(run_dir)
    assert [(r.seed_index, r.attempt_no, r.decision, r.reviewer) for r in stored] == [
        (0, 1, "reject", "ann"),
        (1, 1, "edit", "bob"),
    ]
    db = sqlite3.connect(run_dir / STORE_NAME)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE reviews SET decision = 'accept'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM reviews")
    db.close()
    export_run(run_dir)
    sft = [json.loads(line) for line in (run_dir / "data/sft.jsonl").read_text().splitlines()]
    assert [r["id"] for r in sft] == ["seed-000001", "seed-000002"]
    assert "a better answer" in sft[0]["messages"][-1]["content"]
    dpo = [json.loads(line) for line in (run_dir / "data/dpo.jsonl").read_text().splitlines()]
    assert [r["id"] for r in dpo] == ["seed-000001"]
    card = (run_dir / "README.md").read_text()
    assert "## Human review" in card and "2 records reviewed by 2 reviewers" in card
    assert "1 rejected, 1 edited" in card


@pytest.mark.parametrize(
    ("seed", "decision", "kw", "message"),
    [
        (0, "reject", {}, "needs a reason"),
        (0, "edit", {}, "corrected answer"),
        (0, "accept", {"attempt_no": 9}, "no attempt 9"),
        (99, "accept", {}, "not committed"),
        (0, "maybe", {}, "decision must be"),
    ],
)
def test_invalid_decisions_are_one_clear_error(run_dir, seed, decision, kw, message):
    with pytest.raises(InputError, match=message):
        add_review(run_dir, seed, decision, "ann", **kw)
    with pytest.raises(InputError, match="reviewer"):
        add_review(run_dir, 0, "accept", "  ")
    assert read_reviews(run_dir) == []


def test_a_store_older_than_reviews_reads_none(tmp_path):
    db = sqlite3.connect(tmp_path / STORE_NAME)
    for step in MIGRATIONS[:3]:
        step(db)
    db.execute("PRAGMA user_version = 3")
    db.commit()
    db.close()
    assert read_reviews(tmp_path) == []
