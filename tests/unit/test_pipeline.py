"""Control flow of the runner, driven by a scripted fake backend."""

import itertools
import json
import sqlite3
import threading

import pytest

from fakes import FakeBackend, scripted, stage_of, topic_of
from syndgen.backends.call import request_seed
from syndgen.config import RunConfig
from syndgen.errors import BackendError, Cancelled, RunStateError
from syndgen.export.run_export import export_run
from syndgen.kpis import compute_kpis
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.runner.scheduler import in_flight_wanted
from syndgen.store import RunStore

TOPICS = [f"topic {i}" for i in range(50)]


def make(config, responder, critic_responder=None):
    gen = FakeBackend(responder)
    critic = FakeBackend(critic_responder) if critic_responder else gen
    return build_context(config, generator=gen, critic=critic, duplicates=False)


def cfg(**kw):
    return RunConfig(task={"topics": TOPICS}, **kw)


def samples_in(run_dir):
    db = sqlite3.connect(run_dir / "run.sqlite")
    return [r[0] for r in db.execute("SELECT seed_index FROM samples ORDER BY seed_index")]


def test_all_good_run(tmp_path):
    config = cfg(count=4)
    engine = make(config, scripted())
    result = run_pipeline(config, tmp_path / "r", context=engine)
    assert (result.samples, result.attempts, result.complete) == (4, 4, True)
    assert samples_in(tmp_path / "r") == [0, 1, 2, 3]
    stages = [stage_of(r) for r in engine.generator.requests]
    assert stages == ["question", "answer", "critic"] * 4


def test_low_score_gets_one_regeneration_that_sees_the_critique(tmp_path):
    def score(request):
        # the graded answer: in the last message (a judge prompt) or the one before (a follow-up turn)
        last = request.messages[-1].content + request.messages[-2].content
        return (
            '{"rationale": "wrong", "score": 5}'
            if "fixed" in last
            else '{"rationale": "Step 2 adds instead of subtracting", "score": 2}'
        )

    def answer(request):
        return (
            "<think>redo</think>fixed answer"
            if stage_of(request) == "regenerate"
            else "<think>x</think>first answer"
        )

    config = cfg(count=2)
    engine = make(config, scripted(score=score, answer=answer))
    run_pipeline(config, tmp_path / "r", context=engine)
    regen = [r for r in engine.generator.requests if stage_of(r) == "regenerate"]
    assert len(regen) == 2
    assert "Step 2 adds instead of subtracting" in regen[0].messages[-1].content
    assert regen[0].messages[-2].content == "<think>x</think>first answer"  # shown as written
    store = RunStore.open_existing(tmp_path / "r")
    kpis = compute_kpis(store)
    assert kpis["rejections_by_reason"] == {"low_score": 2}
    assert kpis["accepted_first_try"] == 0 and kpis["regeneration_success_rate"] == 1.0
    store.close()
    files = export_run(tmp_path / "r", formats=["dpo"], to=["jsonl"])
    rows = [json.loads(line) for line in (tmp_path / "r" / files[0].path).read_text().splitlines()]
    assert [(r["chosen_score"], r["rejected_score"]) for r in rows] == [(5, 2), (5, 2)]
    assert rows[0]["rejected"][0]["content"].endswith("first answer")


def test_still_failing_after_regeneration_is_rejected_and_cap_stops_the_run(tmp_path):
    config = cfg(count=3, max_attempts=7)
    engine = make(config, scripted(score=lambda r: '{"rationale": "bad", "score": 1}'))
    result = run_pipeline(config, tmp_path / "r", context=engine)
    assert result.samples == 0 and not result.complete
    assert result.attempts <= 7
    assert result.attempts == 6  # three seeds of two attempts; a fourth could exceed the cap


def test_unparseable_verdict_gets_one_repair_then_counts_as_rejection(tmp_path):
    def score(request):
        return "no idea" if stage_of(request) == "critic" else "still no idea"

    config = cfg(count=1, max_attempts=2, quality={"regenerate": False})
    engine = make(config, scripted(score=score))
    result = run_pipeline(config, tmp_path / "r", context=engine)
    assert result.samples == 0
    stages = [stage_of(r) for r in engine.generator.requests]
    assert stages.count("repair") == 2 and stages.count("critic") == 2
    store = RunStore.open_existing(tmp_path / "r")
    assert compute_kpis(store)["rejections_by_reason"] == {"unparseable_verdict": 2}
    store.close()


def test_repair_that_parses_is_a_normal_verdict(tmp_path):
    config = cfg(count=1)
    engine = make(
        config, scripted(score=lambda r: "hmm" if stage_of(r) == "critic" else '{"rationale":"ok","score":4}')
    )
    assert run_pipeline(config, tmp_path / "r", context=engine).samples == 1


def test_filters_run_before_the_critic(tmp_path):
    answers = iter(
        ["<think>never closed", "no trace at all", "<think>ok</think>", "<think>fine</think>A full answer."]
    )
    config = cfg(count=1, max_attempts=10)
    engine = make(config, scripted(answer=lambda r: next(answers)))
    run_pipeline(config, tmp_path / "r", context=engine)
    store = RunStore.open_existing(tmp_path / "r")
    reasons = compute_kpis(store)["rejections_by_reason"]
    store.close()
    assert reasons == {"truncated": 1, "missing_reasoning": 1, "empty_answer": 1}
    critic_calls = [r for r in engine.generator.requests if stage_of(r) == "critic"]
    assert len(critic_calls) == 1  # only the good answer reached the critic


def test_bad_and_duplicate_questions_are_rejected(tmp_path):
    config = RunConfig(count=2, task={"topics": ["a", "b", "c", "d"]})
    # Each bad reply gets one repair request (the next reply here) before it is rejected.
    fixed = ["", "", "Compute this", "Compute that", "What is 2+2?", "what is 2 + 2 ?"]
    questions = itertools.chain(fixed, (f"What is {n} + 3?" for n in itertools.count()))
    engine = make(config, scripted(question=lambda r: next(questions)))
    run_pipeline(config, tmp_path / "r", context=engine)
    store = RunStore.open_existing(tmp_path / "r")
    reasons = compute_kpis(store)["rejections_by_reason"]
    store.close()
    assert {k: reasons[k] for k in ("empty_question", "not_a_question", "duplicate_question")} == {
        "empty_question": 1,
        "not_a_question": 1,
        "duplicate_question": 1,
    }
    # Anything else was turned away to keep the two planned topics covered.
    assert set(reasons) <= {"empty_question", "not_a_question", "duplicate_question", "over_quota"}
    kept = samples_in(tmp_path / "r")
    assert len(kept) == 2 and kept[0] == 2


def test_record_level_backend_error_rejects_only_that_record(tmp_path):
    calls = {"n": 0}

    def answer(request):
        calls["n"] += 1
        if calls["n"] == 1:
            raise BackendError("prompt too long", record_level=True)
        return "<think>ok</think>A fine answer."

    config = cfg(count=2)
    result = run_pipeline(config, tmp_path / "r", context=make(config, scripted(answer=answer)))
    assert result.samples == 2
    store = RunStore.open_existing(tmp_path / "r")
    assert compute_kpis(store)["rejections_by_reason"] == {"backend_error": 1}
    store.close()


def test_crash_then_resume_loses_and_duplicates_nothing(tmp_path):
    config = cfg(count=6)
    calls = {"n": 0}

    def dying(request):
        calls["n"] += 1
        if calls["n"] > 10:  # mid-way through the fourth seed
            raise BackendError("server went away")
        return scripted()(request)

    with pytest.raises(BackendError):
        run_pipeline(config, tmp_path / "r", context=make(config, dying))
    assert samples_in(tmp_path / "r") == [0, 1, 2]
    result = run_pipeline(config, tmp_path / "r", context=make(config, scripted()))
    assert result.resumed_samples == 3
    assert samples_in(tmp_path / "r") == [0, 1, 2, 3, 4, 5]
    # a finished run run again does no work
    engine = make(config, scripted())
    assert run_pipeline(config, tmp_path / "r", context=engine).samples == 6
    assert engine.generator.requests == []


def test_larger_count_extends_the_run(tmp_path):
    run_pipeline(cfg(count=2), tmp_path / "r", context=make(cfg(count=2), scripted()))
    run_pipeline(cfg(count=5), tmp_path / "r", context=make(cfg(count=5), scripted()))
    assert samples_in(tmp_path / "r") == [0, 1, 2, 3, 4]


def test_different_config_needs_overwrite(tmp_path):
    run_pipeline(cfg(count=1), tmp_path / "r", context=make(cfg(count=1), scripted()))
    other = cfg(count=1, seed=9)
    with pytest.raises(RunStateError, match="different config"):
        run_pipeline(other, tmp_path / "r", context=make(other, scripted()))
    assert run_pipeline(other, tmp_path / "r", overwrite=True, context=make(other, scripted())).samples == 1


def test_foreign_folder_is_never_touched(tmp_path):
    (tmp_path / "mine.txt").write_text("keep")
    with pytest.raises(RunStateError, match="not empty"):
        run_pipeline(cfg(count=1), tmp_path, overwrite=True, context=make(cfg(count=1), scripted()))
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_parallel_workers_give_the_same_dataset_as_one(tmp_path):
    def flaky_score(request):
        text = request.messages[-1].content
        score = 2 if "topic 1 " in text or "topic 4 " in text else 5
        return json.dumps({"rationale": "x", "score": score})

    def question(request):
        return f"What about {topic_of(request)} ?"

    results = []
    for workers, name in ((1, "a"), (4, "b")):
        config = cfg(count=5, workers=workers, quality={"regenerate": False})
        run_pipeline(
            config, tmp_path / name, context=make(config, scripted(score=flaky_score, question=question))
        )
        export_run(tmp_path / name, formats=["sft"], to=["jsonl"])
        results.append((tmp_path / name / "data" / "sft.jsonl").read_text())
    assert results[0] == results[1]
    assert samples_in(tmp_path / "b") == samples_in(tmp_path / "a")
    db = sqlite3.connect(tmp_path / "b" / "run.sqlite")
    kept = dict(db.execute("SELECT topic, accepted FROM outcomes").fetchall())
    assert sum(kept.values()) == 5
    assert kept.get("topic 1", 0) == 0 and kept.get("topic 4", 0) == 0


def test_a_model_whose_questions_are_all_rejected_still_stops(tmp_path):
    config = cfg(count=2, max_attempts=5)
    engine = make(config, scripted(question=lambda r: "no question mark here"))
    result = run_pipeline(config, tmp_path / "r", context=engine)
    assert (result.samples, result.attempts) == (0, 0)
    store = RunStore.open_existing(tmp_path / "r")
    assert store.count("outcomes") == 5
    store.close()


def test_out_of_order_completion_still_commits_in_seed_order(tmp_path):
    import random
    import time

    rng = random.Random(0)

    def slow_question(request):
        time.sleep(rng.random() * 0.01)
        return f"Same question for {topic_of(request)[:7]}?"  # topics 0-9 share "topic 0".."topic 9"

    results = []
    for workers, name in ((1, "a"), (6, "b")):
        config = cfg(count=8, workers=workers)
        run_pipeline(config, tmp_path / name, context=make(config, scripted(question=slow_question)))
        store = RunStore.open_existing(tmp_path / name)
        results.append(store.rows("SELECT seed_index, accepted FROM outcomes ORDER BY seed_index"))
        store.close()
    assert results[0] == results[1]


def test_dryrun_backend_runs_a_config_without_a_model(tmp_path):
    config = RunConfig(count=5, generator={"backend": "dryrun"})
    result = run_pipeline(config, tmp_path / "r")
    assert (result.samples, result.attempts) == (5, 5)
    (written,) = export_run(tmp_path / "r", formats=["sft"], to=["jsonl"])
    rows = [json.loads(line) for line in (tmp_path / "r" / written.path).read_text().splitlines()]
    assert len({r["messages"][0]["content"] for r in rows}) == 5
    assert all("<think>" in r["messages"][1]["content"] for r in rows)


@pytest.mark.parametrize(
    ("count", "samples", "seeds", "wanted"),
    [
        (10, 0, 0, 20),  # before any outcome: one in two assumed kept
        (10, 5, 18, 17),  # 5 of 18 kept: 5 missing need ceil(5 * 20 / 6) seeds
        (10, 9, 98, 10),  # one missing at a one-in-ten yield: ten seeds for the last record
        (10, 10, 40, 0),  # done
    ],
)
def test_in_flight_follows_the_yield_of_committed_seeds(count, samples, seeds, wanted):
    assert in_flight_wanted(count, samples, seeds) == wanted


class CancellableFake(FakeBackend):
    """A fake whose in-flight requests can be dropped, like the embedded engine's.

    Requests of seeds from ``hold_from`` on wait until they are cancelled: they are the seeds
    started to keep the batch full that the run turns out not to need.
    """

    def __init__(self, *args, run_seed: int, hold_from: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.calls: list[str] = []
        self.held = {request_seed(run_seed, i, "question") for i in range(hold_from, hold_from + 64)}
        self.dropped = threading.Event()

    def chat(self, request):
        if request.seed in self.held:
            assert self.dropped.wait(timeout=30), "a seed beyond the target was never cancelled"
            raise Cancelled("the request was cancelled")
        return super().chat(request)

    def cancel_all(self):
        self.calls.append("cancel")
        self.dropped.set()

    def reopen(self):
        self.calls.append("reopen")


def test_seeds_started_beyond_the_target_are_cancelled_and_never_committed(tmp_path):
    config = cfg(count=3, workers=4)
    backend = CancellableFake(scripted(), run_seed=config.seed, hold_from=3)
    engine = build_context(config, generator=backend, critic=backend, duplicates=False)
    result = run_pipeline(config, tmp_path / "r", context=engine)
    assert result.samples == 3
    assert backend.calls == ["cancel", "reopen"]  # the seed started beyond the target was dropped
    with sqlite3.connect(tmp_path / "r" / "run.sqlite") as db:
        committed = [r[0] for r in db.execute("SELECT seed_index FROM outcomes ORDER BY seed_index")]
    assert committed == [0, 1, 2]
    rows = (tmp_path / "r" / export_run(tmp_path / "r", formats=["sft"], to=["jsonl"])[0].path).read_text()
    assert len(rows.splitlines()) == 3


def test_critic_follows_up_the_answer_when_it_is_the_generator(tmp_path):
    config = cfg(count=1)
    engine = make(config, scripted())
    run_pipeline(config, tmp_path / "r", context=engine)
    answer, critic = (
        next(r for r in engine.generator.requests if stage_of(r) == s) for s in ("answer", "critic")
    )
    # the critic's request is the answer's conversation, the reply verbatim, then the grading turn
    assert critic.messages[: len(answer.messages)] == answer.messages
    assert (
        critic.messages[len(answer.messages)].content
        == "<think>Step one. Step two.</think>The answer is forty-two."
    )
    assert "You grade whether the reasoning above" in critic.messages[-1].content


@pytest.mark.parametrize("mode", ["separate", "auto"])
def test_a_separate_or_other_critic_gets_its_own_judge_prompt(tmp_path, mode):
    config = cfg(count=1, quality={"critic_context": mode})
    critic = FakeBackend(scripted())
    engine = make(config, scripted()) if mode == "separate" else None
    if engine is None:
        engine = build_context(config, generator=FakeBackend(scripted()), critic=critic, duplicates=False)
    run_pipeline(config, tmp_path / "r", context=engine)
    requests = engine.critic.requests
    judged = next(r for r in requests if stage_of(r) == "critic")
    assert judged.messages[0].content.startswith("You grade whether the reasoning is logically sound")
    assert "Answer: The answer is forty-two." in judged.messages[-1].content
