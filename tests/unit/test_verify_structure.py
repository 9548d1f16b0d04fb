import pytest

from syndgen.errors import ConfigError
from syndgen.verify.structure import extract_json, normalise_text, verify_exact, verify_json, verify_regex

PERSON = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
    "required": ["name", "age"],
}


def test_extract_json_from_plain_text():
    assert extract_json('{"a": 1}') == {"a": 1}
    assert extract_json("[1, 2]") == [1, 2]


def test_extract_json_prefers_a_fenced_block():
    text = 'Here you go:\n```json\n{"name": "Ada", "age": 36}\n```\nAnything else?'
    assert extract_json(text) == {"name": "Ada", "age": 36}


def test_extract_json_from_an_untagged_fence():
    assert extract_json("```\n[1, 2, 3]\n```") == [1, 2, 3]


def test_extract_json_embedded_in_prose():
    assert extract_json('The record is {"a": [1, 2]} as requested.') == {"a": [1, 2]}


def test_extract_json_skips_brackets_that_are_not_json():
    assert extract_json('Use [this] format: {"ok": true}') == {"ok": True}


def test_extract_json_failure_names_the_problem():
    with pytest.raises(ValueError, match="invalid JSON"):
        extract_json('{"a": 1,}')
    with pytest.raises(ValueError, match="invalid JSON"):
        extract_json("no json here")


def test_verify_json_without_schema():
    assert verify_json('{"a": 1}').status == "pass"
    result = verify_json('{"a": }')
    assert (result.name, result.status) == ("json", "fail")
    assert "invalid JSON" in result.detail


def test_verify_json_conforming_to_schema():
    result = verify_json('```json\n{"name": "Ada", "age": 36}\n```', PERSON)
    assert result.status == "pass"
    assert "conforms" in result.detail


def test_verify_json_schema_violation_names_the_location():
    result = verify_json('{"name": "Ada", "age": -1}', PERSON)
    assert result.status == "fail"
    assert "at /age" in result.detail
    assert "minimum" in result.detail or "less than" in result.detail


def test_verify_json_missing_property_counts_all_errors():
    result = verify_json('{"age": "old"}', PERSON)
    assert result.status == "fail"
    assert "(and 1 more)" in result.detail


def test_verify_json_invalid_schema_is_a_config_error():
    with pytest.raises(ConfigError, match="JSON schema is invalid"):
        verify_json("{}", {"type": "no-such-type"})


def test_verify_regex_search_and_fullmatch():
    assert verify_regex("The code is AB-123.", r"[A-Z]{2}-\d{3}").status == "pass"
    assert verify_regex("The code is AB-123.", r"[A-Z]{2}-\d{3}", fullmatch=True).status == "fail"
    assert verify_regex("  AB-123\n", r"[A-Z]{2}-\d{3}", fullmatch=True).status == "pass"


def test_verify_regex_ignore_case_and_detail():
    assert verify_regex("YES", "yes").status == "fail"
    result = verify_regex("YES", "yes", ignore_case=True)
    assert (result.name, result.status) == ("regex", "pass")
    assert "'yes'" in result.detail


def test_verify_regex_invalid_pattern_is_a_config_error():
    with pytest.raises(ConfigError, match="invalid regular expression"):
        verify_regex("x", "(unclosed")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Paris.", "paris"),
        ('  "Paris"  ', "Paris"),
        ("New   York", "new york"),
        ("ＡＢＣ", "abc"),
        ("Yes!", "yes"),
    ],
)
def test_verify_exact_normalised(text, expected):
    assert verify_exact(text, expected).status == "pass"


def test_verify_exact_differs():
    result = verify_exact("Lyon", "Paris")
    assert (result.name, result.status) == ("exact", "fail")
    assert "'Lyon'" in result.detail and "'Paris'" in result.detail


def test_verify_exact_without_normalising_is_strict():
    assert verify_exact("Paris.", "Paris", normalise=False).status == "fail"
    assert verify_exact("Paris", "Paris", normalise=False).status == "pass"


def test_normalise_text():
    assert normalise_text("  Hello,   WORLD!! ") == "hello, world"
