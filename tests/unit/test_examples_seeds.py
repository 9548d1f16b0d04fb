"""Seed example files: loading with a field mapping, clear errors, even exemplar rotation."""

from __future__ import annotations

import json
import random
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from syndgen.errors import ConfigError, InputError
from syndgen.seeds.examples import exemplars_for, load_examples, read_rows

ROWS = [
    {"prompt_col": "What is 2+2?", "response_col": "4", "extra": 1},
    {"prompt_col": "Capital of France?", "response_col": "Paris", "extra": 2},
]
MAPPING = {"question": "prompt_col", "answer": "response_col"}
EXPECTED = [
    {"question": "What is 2+2?", "answer": "4"},
    {"question": "Capital of France?", "answer": "Paris"},
]


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_csv(path, rows):
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(str(r[h]) for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_parquet(path, rows):
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


WRITERS = {"jsonl": write_jsonl, "csv": write_csv, "parquet": write_parquet}


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_each_format_loads_with_the_mapping(tmp_path, suffix):
    path = WRITERS[suffix](tmp_path / f"seeds.{suffix}", ROWS)
    assert load_examples(path, MAPPING) == EXPECTED


def test_without_mapping_rows_come_back_whole(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", ROWS)
    assert load_examples(path) == ROWS


def test_jsonl_skips_blank_lines_and_reads_a_bom(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text(
        "\ufeff" + json.dumps(ROWS[0]) + "\n\n   \n" + json.dumps(ROWS[1]) + "\n", encoding="utf-8"
    )
    assert load_examples(path, MAPPING) == EXPECTED


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_missing_mapped_column_names_file_column_and_existing_columns(tmp_path, suffix):
    path = WRITERS[suffix](tmp_path / f"seeds.{suffix}", ROWS)
    with pytest.raises(InputError) as info:
        load_examples(path, {"question": "prompt_col", "answer": "reply"})
    message = str(info.value)
    assert str(path) in message
    assert "'reply'" in message
    for column in ("prompt_col", "response_col", "extra"):
        assert column in message


def test_column_missing_from_one_jsonl_row_names_the_row(tmp_path):
    path = write_jsonl(tmp_path / "seeds.jsonl", [ROWS[0], {"prompt_col": "only a prompt"}])
    with pytest.raises(InputError, match=r"'response_col' not found \(row 2\)"):
        load_examples(path, MAPPING)


@pytest.mark.parametrize("suffix", ["jsonl", "csv", "parquet"])
def test_empty_file_is_an_error(tmp_path, suffix):
    path = tmp_path / f"empty.{suffix}"
    if suffix == "jsonl":
        path.write_text("\n\n", encoding="utf-8")
    elif suffix == "csv":
        path.write_text("prompt_col,response_col\n", encoding="utf-8")
    else:
        pq.write_table(pa.table({"prompt_col": pa.array([], pa.string())}), path)
    with pytest.raises(InputError, match="no rows") as info:
        load_examples(path, MAPPING)
    assert str(path) in str(info.value)


def test_bad_json_line_is_named(tmp_path):
    path = tmp_path / "seeds.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2 is not valid JSON"):
        read_rows(path)
    path.write_text("[1, 2]\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1 is a JSON list"):
        read_rows(path)


def test_unsupported_missing_and_corrupt_files(tmp_path):
    with pytest.raises(InputError, match=r"unsupported example file type '\.txt'"):
        read_rows(tmp_path / "seeds.txt")
    with pytest.raises(InputError, match="not found"):
        read_rows(tmp_path / "absent.jsonl")
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not a parquet file at all")
    with pytest.raises(InputError, match="not a readable Parquet file"):
        read_rows(broken)


# --------------------------------------------------------------------------- exemplar rotation


@pytest.mark.parametrize("k, n", [(1, 1), (1, 7), (2, 5), (3, 3), (4, 10), (5, 12)])
def test_exemplars_are_even_over_every_prefix(k, n):
    counts = Counter({i: 0 for i in range(n)})
    for index in range(5 * n + 13):
        picked = exemplars_for(index, k, n, seed=9)
        assert len(picked) == k and len(set(picked)) == k
        assert all(0 <= i < n for i in picked)
        counts.update(picked)
        assert max(counts.values()) - min(counts.values()) <= 1, (index, counts)


def test_exemplars_are_a_pure_function_of_the_index():
    order = list(range(200))
    random.Random(1).shuffle(order)
    sequential = [exemplars_for(i, 3, 8, seed=2) for i in range(200)]
    assert all(exemplars_for(i, 3, 8, seed=2) == sequential[i] for i in order)
    assert sequential != [exemplars_for(i, 3, 8, seed=3) for i in range(200)]


def test_exemplar_arguments_are_checked():
    assert exemplars_for(5, 0, 3) == []
    with pytest.raises(ConfigError, match="3 distinct examples out of 2"):
        exemplars_for(0, 3, 2)
    with pytest.raises(ConfigError, match="at least one example"):
        exemplars_for(0, 1, 0)
