"""The dataset card's privacy section: redactions from the audit log, leakage figures, head hash."""

import sqlite3

from leakage_fixtures import copying_backend, run_config, write_inputs
from typer.testing import CliRunner

from syndgen.cli import app
from syndgen.config import RunConfig
from syndgen.export.card import render_card
from syndgen.export.run_export import export_run
from syndgen.privacy.audit import append_event, entries, head_hash
from syndgen.privacy.card import privacy_section, redaction_summary
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline


def card(section=None):
    return render_card(
        title="t",
        files=[],
        config={},
        config_hash="h",
        kpis={"rejections_by_reason": {}},
        report={"coverage": None, "diversity": None},
        privacy_audit=section,
    )


def test_redactions_are_summed_by_type_with_how_and_where():
    db = sqlite3.connect(":memory:", isolation_level=None)
    append_event(
        db,
        "redaction",
        {"counts": {"PERSON": 2, "EMAIL_ADDRESS": 1}, "mode": "pseudonymise", "where": "examples"},
    )
    append_event(db, "redaction", {"counts": {"PERSON": 3}, "mode": "pseudonymise", "where": "records"})
    append_event(db, "export", {"path": "data/sft.jsonl", "rows": 2})
    summary = redaction_summary(entries(db))
    assert summary == {
        "events": 2,
        "counts": {"EMAIL_ADDRESS": 1, "PERSON": 5},
        "modes": ["pseudonymise"],
        "where": ["examples", "records"],
    }
    section = privacy_section(entries(db), None, head_hash(db), None)
    text = card(section)
    assert "PII redaction (pseudonymise; applied to examples, records): EMAIL_ADDRESS 1, PERSON 5." in text
    assert f"head hash `{head_hash(db)}`" in text and "3 entries (1 exports)" in text
    assert "chain intact" in text and "not checked during the run" in text
    broken = card(privacy_section(entries(db), None, head_hash(db), 2))
    assert "**the chain is broken at entry 2**" in broken


def test_a_card_without_an_audit_log_has_no_privacy_section():
    assert "audit trail" not in card()


def test_inspect_prints_the_leakage_lines(tmp_path):
    paths = write_inputs(tmp_path / "inputs")
    config = RunConfig.model_validate(run_config(paths))
    backend = copying_backend()
    out = tmp_path / "run"
    run_pipeline(
        config, out, context=build_context(config, generator=backend, critic=backend, duplicates=False)
    )
    export_run(out)
    result = CliRunner().invoke(app, ["inspect", str(out)])
    assert result.exit_code == 0
    output = " ".join(result.output.split())  # the console wraps long lines
    assert "leakage (reject): 8 checked, 2 leak, 1 contaminated, 0 flagged, 1 attempts withheld" in output
    assert "seeds.jsonl row 1" in output and "memo.txt paragraph 2" in output
