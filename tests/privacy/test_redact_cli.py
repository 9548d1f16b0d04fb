"""``syndgen redact`` on JSONL, CSV and Parquet (chat messages included), and bad input: one line,
a non-zero exit, no output file."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from syndgen.cli import app

ROWS = [
    {
        "id": "a",
        "messages": [
            {"role": "user", "content": "I am Maria Gonzalez, my card is 4111 1111 1111 1111."},
            {"role": "assistant", "content": "Thank you, I have noted the card."},
        ],
    },
    {"id": "b", "messages": [{"role": "user", "content": "Email me at j.doe1984@hotmail.com please."}]},
    {"id": "c", "messages": [{"role": "user", "content": "What is the refund policy?"}]},
]


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["redact", *args])
    return result.exit_code, result.output


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_jsonl_chat_messages_are_masked_and_counted(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    code, output = run(str(write_jsonl(tmp_path / "in.jsonl", ROWS)), "--out", str(out))
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]["messages"][0] == {"role": "user", "content": "I am <PERSON>, my card is <CREDIT_CARD>."}
    assert rows[1]["messages"][0]["content"] == "Email me at <EMAIL_ADDRESS> please."
    assert rows[2] == ROWS[2]
    assert "CREDIT_CARD 1" in output and "EMAIL_ADDRESS 1" in output and "PERSON 1" in output
    assert "3 rows read" in output


def test_drop_leaves_out_rows_with_pii_and_report_writes_nothing(tmp_path: Path):
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    out = tmp_path / "kept.jsonl"
    assert run(str(source), "--out", str(out), "--mode", "drop")[0] == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["c"]
    code, output = run(str(source), "--mode", "report", "--out", str(tmp_path / "none.jsonl"))
    assert code == 0 and "3 found" in output
    assert not (tmp_path / "none.jsonl").exists()


def test_csv_with_chosen_fields_and_pseudonyms(tmp_path: Path, key_file: Path):
    source = tmp_path / "in.csv"
    with source.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, ["name", "note"])
        writer.writeheader()
        writer.writerow({"name": "Maria Gonzalez", "note": "Maria Gonzalez called from (415) 555-0132."})
        writer.writerow({"name": "Maria Gonzalez", "note": "No change."})
    out, again = tmp_path / "out.csv", tmp_path / "again.csv"
    options = ["--mode", "pseudonymise", "--fields", "note", "--key-file", str(key_file)]
    code, output = run(str(source), "--out", str(out), *options)
    assert code == 0, output
    rows = list(csv.DictReader(out.open()))
    assert [r["name"] for r in rows] == ["Maria Gonzalez", "Maria Gonzalez"]  # not a chosen field
    assert "Maria Gonzalez" not in rows[0]["note"] and "555-0132" not in rows[0]["note"]
    run(str(source), "--out", str(again), *options)
    assert again.read_text() == out.read_text()  # the same key, the same surrogates


def test_parquet_with_nested_messages(tmp_path: Path):
    source = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), source)
    out = tmp_path / "out.parquet"
    code, output = run(str(source), "--out", str(out), "--entities", "PERSON,CREDIT_CARD")
    assert code == 0, output
    rows = pq.read_table(out).to_pylist()
    assert rows[0]["messages"][0]["content"] == "I am <PERSON>, my card is <CREDIT_CARD>."
    assert rows[1]["messages"][0]["content"] == ROWS[1]["messages"][0]["content"]  # emails not asked for


def one_error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, output
    return lines[0]


def test_an_unknown_entity_type_is_one_line_naming_the_allowed_ones(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    code, output = run(
        str(write_jsonl(tmp_path / "in.jsonl", ROWS)), "--out", str(out), "--entities", "PERSN"
    )
    assert code == 2
    line = one_error_line(output)
    assert (
        "unknown PII entity type 'PERSN'" in line and "did you mean 'PERSON'" in line and "IBAN_CODE" in line
    )
    assert not out.exists()


def test_a_threshold_out_of_range_is_one_line_naming_the_option(tmp_path: Path):
    out = tmp_path / "out.jsonl"
    code, output = run(str(write_jsonl(tmp_path / "in.jsonl", ROWS)), "--out", str(out), "--threshold", "1.5")
    assert code == 2
    assert one_error_line(output) == "error: --threshold: Input should be less than or equal to 1"
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_one_line_and_no_output_unprivileged(tmp_path: Path):
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    source.chmod(0)
    out = tmp_path / "out.jsonl"
    code, output = run(str(source), "--out", str(out))
    assert code == 2 and "cannot read" in one_error_line(output) and not out.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        ("not json\n", "line 1 is not valid JSON"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        ("folder", "is a folder"),
    ],
)
def test_unreadable_input_is_one_line_and_no_output(tmp_path: Path, content, expected):
    source = tmp_path / "in.jsonl"
    if content == "folder":
        source.mkdir()
    elif isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content)
    out = tmp_path / "out.jsonl"
    code, output = run(str(source), "--out", str(out))
    assert code == 2
    assert expected in one_error_line(output)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == ([source] if content is not None else [])


def test_a_failed_write_leaves_nothing_behind(tmp_path: Path):
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, output = run(str(source), "--out", str(blocker / "out.jsonl"))
    assert code == 2 and "cannot write" in one_error_line(output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "in.jsonl"]
