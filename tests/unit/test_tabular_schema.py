"""Column typing, the schema file and the identifier guard."""

import pandas as pd
import pytest

from syndgen.errors import ConfigError, InputError
from syndgen.tabular.schema import identifier_reason, load_schema_file, name_tokens, resolve_schema


@pytest.fixture
def frame():
    n = 40
    return pd.DataFrame(
        {
            "age": [20 + (i * 7) % 50 for i in range(n)],
            "income": [1000.5 + i * 13.25 for i in range(n)],
            "sex": ["F", "M"] * (n // 2),
            "smoker": [i % 3 == 0 for i in range(n)],
            "visits": [i % 4 for i in range(n)],
            "seen": pd.date_range("2024-01-01", periods=n, freq="D"),
        }
    )


def test_types_are_inferred_from_dtypes_and_distinct_counts(frame):
    schema = resolve_schema(frame)
    assert {c.name: c.type for c in schema.columns} == {
        "age": "integer",
        "income": "float",
        "sex": "categorical",
        "smoker": "categorical",
        "visits": "categorical",  # few distinct integers
        "seen": "datetime",
    }


@pytest.mark.parametrize(
    ("name", "values", "why"),
    [
        ("patientId", [1.5] * 30, "its name ('id')"),
        ("E-Mail", ["x"] * 30, "its name ('mail')"),
        ("full_name", ["x"] * 30, "its name ('name')"),
        ("contact", [f"user{i}@example.org" for i in range(30)], "email addresses"),
        ("code", [f"K{i:04d}" for i in range(30)], "distinct string"),
        ("row", list(range(100, 130)), "run of distinct integers"),
    ],
)
def test_identifier_looking_columns_are_refused_unless_marked(frame, name, values, why):
    data = frame.iloc[:30].assign(**{name: values})
    assert why in identifier_reason(name, data[name])
    with pytest.raises(InputError, match=f"column '{name}' looks like a direct identifier") as err:
        resolve_schema(data)
    assert f"--drop {name}" in str(err.value)
    assert resolve_schema(data, drop=[name]).dropped == [name]


def test_ordinary_columns_are_not_identifiers(frame):
    assert all(identifier_reason(c, frame[c]) is None for c in frame.columns)
    assert name_tokens("widthInMM") == ["width", "in", "mm"]  # 'width' is not 'id'


def test_a_schema_file_sets_types_bounds_and_categories(frame, tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text(
        "columns:\n"
        "  age: {type: integer, bounds: [18, 90], bins: 8}\n"
        "  sex: {type: categorical, categories: [F, M, X]}\n"
        "  seen: {type: datetime, bounds: ['2024-01-01', '2024-12-31']}\n"
        "  income: identifier\n"
    )
    schema = resolve_schema(frame, load_schema_file(path))
    by_name = {c.name: c for c in schema.columns}
    assert by_name["age"].bounds == (18.0, 90.0) and by_name["age"].bins == 8
    assert by_name["sex"].categories == ("F", "M", "X")
    assert by_name["seen"].bounds == (1704067200.0, 1735603200.0)
    assert schema.dropped == ["income"] and "income" not in [c.name for c in schema.kept]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("columns:\n  age: number\n", "type must be one of"),
        ("columns:\n  age: {type: integer, bounds: [9, 1]}\n", "low < high"),
        ("columns:\n  age: {type: integer, bins: 1}\n", "bins must be an integer from 2 to 64"),
        ("columns:\n  sex: {type: categorical, bounds: [0, 1]}\n", "bounds and bins are for"),
        ("columns:\n  age: {type: integer, colour: red}\n", "unknown key 'colour'"),
        ("age: integer\n", "one key, 'columns'"),
        ("columns: [\n", "not valid YAML"),
    ],
)
def test_bad_schema_files_are_one_clear_error(tmp_path, text, message):
    path = tmp_path / "schema.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_schema_file(path)


def test_a_schema_column_the_table_lacks_is_named(frame, tmp_path):
    path = tmp_path / "schema.yaml"
    path.write_text("columns:\n  postcode: categorical\n")
    with pytest.raises(InputError, match="the schema names column 'postcode'"):
        resolve_schema(frame, load_schema_file(path))
    with pytest.raises(InputError, match="schema file not found"):
        load_schema_file(tmp_path / "missing.yaml")
