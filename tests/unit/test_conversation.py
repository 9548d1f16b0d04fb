"""Multi-turn conversations, driven by a scripted fake backend."""

import itertools
import json
import re
import sqlite3

from fakes import FakeBackend
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.kinds.conversation import deal_patterns, exchanges_for
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

PATTERNS = ["clarify", "example", "compare", "summary"]


def config(**kw):
    base = {
        "count": 6,
        "seed": 3,
        "task": {
            "kind": "conversation",
            "turns": [2, 3],
            "topics": ["tea", "maps", "bikes"],
            "axes": [{"name": "pattern", "values": PATTERNS, "per_record": [1, 2]}],
        },
        "dedup": {"semantic_threshold": None},
        "quality": {"threshold": 3},
    }
    base.update(kw)
    return RunConfig.model_validate(base)


def responder(missing: str | None = None):
    def respond(request):
        system = request.messages[0].content
        last = request.messages[-1].content
        if "You grade the ASSISTANT" in system:
            return json.dumps({"rationale": "fine", "score": 4})
        if "You check a message from a user" in system:
            asked = re.findall(r"Does the user's message (.*)\?$", last)[0]
            return json.dumps({"applied": asked != missing})
        if "You write the next message of a USER" in system:
            return f"User message {request.seed} about {len(request.messages)} things, please?"
        return f"<think>Reasoning {request.seed}.</think>Assistant reply number {request.seed} with detail."

    return respond


def run(tmp_path, cfg, respond):
    backend = FakeBackend(respond)
    engine = build_context(cfg, generator=backend, critic=backend, duplicates=False)
    return run_pipeline(cfg, tmp_path, context=engine), backend


def test_deal_patterns_skips_the_opening_turn_and_uses_every_pattern():
    assert deal_patterns(["a", "b", "c"], 3) == [[], ["a", "c"], ["b"]]
    assert deal_patterns(["a"], 1) == [["a"]]
    assert sorted(p for turn in deal_patterns(PATTERNS, 4) for p in turn) == sorted(PATTERNS)


def test_exchanges_stay_in_bounds_and_vary():
    seen = {exchanges_for(0, i, (3, 5)) for i in range(50)}
    assert seen == {3, 4, 5}


def test_conversations_alternate_roles_and_keep_reasoning_per_turn(tmp_path):
    cfg = config()
    result, _ = run(tmp_path / "r", cfg, responder())
    assert result.samples == 6
    (sft,) = [f for f in export_run(tmp_path / "r", formats=["sft"], to=["jsonl"]) if f.kind == "sft"]
    rows = [json.loads(line) for line in (tmp_path / "r" / sft.path).read_text().splitlines()]
    for row in rows:
        roles = [m["role"] for m in row["messages"]]
        assert roles[0] == "user" and all(a != b for a, b in itertools.pairwise(roles))
        assert 2 <= roles.count("assistant") <= 3
        assistants = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
        assert all(a.startswith("<think>") for a in assistants)
        assert row["pattern"] and set(row["pattern"]) <= set(PATTERNS)
        assert sorted(p for turn in row["patterns_applied"] for p in turn.split(", ")) == sorted(
            row["pattern"]
        )


def test_a_missing_pattern_is_rejected_as_pattern_not_applied(tmp_path):
    cfg = config(count=3, max_attempts=40)
    run(tmp_path / "r", cfg, responder(missing="compare"))
    db = sqlite3.connect(tmp_path / "r" / "run.sqlite")
    reasons = [r for (r,) in db.execute("SELECT reason FROM rejections")]
    assert "pattern_not_applied" in reasons
    kept = [json.loads(b) for (b,) in db.execute("SELECT outcome_json FROM outcomes WHERE accepted = 1")]
    assert all("compare" not in k["seed"]["attributes"]["pattern"] for k in kept)


def test_provider_exports_are_valid(tmp_path):
    from syndgen.export import provider

    cfg = config(count=3)
    run(tmp_path / "r", cfg, responder())
    files = export_run(tmp_path / "r", formats=["openai", "anthropic"], to=["jsonl"])
    assert {f.kind for f in files} == {"openai", "anthropic"}
    for f in files:
        rows = [json.loads(line) for line in (tmp_path / "r" / f.path).read_text().splitlines()]
        validate = provider.validate_openai_row if f.kind == "openai" else provider.validate_anthropic_row
        assert rows and all(validate(r) == [] for r in rows)


def test_trim_to_sentence_keeps_whole_sentences_only():
    from syndgen.kinds.conversation import trim_to_sentence

    assert trim_to_sentence("One fact. Two facts! And then the model ran o", 5) == "One fact. Two facts!"
    assert trim_to_sentence("no sentence end here", 5) is None
    assert trim_to_sentence("Ok. and more", 8) is None
    assert trim_to_sentence("Version 2.5 is out. Then", 5) == "Version 2.5 is out."


def test_an_opener_starts_the_user_turn_once():
    from syndgen.kinds.conversation import with_opener

    assert with_opener("What if", "the price doubles?") == "What if the price doubles?"
    assert with_opener("What if", "what if it rains?\nextra line") == "what if it rains?"
    assert with_opener("What if", "") == "What if"


def test_openers_must_name_known_values():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="openers for unknown values"):
        config(
            task={
                "kind": "conversation",
                "axes": [{"name": "pattern", "values": ["a"], "openers": {"b": "x"}}],
            }
        )
