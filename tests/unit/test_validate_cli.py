"""`syndgen validate` end to end: text JSONL, a run folder, two CSV tables; its three outputs."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syndgen.cli import app
from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.run import run_pipeline
from syndgen.validation import load

runner = CliRunner()

TOPICS = {
    "cooking": ["simmer the {x} sauce slowly", "roast the {x} with garlic", "bake {x} bread at dawn"],
    "football": [
        "the {x} striker scored twice",
        "a {x} keeper saved the penalty",
        "fans cheered the {x} win",
    ],
    "astronomy": [
        "the {x} comet crossed the sky",
        "a {x} telescope found a planet",
        "stars of the {x} nebula",
    ],
}
OTHER = {
    "tax": ["file the {x} tax return early", "the {x} audit found an error", "deduct the {x} expense"],
    "knitting": ["knit a {x} scarf with wool", "purl the {x} row twice", "the {x} sweater needs buttons"],
}
WORDS = ["red", "quick", "small", "bright", "late", "northern"]


def _rows(topics):
    return [
        {"text": template.format(x=word), "label": topic}
        for topic, templates in topics.items()
        for template in templates
        for word in WORDS
    ]


def _write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def invoke(*args):
    return runner.invoke(app, ["validate", *[str(a) for a in args]])


def one_error_line(result, code):
    assert result.exit_code == code, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@pytest.fixture(scope="module")
def texts(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    real = _write_jsonl(root / "real.jsonl", _rows(TOPICS))
    other = _write_jsonl(root / "other.jsonl", _rows(OTHER))
    return root, real, other


def test_identical_sets_meet_the_bars_and_write_all_three_outputs(texts):
    root, real, _ = texts
    out_json, out_html = root / "same.json", root / "same.html"
    result = invoke(
        real, "--reference", real, "--label-field", "label", "--json", out_json, "--html", out_html
    )
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text())
    assert 0.0 <= report["overall"] <= 1.0
    m = report["metrics"]
    assert m["similarity"]["mauve"] > 0.99 and m["similarity"]["precision"] == 1.0
    assert m["coverage"]["share"] == 1.0 and m["privacy"]["exact_copies"] == 1.0
    assert m["utility"]["ratio"] >= 0.95 and report["verdict"]["passed"]
    assert report["scores"]["privacy"] == pytest.approx(0.0, abs=1e-6)
    assert set(report["settings"]["metrics"]) == {
        "similarity", "coverage", "diversity", "utility", "privacy", "bias"
    }  # fmt: skip
    assert "similarity.mauve" in report["definitions"] and "overall" in report["definitions"]
    html = out_html.read_text()
    assert html.count("<svg") >= 4
    assert not any(s in html for s in ("<script", 'src="http', 'href="http', "url(http", "<link"))
    assert "meets every measured bar" in result.output and "mauve" in result.output


def test_disjoint_sets_fail_similarity_and_coverage(texts):
    root, real, other = texts
    out = root / "disjoint.json"
    result = invoke(other, "--reference", real, "--metrics", "similarity,coverage,privacy", "--json", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["metrics"]["similarity"]["mauve"] < 0.2
    assert report["metrics"]["coverage"]["share"] < 0.5 and report["metrics"]["coverage"]["missed"]
    assert report["metrics"]["privacy"]["exact_copies"] == 0.0
    assert not report["verdict"]["passed"] and "similarity" in report["verdict"]["summary"]
    assert set(report["scores"]) == {"similarity", "coverage", "privacy"}


def test_a_duplicated_set_scores_low_on_diversity(texts):
    root, real, _ = texts
    rows = _rows(TOPICS)
    duplicated = _write_jsonl(root / "dup.jsonl", [rows[0]] * 20 + [rows[13]] * 16)
    out = root / "dup.json"
    result = invoke(duplicated, "--reference", real, "--metrics", "diversity,coverage", "--json", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    d = report["metrics"]["diversity"]
    assert d["synthetic"]["near_duplicate_rate"] == 1.0 and d["reference"]["near_duplicate_rate"] < 0.5
    assert d["synthetic"]["distinct_2"] < d["reference"]["distinct_2"]
    assert report["scores"]["diversity"] < 0.3 and report["metrics"]["coverage"]["share"] < 1.0


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    config = RunConfig(count=12, generator={"backend": "dryrun"}, dedup={"semantic_threshold": None})
    run_pipeline(config, root / "run")
    export_run(root / "run")
    return root / "run"


def test_a_run_folder_validates_against_a_reference_jsonl(run_folder, tmp_path):
    rows = [json.loads(line) for line in (run_folder / "data" / "sft.jsonl").read_text().splitlines()]
    reference = _write_jsonl(
        tmp_path / "ref.jsonl",
        [{"text": load.messages_text(r["messages"]), "topic": r["topic"]} for r in rows],
    )
    out_json, out_html = tmp_path / "r.json", tmp_path / "r.html"
    result = invoke(run_folder, "--reference", reference, "--json", out_json, "--html", out_html)
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text())
    assert report["synthetic"] == {"source": str(run_folder), "rows": 12}
    assert report["metrics"]["similarity"]["topic_shares"]["total_variation"] == 0.0
    assert report["metrics"]["privacy"]["exact_copies"] == 1.0
    assert "utility not measured: no --label-field" in report["notes"]
    assert 'data-plot="shares-topic"' in out_html.read_text()


@pytest.fixture(scope="module")
def tables(tmp_path_factory):
    from sklearn.datasets import load_wine

    root = tmp_path_factory.mktemp("tables")
    frame = load_wine(as_frame=True).frame
    real = frame.sample(frac=0.5, random_state=0)
    real.to_csv(root / "real.csv", index=False)
    frame.drop(real.index).to_csv(root / "synth.csv", index=False)
    shifted = frame.drop(real.index).copy()
    shifted[shifted.columns[:-1]] = shifted[shifted.columns[:-1]] * 5 + 100
    shifted.to_parquet(root / "shifted.parquet")
    return root


def test_two_csv_tables_run_sdmetrics_and_tstr(tables):
    out_json, out_html = tables / "t.json", tables / "t.html"
    result = invoke(
        tables / "synth.csv", "--reference", tables / "real.csv", "--label-field", "target",
        "--json", out_json, "--html", out_html,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(out_json.read_text())
    assert report["kind"] == "table"
    m = report["metrics"]
    assert m["quality"]["score"] > 0.8 and set(m["quality"]["properties"]) == {
        "Column Shapes", "Column Pair Trends"
    }  # fmt: skip
    assert m["utility"]["ratio"] > 0.9 and m["privacy"]["exact_copies"] == 0.0
    assert 0.0 < m["privacy"]["dcr_baseline_protection"] <= 1.0
    assert set(report["scores"]) == {"similarity", "coverage", "privacy", "utility"}
    assert 'data-plot="column-shapes"' in out_html.read_text()


def test_a_shifted_table_scores_worse_than_a_real_split(tables):
    out = tables / "s.json"
    result = invoke(tables / "shifted.parquet", "--reference", tables / "real.csv", "--json", out)
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["metrics"]["quality"]["score"] < 0.6 and report["metrics"]["coverage"]["share"] < 0.5
    identical = invoke(tables / "real.csv", "--reference", tables / "real.csv", "--json", tables / "i.json")
    assert identical.exit_code == 0
    same = json.loads((tables / "i.json").read_text())
    assert same["metrics"]["quality"]["score"] > 0.99 and same["metrics"]["privacy"]["exact_copies"] == 1.0


def test_user_mistakes_are_one_error_line(texts, tables, tmp_path):
    _, real, _ = texts
    line = one_error_line(invoke(tmp_path / "nope.jsonl", "--reference", real), 2)
    assert "does not exist" in line
    line = one_error_line(invoke(real, "--reference", real, "--metrics", "similarity,speed"), 2)
    assert "unknown metric 'speed'" in line
    line = one_error_line(invoke(real, "--reference", real, "--metrics", "utility"), 2)
    assert "--label-field" in line
    line = one_error_line(invoke(tables / "real.csv", "--reference", real), 2)
    assert "reads as a table" in line
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "a"}\nnot json\n')
    assert "bad.jsonl: line 2 is not valid JSON" in one_error_line(invoke(bad, "--reference", real), 2)
    small = _write_jsonl(tmp_path / "small.jsonl", _rows(TOPICS)[:3])
    assert "at least 10" in one_error_line(invoke(small, "--reference", real), 2)
    assert "is a folder" in one_error_line(invoke(real, "--reference", real, "--json", tmp_path), 2)


def test_sources_read_as_text_or_table(tmp_path):
    rows = [{"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]}]
    assert load.is_text(rows, None, False) and load.messages_text(rows[0]["messages"]) == "q"
    assert not load.is_text([{"a": 1}], None, False) and load.is_text([{"body": "x"}], "body", False)
    side = load.to_text_side("s", [{"body": "x", "y": 1}], text_field="body", messages=False, label_field="y")
    assert side.texts == ["x"] and side.labels == ["1"]
    from syndgen.errors import InputError

    with pytest.raises(InputError, match="row 1 has no usable 'text'"):
        load.to_text_side("s", [{"text": None}], text_field=None, messages=False, label_field=None)
    with pytest.raises(InputError, match="nested field 'a'"):
        load.to_frame("s", [{"a": [1]}])
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(InputError, match="unknown file type"):
        load.read_rows(tmp_path / "x.txt")
    with pytest.raises(InputError, match=r"neither data/sft\.jsonl"):
        load.read_rows(tmp_path)


def test_a_datasets_folder_is_read_as_the_synthetic_side(tmp_path):
    import datasets

    datasets.Dataset.from_list(_rows(TOPICS)[:4]).save_to_disk(str(tmp_path / "ds"))
    assert [r["label"] for r in load.read_rows(tmp_path / "ds")] == ["cooking"] * 4


def test_the_sdk_returns_the_report(texts):
    import syndgen

    _, real, other = texts
    report = syndgen.validate(other, real, metrics=["privacy", "bias"])
    assert (
        set(report["metrics"]) == {"privacy", "bias"} and report["metrics"]["privacy"]["near_copies"] == 0.0
    )


def test_a_run_config_naming_a_reference_shows_validation_in_the_card(tmp_path):
    reference = _write_jsonl(tmp_path / "ref.jsonl", _rows(TOPICS))
    config = RunConfig(
        count=10,
        generator={"backend": "dryrun"},
        dedup={"semantic_threshold": None},
        validation={"reference": str(reference)},
    )
    plain = RunConfig(count=10, generator={"backend": "dryrun"}, dedup={"semantic_threshold": None})
    assert config.config_hash() == plain.config_hash()  # validating changes no generated data
    run_pipeline(config, tmp_path / "run")
    export_run(tmp_path / "run", formats=["sft"], to=["jsonl"])
    card = (tmp_path / "run" / "README.md").read_text()
    assert "## Validation against real data" in card and "| similarity |" in card
    report = json.loads((tmp_path / "run" / "validation.json").read_text())
    assert f"overall score **{report['overall']:.3f}**" in card
    assert (tmp_path / "run" / "validation.html").read_text().count("<svg") >= 3


def test_a_reference_that_cannot_be_read_is_said_in_the_card(tmp_path):
    config = RunConfig(
        count=10, generator={"backend": "dryrun"}, validation={"reference": str(tmp_path / "missing.jsonl")}
    )
    run_pipeline(config, tmp_path / "run")
    export_run(tmp_path / "run", formats=["sft"], to=["jsonl"])
    card = (tmp_path / "run" / "README.md").read_text()
    assert "Not validated against" in card and "does not exist" in card
    assert not (tmp_path / "run" / "validation.json").exists()
