"""Structured records: the lenient read, the schema error as the rejection detail, schemas from
pydantic models, the grammar from the schema, and the format each backend is asked for."""

from pathlib import Path

import pytest

from syndgen.api import inspect_run
from syndgen.backends.base import Capabilities
from syndgen.config import RunConfig, load_config
from syndgen.errors import ConfigError
from syndgen.runner.run import run_pipeline
from syndgen.shapes import SHAPES, ShapeRequest
from syndgen.steps.shaped import request_format
from syndgen.store import RunStore
from syndgen.structured import (
    flatten,
    parse_record,
    read_object,
    record_problem,
    resolve_schema,
    schema_grammar,
)

SCHEMA = {
    "type": "object",
    "properties": {"test": {"type": "string"}, "value": {"type": "number"}},
    "required": ["test", "value"],
    "additionalProperties": False,
}


@pytest.mark.parametrize(
    "reply",
    [
        '<think>a lab value</think>\n{"test": "sodium", "value": 140}',
        'Here it is:\n```json\n{"test": "sodium", "value": 140,}\n```',
        'The record is {"test": "sodium", "value": 140} as asked.',
    ],
)
def test_the_object_is_read_leniently(reply):
    assert read_object(reply) == {"test": "sodium", "value": 140}
    assert parse_record(reply, {"schema": SCHEMA}) == '{"test": "sodium", "value": 140}'


def test_a_nonconforming_object_names_the_schema_error():
    assert parse_record('{"test": "sodium", "value": "high"}', {"schema": SCHEMA}) is None
    problem = record_problem('{"test": "sodium", "value": "high"}', SCHEMA)
    assert problem == "schema violation at /value: 'high' is not of type 'number'"
    assert record_problem("no object", SCHEMA) == "no JSON object in the reply"
    assert "(and 1 more)" in record_problem('{"value": "x"}', SCHEMA)


def structured(tmp_path: Path, example: dict, **task) -> RunConfig:
    schema = {**SCHEMA, "examples": [example]}
    return RunConfig.model_validate(
        {
            "count": 1,
            "max_attempts": 2,
            "task": {"kind": "structured", "topics": ["sodium"], "record_schema": schema, **task},
            "generator": {"backend": "dryrun"},
        }
    )


def test_an_invalid_object_is_rejected_with_the_schema_error_as_detail(tmp_path):
    config = structured(tmp_path, {"test": "sodium", "value": "high"})
    result = run_pipeline(config, tmp_path / "run")
    assert result.samples == 0
    store = RunStore.open_existing(tmp_path / "run")
    rejections = [r for o in store.outcomes() for r in o.rejections]
    assert {r.reason for r in rejections} == {"schema_invalid"}
    assert rejections[0].detail.startswith("schema violation at /value: '")
    assert rejections[0].detail.endswith("high' is not of type 'number'")


def test_a_valid_object_is_kept_with_its_reasoning(tmp_path):
    result = run_pipeline(structured(tmp_path, {"test": "sodium", "value": 140}), tmp_path / "run")
    assert result.samples == 1
    sample = next(o.sample for o in RunStore.open_existing(tmp_path / "run").outcomes() if o.sample)
    assert sample.attempt.reasoning.startswith("Dry run")
    assert sample.attempt.shape == "constrained"
    assert read_object(sample.attempt.answer)["value"] == 140
    assert inspect_run(tmp_path / "run")["samples"] == 1


def test_a_pydantic_model_names_the_schema():
    schema = resolve_schema("syndgen.records:Usage")
    assert schema["type"] == "object" and "prompt_tokens" in schema["properties"]
    with pytest.raises(ConfigError, match="not a pydantic model"):
        resolve_schema("syndgen.structured:canonical")
    with pytest.raises(ConfigError, match="type: object"):
        resolve_schema({"type": "string"})


def test_the_config_refuses_a_structured_task_without_a_schema(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("task: {kind: structured}\n")
    with pytest.raises(ConfigError, match=r"needs task\.record_schema"):
        load_config(path)
    path.write_text("task: {kind: structured, record_schema: {type: object, properties: 3}}\n")
    with pytest.raises(ConfigError, match="invalid JSON schema at /properties"):
        load_config(path)


def test_the_grammar_from_the_schema_is_one_llama_cpp_accepts():
    rules = schema_grammar({**SCHEMA, "properties": {**SCHEMA["properties"], "title": {"type": "string"}}})
    assert rules.count("answer ::=") == 1 and "root" not in rules
    assert "title-kv" in rules  # a property named like an annotation is kept
    from llama_cpp import LlamaGrammar

    LlamaGrammar.from_string("root ::= answer\n" + rules, verbose=False)


class _Backend:
    def __init__(self, caps: Capabilities) -> None:
        self.capabilities = caps


def test_each_backend_gets_the_record_schema_its_way():
    request = ShapeRequest(SHAPES["record"], "answer ::= x\n", {"schema": SCHEMA}, json_schema=SCHEMA)
    http = request_format(_Backend(Capabilities(structured_output=True)), request, think=True)
    assert http is not None and http.kind == "json" and http.schema_ == SCHEMA
    embedded = request_format(_Backend(Capabilities(grammar=True)), request, think=True)
    assert embedded is not None and embedded.kind == "think" and embedded.grammar == "answer ::= x\n"
    assert request_format(_Backend(Capabilities()), request, think=True) is None  # parse and repair


def test_flatten_gives_one_column_per_field():
    row = flatten({"a": 1, "b": {"c": "x", "d": [1, 2]}, "e": [{"f": 1}]})
    assert row == {"a": 1, "b.c": "x", "b.d": [1, 2], "e": '[{"f": 1}]'}
