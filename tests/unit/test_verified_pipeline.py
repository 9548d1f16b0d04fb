"""Math records end to end with a scripted model: verification, regeneration, voting, DPO, gate."""

import json
import sqlite3

from fakes import FakeBackend
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.verify import tasks
from syndgen.verify.mathcheck import extract_final_answer, values_equal

SEED = 4
STUDENT_TOKENS = 99


def references() -> dict[str, str]:
    """Every problem the run can draw, question -> reference, computed by the program."""
    found = {}
    for index in [*range(60), *range(1_000_003, 1_000_063)]:
        for topic in tasks.MATH_TOPICS:
            for level in (1, 2, 3):
                p = tasks.math_problem(SEED, index, topic=topic, difficulty=level)
                found[p.question] = p.reference_answer
    return found


REFS = references()


def question_of(request) -> str:
    for m in request.messages:
        if m.role == "user" and m.content in REFS:
            return m.content
    raise AssertionError("no known problem in the request")


def model(wrong_first: bool, student_right: bool = True):
    def respond(request):
        text = "\n".join(m.content for m in request.messages)
        reference = REFS[question_of(request)]
        retry = "A reviewer" in text
        if request.max_tokens == STUDENT_TOKENS:  # the student's tries
            value = reference if student_right else f"{reference}1"
            return f"Final answer: {value}"
        if wrong_first and not retry:
            return f"<think>Quick guess.</think>The total is 7. Final answer: {reference}9"
        return f"<think>Compute it step by step.</think>So it is {reference}. Final answer: {reference}"

    return respond


def make(config, respond):
    backend = FakeBackend(respond)
    engine = build_context(config, generator=backend, critic=backend, student=backend, duplicates=False)
    return engine, backend


def config(**kw):
    base = {"count": 4, "seed": SEED, "task": {"kind": "math"}, "dedup": {"semantic_threshold": None}}
    base.update(kw)
    return RunConfig.model_validate(base)


def sft(run_dir):
    return [json.loads(line) for line in (run_dir / "data" / "sft.jsonl").read_text().splitlines()]


def test_only_verified_answers_are_kept_and_the_retry_never_sees_the_reference(tmp_path):
    cfg = config()
    engine, backend = make(cfg, model(wrong_first=True))
    result = run_pipeline(cfg, tmp_path / "r", context=engine)
    assert result.samples == 4
    export_run(tmp_path / "r", formats=["sft", "dpo"], to=["jsonl"])
    for row in sft(tmp_path / "r"):
        final = extract_final_answer(row["messages"][-1]["content"])
        assert values_equal(final, row["reference_answer"]) and row["answer"] == final
        assert row["verifiers"]["math"]["status"] == "pass" and row["verified"] is True
        assert row["critic_model"] is None  # the verifier decided; the critic was not asked
    for request in backend.requests:
        text = "\n".join(m.content for m in request.messages)
        if "A reviewer" in text:
            assert "failed the math check" in text
            assert REFS[question_of(request)] not in text.split("A reviewer")[1]
    dpo = [json.loads(line) for line in (tmp_path / "r" / "data" / "dpo.jsonl").read_text().splitlines()]
    assert len(dpo) == 4
    assert all(
        r["rejected_verifiers"] == {"math": "fail"} and r["rejected_reason"] == "verifier_math" for r in dpo
    )


def test_majority_vote_sets_confidence(tmp_path):
    cfg = config(count=2, voting={"k": 3, "method": "numeric", "min_agreement": 0.5})
    engine, _ = make(cfg, model(wrong_first=False))
    run_pipeline(cfg, tmp_path / "r", context=engine)
    export_run(tmp_path / "r", formats=["sft"], to=["jsonl"])
    rows = sft(tmp_path / "r")
    assert len(rows) == 2 and all(r["confidence"] == 1.0 for r in rows)


def test_student_gate_sorts_and_splits_the_export(tmp_path):
    for name, right, level in (("easy", True, "too_easy"), ("hard", False, "too_hard")):
        cfg = config(
            count=2, student={"n": 3, "too_easy": 0.75, "too_hard": 0.0, "max_tokens": STUDENT_TOKENS}
        )
        engine, _ = make(cfg, model(wrong_first=False, student_right=right))
        run_pipeline(cfg, tmp_path / name, context=engine)
        files = {f.kind for f in export_run(tmp_path / name, formats=["sft"], to=["jsonl"])}
        assert {"sft", "sft_too_easy", "sft_learnable", "sft_too_hard"} <= files
        rows = sft(tmp_path / name)
        assert all(r["difficulty"] == level and r["student_n"] == 3 for r in rows)
        assert all(r["pass_rate"] == (1.0 if right else 0.0) for r in rows)
        subset = (tmp_path / name / "data" / f"sft_{level}.jsonl").read_text().splitlines()
        assert len(subset) == 2


def test_rewrite_replaces_a_too_easy_question_with_a_harder_verified_one(tmp_path):
    cfg = config(
        count=2,
        student={"n": 2, "too_easy": 0.75, "too_hard": 0.0, "rewrite": True, "max_tokens": STUDENT_TOKENS},
    )
    engine, _ = make(cfg, model(wrong_first=False))
    run_pipeline(cfg, tmp_path / "r", context=engine)
    db = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    outcomes = [json.loads(b) for (b,) in db.execute("SELECT outcome_json FROM outcomes WHERE accepted = 1")]
    rewritten = [o for o in outcomes if o["sample"]["rewritten_from"]]
    assert rewritten, "a too-easy level-1/2 problem must be rewritten one level harder"
    for o in rewritten:
        assert o["sample"]["question"]["text"] != o["sample"]["rewritten_from"]
        assert o["sample"]["question"]["model"] == "rewrite"
        numbers = [a["attempt_no"] for a in o["attempts"]]
        assert len(numbers) == len(set(numbers))
