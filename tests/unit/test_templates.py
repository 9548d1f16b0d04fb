"""The template library: every shipped template validates, renders its prompts and runs end to end
on the dryrun backend; the commands list, show, create and run templates."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from syndgen.api import inspect_run
from syndgen.cli import app
from syndgen.cli_templates import critic_threshold
from syndgen.errors import InputError
from syndgen.export.run_export import export_run
from syndgen.runner.run import run_pipeline
from syndgen.templates_lib import all_templates, get_template, read_template, template_config
from syndgen.templates_lib.infer import infer_schema, infer_template, read_examples
from syndgen.templates_lib.show import rendered_prompts

TICKETS = Path(__file__).resolve().parents[1] / "data" / "templates" / "support_tickets.jsonl"
SHIPPED = [t for t in all_templates() if t.origin == "shipped"]
DRYRUN = {"generator": {"backend": "dryrun"}, "critic": None, "count": 2, "max_attempts": 40}
runner = CliRunner()


def dry_config(template, **extra):
    overrides = {**DRYRUN, **extra}
    if template.kind == "conversation":  # dry-run turns are random words: any similarity will do
        overrides["task.pattern_similarity"] = -1
    return template_config(template, overrides)


def test_the_library_covers_the_promised_domains():
    names = {t.name for t in SHIPPED}
    assert len(names) >= 12
    assert {t.domain for t in SHIPPED} >= {
        "medical",
        "financial",
        "legal",
        "ecommerce",
        "education",
        "support",
        "code",
        "hr",
        "security",
    }
    assert {"medical/clinical-notes", "medical/lab-reports", "financial/transactions"} <= names
    assert all(t.origin == "shipped" and t.description for t in SHIPPED)


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_every_template_validates_and_renders_its_prompts(template):
    config = template_config(template)
    prompts = dict(rendered_prompts(template))
    assert prompts, "each kind of the library shows its prompts"
    if config.task.kind == "structured":
        record = prompts["record"]
        assert config.task.instructions.split()[0] in record[0].content
        assert '"required"' in record[0].content  # the schema is in the system message
        assert config.task.axes[0].values[0] in record[-1].content  # the seed's attributes
        assert record[1].role == "user" and record[2].role == "assistant"  # the few-shot record
        json.loads(record[2].content.split("</think>")[1])
        for example in config.task.record_schema["examples"]:
            for name, _params in ((v.name, v.params) for v in config.verifiers):
                from syndgen.verify.registry import resolve

                result = resolve(name)({"answer": json.dumps(example)}, {})
                assert result.status == "pass", (template.name, result.detail)


@pytest.mark.parametrize("template", SHIPPED, ids=lambda t: t.name)
def test_every_template_runs_end_to_end_on_dryrun(template, tmp_path):
    config = dry_config(template)
    result = run_pipeline(config, tmp_path / "run")
    info = inspect_run(tmp_path / "run")
    if template.kind == "code":
        # dry-run answers are words, not code: every attempt reaches the code shape check and fails it
        assert result.samples == 0 and set(info["rejections_by_reason"]) == {"no_code_block"}
        return
    assert result.samples == 2, info["rejections_by_reason"]
    files = {f.path for f in export_run(tmp_path / "run")}
    assert "data/sft.jsonl" in files
    rows = [json.loads(line) for line in (tmp_path / "run" / "data" / "sft.jsonl").read_text().splitlines()]
    assert all(r["messages"][-1]["role"] == "assistant" for r in rows)
    if template.kind == "structured":
        schema = config.task.record_schema
        for row in rows:
            answer = row["messages"][-1]["content"].split("</think>")[1]
            assert set(json.loads(answer)) == set(schema["required"])
            assert all(v["status"] == "pass" for v in row["verifiers"].values())


def test_the_flat_table_has_one_typed_column_per_field(tmp_path):
    config = dry_config(
        get_template("ecommerce/reviews"),
        **{"export.formats": ["sft", "table"], "export.to": ["jsonl", "parquet", "csv"], "count": 3},
    )
    run_pipeline(config, tmp_path / "run")
    files = {f.path: f.rows for f in export_run(tmp_path / "run")}
    assert files["data/table.parquet"] == files["data/table.csv"] == 3
    frame = pd.read_parquet(tmp_path / "run" / "data" / "table.parquet")
    assert {"product", "title", "text", "rating", "sentiment", "topic", "axis.rating", "score"} <= set(frame)
    assert str(frame["rating"].dtype) == "int64" and frame["text"].map(type).eq(str).all()
    assert pq.read_schema(tmp_path / "run" / "data" / "table.parquet").field("rating").type == "int64"
    csv = pd.read_csv(tmp_path / "run" / "data" / "table.csv")
    assert list(csv["rating"]) == list(frame["rating"]) and str(csv["rating"].dtype) == "int64"
    from datasets import Dataset

    dataset = Dataset.from_parquet(str(tmp_path / "run" / "data" / "table.parquet"))
    assert dataset.features["rating"].dtype == "int64" and dataset.features["sentiment"].dtype == "string"


def test_nested_fields_flatten_to_dotted_columns(tmp_path):
    config = dry_config(get_template("medical/clinical-notes"), **{"export.formats": ["table"], "count": 1})
    run_pipeline(config, tmp_path / "run")
    export_run(tmp_path / "run")
    frame = pd.read_parquet(tmp_path / "run" / "data" / "table.parquet")
    assert {"vitals.heart_rate", "vitals.temperature_c", "subjective", "plan"} <= set(frame)
    assert frame["vitals.temperature_c"].dtype == "float64"


# --------------------------------------------------------------------------- templates new


def test_schema_inference_types_required_keys_and_enums():
    rows = read_examples(TICKETS)
    assert len(rows) == 20
    schema = infer_schema(rows)
    props = schema["properties"]
    assert props["estimated_minutes"] == {"type": "integer"}
    assert props["priority"]["enum"] == ["high", "low", "medium", "urgent"]
    assert props["tags"] == {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 40}}
    assert "enum" not in props["body"]  # long free text is never an axis
    assert schema["required"] == list(rows[0])
    mixed = infer_schema([{"a": 1, "b": "x"}, {"a": 2.5}])
    assert mixed["properties"]["a"] == {"type": "number"} and mixed["required"] == ["a"]


def test_templates_new_builds_a_template_that_runs(tmp_path):
    result = runner.invoke(
        app,
        ["templates", "new", "tickets", "--domain", "support", "--from", str(TICKETS), "--to", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    path = tmp_path / "support" / "tickets.yaml"
    template = read_template(path)
    assert template.axes == ["product", "priority", "channel"]
    assert len(template.data["task"]["record_schema"]["examples"]) == 3
    listed = runner.invoke(app, ["templates", "list", "--dir", str(tmp_path)], env={"COLUMNS": "200"})
    assert "support/tickets" in listed.output and "user" in listed.output
    run = runner.invoke(
        app,
        [
            "run",
            "--template",
            str(path),
            "--count",
            "4",
            "--set",
            "generator.backend=dryrun",
            "--out",
            str(tmp_path / "run"),
        ],
    )
    assert run.exit_code == 0, run.output
    rows = [json.loads(x) for x in (tmp_path / "run" / "data" / "sft.jsonl").read_text().splitlines()]
    assert len(rows) == 4 and {r["priority"] for r in rows} <= {"high", "low", "medium", "urgent"}


def test_templates_new_from_a_template_keeps_its_validators(tmp_path):
    result = runner.invoke(
        app,
        [
            "templates",
            "new",
            "finance/statements",
            "--from-template",
            "financial/transactions",
            "--to",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    template = read_template(tmp_path / "finance" / "statements.yaml")
    assert template.data["verifiers"] == [{"name": "transactions_reconcile"}]
    again = runner.invoke(
        app,
        [
            "templates",
            "new",
            "finance/statements",
            "--from-template",
            "financial/transactions",
            "--to",
            str(tmp_path),
        ],
    )
    assert again.exit_code == 2 and "exists" in again.output


def test_user_templates_come_first_and_show_in_the_list(tmp_path, monkeypatch):
    data = infer_template(read_examples(TICKETS), "medical", "lab-reports", "my own lab reports")
    (tmp_path / "medical").mkdir()
    (tmp_path / "medical" / "lab-reports.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.setenv("SYNDGEN_TEMPLATES", str(tmp_path))
    template = get_template("medical/lab-reports")
    assert template.origin == "user" and template.description == "my own lab reports"
    with pytest.raises(InputError, match="did you mean 'medical/lab-reports'"):
        get_template("medical/lab-report")


# --------------------------------------------------------------------------- commands


def test_templates_list_and_show():
    listed = runner.invoke(app, ["templates", "list"], env={"COLUMNS": "220"})
    assert listed.exit_code == 0
    assert sum(t.name in listed.output for t in SHIPPED) == len(SHIPPED)
    shown = runner.invoke(app, ["templates", "show", "financial/transactions"])
    assert shown.exit_code == 0, shown.output
    head = yaml.safe_load(shown.output.split("─")[0])
    assert head["template"]["task"] == "transactions" and head["task"]["kind"] == "structured"
    assert head["verifiers"] == [{"name": "transactions_reconcile", "params": {}}]
    assert "prompt record" in shown.output and "prompt critic" in shown.output
    assert "opening balance plus the sum" in shown.output


@pytest.mark.parametrize(("quality", "threshold"), [(0.85, 5), (0.75, 4), (0.5, 3), (0.0, 1), (1.0, 5)])
def test_quality_threshold_maps_onto_the_critic_scale(quality, threshold):
    assert critic_threshold(quality) == threshold


def test_generate_is_run_template_in_the_platform_words(tmp_path):
    out = tmp_path / "run"
    result = runner.invoke(
        app,
        [
            "generate",
            "--domain",
            "legal",
            "--task",
            "case-summaries",
            "--count",
            "2",
            "--quality-threshold",
            "0.85",
            "--set",
            "generator.backend=dryrun",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    stored = yaml.safe_load((out / "config.yaml").read_text())
    assert stored["quality"]["threshold"] == 5 and stored["task"]["kind"] == "structured"
    assert stored["count"] == 2
    bad = runner.invoke(app, ["generate", "--domain", "legal", "--task", "nothing"])
    assert bad.exit_code == 2 and "unknown template 'legal/nothing'" in bad.output


def test_run_takes_a_config_or_a_template_not_both(tmp_path):
    neither = runner.invoke(app, ["run"])
    assert neither.exit_code == 2 and "--template" in neither.output
    config = tmp_path / "c.yaml"
    config.write_text("count: 1\n")
    both = runner.invoke(app, ["run", str(config), "--template", "hr/job-postings"])
    assert both.exit_code == 2


def test_a_plugin_adds_templates_through_its_entry_point(tmp_path):
    template = get_template("plugin/slogans")
    assert template.origin == "plugin:testplugin"
    result = run_pipeline(dry_config(template), tmp_path / "run")
    assert result.samples == 2


def test_a_template_file_without_its_block_is_refused(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "y.yaml").write_text("count: 1\n")
    with pytest.raises(Exception, match="not a template"):
        read_template(tmp_path / "x" / "y.yaml")
    shutil.rmtree(tmp_path / "x")
