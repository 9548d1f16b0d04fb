"""The shared answer loop: attempt roles, KPIs from roles, kind support checks, strict config."""

import json
import sqlite3

import pytest

from fakes import FakeBackend, scripted, stage_of
from syndgen.config import RunConfig, load_config, parse_config
from syndgen.errors import ConfigError
from syndgen.export.formats import is_valid
from syndgen.kinds.base import check_supported, resolve_kind
from syndgen.kpis import compute_kpis
from syndgen.records import Attempt, Check, Question, Sample, Seed, Verdict
from syndgen.rundir import CONFIG_NAME, _write_config
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.store import RunStore

TOPICS = [f"topic {i}" for i in range(20)]


def roles(run_dir):
    db = sqlite3.connect(run_dir / "run.sqlite")
    return [r[0] for r in db.execute("SELECT role FROM attempts ORDER BY seed_index, attempt_no")]


def run(tmp_path, config, responder):
    backend = FakeBackend(responder)
    ctx = build_context(config, generator=backend, critic=backend, duplicates=False)
    return run_pipeline(config, tmp_path, context=ctx), backend


def test_a_regeneration_is_stored_with_its_role_and_counted_by_it(tmp_path):
    def score(request):
        text = request.messages[-1].content + request.messages[-2].content
        return '{"rationale": "ok", "score": 5}' if "fixed" in text else '{"rationale": "bad", "score": 1}'

    def answer(request):
        regen = stage_of(request) == "regenerate"
        return (
            "<think>Again.</think>The fixed answer is here." if regen else "<think>x</think>A wrong answer."
        )

    config = RunConfig(count=2, task={"topics": TOPICS}, dedup={"semantic_threshold": None})
    result, _ = run(tmp_path / "r", config, scripted(score=score, answer=answer))
    assert result.samples == 2
    assert roles(tmp_path / "r") == ["answer", "regenerate"] * 2
    store = RunStore.open_existing(tmp_path / "r")
    kpis = compute_kpis(store)
    store.close()
    assert kpis["regenerations"] == 2 and kpis["regeneration_success_rate"] == 1.0
    assert kpis["accepted_first_try"] == 0
    assert kpis["attempts_by_role"] == {"answer": 2, "regenerate": 2}


def test_under_voting_attempt_two_is_a_vote_not_a_regeneration(tmp_path):
    config = RunConfig(
        count=2,
        task={"topics": TOPICS},
        voting={"k": 3, "method": "exact"},
        dedup={"semantic_threshold": None},
    )
    result, _ = run(tmp_path / "v", config, scripted())
    assert result.samples == 2
    assert roles(tmp_path / "v") == ["vote"] * 6
    store = RunStore.open_existing(tmp_path / "v")
    kpis = compute_kpis(store)
    store.close()
    # the old rule (attempt 2 is the regeneration) counted 2 regenerations here, none kept
    assert kpis["regenerations"] == 0 and kpis["regeneration_success_rate"] is None
    assert kpis["accepted_first_try"] == 2


def test_a_store_written_before_roles_is_migrated(tmp_path):
    config = RunConfig(count=1, task={"topics": TOPICS}, dedup={"semantic_threshold": None})
    run(tmp_path / "old", config, scripted(score=lambda r: '{"rationale": "meh", "score": 2}'))
    db = sqlite3.connect(tmp_path / "old" / "run.sqlite")
    db.executescript(
        """
        CREATE TABLE attempts_v2 AS SELECT seed_index, attempt_no, model, reasoning, answer,
            prompt_tokens, completion_tokens, latency_s, finish_reason FROM attempts;
        DROP TABLE attempts;
        ALTER TABLE attempts_v2 RENAME TO attempts;
        PRAGMA user_version = 2;
        """
    )
    db.close()
    store = RunStore.open_existing(tmp_path / "old")  # read-only: the old schema is read as it is
    assert store.schema_version == 2
    assert compute_kpis(store)["regenerations"] == store.scalar(
        "SELECT COUNT(*) FROM attempts WHERE attempt_no = 2"
    )
    store.close()
    store = RunStore(tmp_path / "old" / "run.sqlite")  # a run resuming there migrates it
    assert store.rows("SELECT attempt_no, role FROM attempts WHERE seed_index = 0 ORDER BY attempt_no") == [
        (1, "answer"),
        (2, "regenerate"),
    ]
    store.close()


@pytest.mark.parametrize(
    ("kind", "extra", "needle"),
    [
        ("conversation", {"voting": {"k": 3}}, "voting.k > 1 is set but task.kind 'conversation'"),
        ("conversation", {"student": {"n": 2}}, "student is set but task.kind 'conversation'"),
        ("math", {"task": {"kind": "math", "examples": {"path": "x.jsonl"}}}, "task.examples is set"),
        ("qa", {"grounding": {"index": "idx"}}, "grounding.index is set but task.kind 'qa'"),
        ("math", {"task": {"kind": "math", "topics": ["a"]}}, "task.topics is set but task.kind 'math'"),
        ("qa", {"task": {"kind": "qa", "turns": [2, 3]}}, "task.turns is set but task.kind 'qa'"),
    ],
)
def test_a_config_asking_for_what_its_kind_does_not_do_is_refused(kind, extra, needle, tmp_path):
    data = {"task": {"kind": kind}, **extra}
    config = parse_config(data)
    with pytest.raises(ConfigError) as err:
        check_supported(config, resolve_kind(config.task.kind))
    assert needle in str(err.value)
    # and the run refuses it before a run folder exists
    with pytest.raises(ConfigError):
        run_pipeline(config, tmp_path / "never")
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("kind", ["qa", "math", "code", "conversation"])
def test_a_run_folders_config_yaml_loads_back_for_every_kind(kind, tmp_path):
    """config.yaml spells out every default; rerunning from it must not trip the kind check."""
    config = parse_config({"task": {"kind": kind}, "count": 2})
    _write_config(tmp_path, config)
    again = load_config(tmp_path / CONFIG_NAME)
    check_supported(again, resolve_kind(kind))
    assert again.config_hash() == config.config_hash()
    # a non-default value the kind does not read is still refused
    (tmp_path / "bad.yaml").write_text(
        (tmp_path / CONFIG_NAME).read_text().replace("trim_truncated: false", "trim_truncated: true")
        if kind != "conversation"
        else "task: {kind: conversation, difficulty: [2, 3]}\n"
    )
    with pytest.raises(ConfigError, match="does not read it"):
        check_supported(load_config(tmp_path / "bad.yaml"), resolve_kind(kind))


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        ({"quality": {"regenerate": "yes"}}, "quality.regenerate: Input should be a valid boolean"),
        ({"count": "5"}, "count: Input should be a valid integer"),
        ({"task": {"kind": "poem"}}, "unknown task.kind 'poem'"),
        ({"export": {"formats": ["sfft"]}}, "did you mean 'sft'?"),
    ],
)
def test_surprising_coercions_and_unknown_names_are_refused(data, needle):
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert needle in str(err.value)


def _sample(supported: bool, flag: bool | None, failed: bool = False) -> Sample:
    attempt = Attempt(
        seed_index=0,
        attempt_no=1,
        messages=(),
        raw_text="a",
        reasoning="r",
        answer="a",
        usage={},
        latency_s=0,
        model="m",
        checks=(Check(name="json", status="fail" if failed else "pass"),),
    )
    flags = {} if flag is None else {"supported": flag}
    verdict = Verdict(
        seed_index=0, attempt_no=1, score=4, rationale="", critic_model="m", raw_text="", flags=flags
    )
    return Sample(
        seed=Seed(index=0, topic="t"),
        question=Question(text="q?", model="m"),
        attempt=attempt,
        verdict=verdict,
        support={"supported": supported},
    )


def test_is_valid_carries_the_record_verdicts():
    assert is_valid(_sample(True, True)) is True
    assert is_valid(_sample(True, None)) is True
    assert is_valid(_sample(False, True)) is False
    assert is_valid(_sample(True, False)) is False
    assert is_valid(_sample(True, True, failed=True)) is False


def test_every_config_field_has_a_description():
    from pydantic import BaseModel

    from syndgen.config import models_in

    missing: list[str] = []
    seen: set[type] = set()

    def walk(model: type[BaseModel], path: str) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            if not field.description:
                missing.append(f"{model.__name__}.{name}")
            for child in models_in(field.annotation):
                walk(child, f"{path}.{name}")

    walk(RunConfig, "")
    assert missing == []


def test_the_conversation_kind_runs_through_the_shared_loop(tmp_path):
    patterns = ["clarify", "example"]
    config = RunConfig.model_validate(
        {
            "count": 2,
            "task": {
                "kind": "conversation",
                "turns": [2, 2],
                "topics": ["tea", "maps"],
                "axes": [{"name": "pattern", "values": patterns, "per_record": 1}],
            },
            "dedup": {"semantic_threshold": None},
            "quality": {"threshold": 3},
        }
    )

    def respond(request):
        system = request.messages[0].content
        if "You grade the ASSISTANT" in system:
            return json.dumps({"rationale": "fine", "score": 4})
        if "You check a message from a user" in system:
            return json.dumps({"applied": True})
        if "You write the next message of a USER" in system:
            return f"User message {request.seed} about things, please?"
        return f"<think>Reasoning {request.seed}.</think>Assistant reply number {request.seed} here."

    result, _ = run(tmp_path / "c", config, respond)
    assert result.samples == 2
    assert set(roles(tmp_path / "c")) == {"answer"}


@pytest.mark.parametrize(("mode", "kept"), [("critic", 0), ("embedding", 2), ("any", 2)])
def test_pattern_check_by_critic_embedding_or_either(tmp_path, mode, kept):
    """The critic here answers "no" to every pattern question (as the embedded 135M model does);
    the user turns do apply the pattern, which the MiniLM similarity to its description sees."""
    config = RunConfig.model_validate(
        {
            "count": 2,
            "max_attempts": 4,
            "task": {
                "kind": "conversation",
                "turns": [2, 2],
                "topics": ["tea", "maps"],
                "pattern_check": mode,
                "pattern_similarity": 0.5,
                "axes": [
                    {
                        "name": "pattern",
                        "values": ["clarify"],
                        "descriptions": {"clarify": "could you clarify what you meant"},
                    }
                ],
            },
            "dedup": {"semantic_threshold": None, "near_threshold": None},
            "quality": {"threshold": 3, "regenerate": False},
        }
    )

    def respond(request):
        system = request.messages[0].content
        if "You grade the ASSISTANT" in system:
            return json.dumps({"rationale": "fine", "score": 4})
        if "You check a message from a user" in system:
            return json.dumps({"applied": False})
        if "You write the next message of a USER" in system:
            if "clarify" in request.messages[-1].content:
                return "Could you clarify what you meant by that?"
            return f"Tell me about this topic number {request.seed}, please?"
        return f"<think>Reasoning {request.seed}.</think>Assistant reply number {request.seed} here."

    result, _ = run(tmp_path / mode, config, respond)
    assert result.samples == kept
    store = RunStore.open_existing(tmp_path / mode)
    reasons = dict(store.rows("SELECT reason, COUNT(*) FROM rejections GROUP BY reason"))
    store.close()
    assert reasons.get("pattern_not_applied", 0) == (4 if mode == "critic" else 0)


def test_a_users_cheap_filter_runs_after_the_built_in_ones(tmp_path):
    config = RunConfig(
        count=1,
        max_attempts=4,
        task={"topics": TOPICS},
        quality={"filters": ["fakes:reject_forty"], "regenerate": False},
        dedup={"semantic_threshold": None},
    )
    result, backend = run(tmp_path / "f", config, scripted())
    assert result.samples == 0
    store = RunStore.open_existing(tmp_path / "f")
    assert store.rows("SELECT DISTINCT stage, reason FROM rejections") == [("filter", "mentions_forty")]
    store.close()
    assert not any(stage_of(r) == "critic" for r in backend.requests)  # rejected before the critic


def test_a_filter_that_is_not_a_callable_is_refused_before_the_run():
    config = RunConfig(quality={"filters": ["fakes:nothing_here"]})
    with pytest.raises(ConfigError, match="has no attribute 'nothing_here'"):
        build_context(config, generator=FakeBackend(scripted()), duplicates=False)
