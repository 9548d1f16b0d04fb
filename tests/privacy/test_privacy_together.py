"""PII redaction and the leakage checks in one run: seed examples salted with PII, a scripted
generator that copies one example verbatim and writes planted PII into its own answers. The
export holds no planted value and no copied paragraph, the copy is rejected ``leak``, the card's
privacy section reports both, and the audit chain verifies."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

from fakes import FakeBackend, scripted, stage_of
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.privacy.audit import entries, verify_chain
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline

PLANTED = {
    "PERSON": "Margaret Oyelaran",
    "EMAIL_ADDRESS": "m.oyelaran@clinic-north.org",
    "US_SSN": "512-44-8731",
}
COPIED = (
    "The discharge summary records that the wound on the left forearm was closed with six sutures "
    "on the ward, that the practice nurse removes them after ten days, that the dressing is changed "
    "every second morning, and that the patient returns to the fracture clinic in three weeks with "
    "the radiographs taken on admission so the registrar can compare the alignment of both bones."
)
EXAMPLE = {
    "question": "How should a discharge summary describe follow-up care?",
    "answer": f"{COPIED} Contact {PLANTED['PERSON']} at {PLANTED['EMAIL_ADDRESS']} with questions.",
}
TOPICS = ["copy example", "planted pii", "wound care", "billing", "referrals"]


def _answer(request) -> str:
    question = request.messages[-1].content
    if stage_of(request) == "regenerate":
        return "<think>Start again.</think>An original note on follow-up care for a healed wound."
    if "copy example" in question:
        return f"<think>Recall the example.</think>{COPIED}"
    if "planted pii" in question:
        return (
            "<think>Write a note.</think>The note for patient "
            f"{PLANTED['PERSON']} (SSN {PLANTED['US_SSN']}) asks her to email {PLANTED['EMAIL_ADDRESS']}."
        )
    topic = next((t for t in TOPICS if t in question), "care")
    return f"<think>I reason about {topic}.</think>An original answer about {topic} for the ward team."


def _question(request) -> str:
    text = "\n".join(m.content for m in request.messages)
    topic = re.findall(r"Topic: (.*)", text)[-1].strip()
    return f"What is the key idea of {topic}?"


def test_redaction_and_leakage_checks_work_in_one_run(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds.jsonl"
    seeds.write_text(json.dumps(EXAMPLE) + "\n", encoding="utf-8")
    config = RunConfig.model_validate(
        {
            "count": 4,
            "max_attempts": 30,
            "task": {"topics": TOPICS, "examples": {"path": str(seeds), "k": 1}},
            "dedup": {"semantic_threshold": None},
            "coverage": {"enforce": False},
            "privacy": {
                "pii": {"enabled": True, "mode": "mask", "entities": list(PLANTED)},
                "leakage": {"enabled": True, "span_tokens": 30},
            },
        }
    )
    backend = FakeBackend(scripted(answer=_answer, question=_question))
    ctx = build_context(config, generator=backend, critic=backend, duplicates=False)
    out = tmp_path / "run"
    result = run_pipeline(config, out, context=ctx)
    assert result.samples == 4

    # the run works from the example with its PII masked
    assert "Contact <PERSON> at <EMAIL_ADDRESS>" in ctx.examples[0]["answer"]

    db = sqlite3.connect(out / "run.sqlite")
    reasons = [r[0] for r in db.execute("SELECT reason FROM rejections WHERE stage = 'privacy'")]
    assert "leak" in reasons

    export_run(out)
    data = b"".join(p.read_bytes() for p in (out / "data").iterdir()) + (out / "run.sqlite").read_bytes()
    for value in PLANTED.values():
        assert value.encode() not in data, value
    exported = b"".join(p.read_bytes() for p in (out / "data").iterdir())
    assert COPIED[:120].encode() not in exported
    assert b"<PERSON>" in exported  # the planted-PII answer was kept, masked

    kinds = {e.kind for e in entries(db)}
    assert {"run", "redaction", "leakage", "export"} <= kinds
    checked, broken, _ = verify_chain(db)
    assert checked > 3 and broken is None
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "Privacy: redaction, leakage and the audit trail" in card
    assert "PERSON" in card and "leak" in card
