import sys
import textwrap

import pytest

from syndgen.errors import ConfigError
from syndgen.verify import registry
from syndgen.verify.registry import register, registered, resolve, run_one, run_verifiers
from syndgen.verify.result import VerifierResult, summarise


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """A user's own verifier module, importable as ``myverifiers``."""
    (tmp_path / "myverifiers.py").write_text(
        textwrap.dedent(
            """
            from syndgen.verify import VerifierResult

            def shouty(record, params):
                ok = record["answer"].isupper() == params.get("upper", True)
                return VerifierResult(name="shouty", status="pass" if ok else "fail")

            class Nested:
                @staticmethod
                def check(record, params):
                    return VerifierResult(name="nested", status="pass")

            NOT_CALLABLE = 3

            def broken(record, params):
                raise RuntimeError("the checker crashed")

            def wrong_type(record, params):
                return "pass"
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "myverifiers"
    sys.modules.pop("myverifiers", None)


def test_builtins_are_registered():
    assert {"math", "code", "json", "regex", "exact"} <= set(registered())


def test_resolve_builtin_by_name():
    assert resolve("math") is registry.math_verifier


def test_resolve_unknown_name_suggests_the_closest():
    with pytest.raises(ConfigError) as info:
        resolve("maths")
    assert "unknown verifier 'maths'" in str(info.value)
    assert "did you mean 'math'?" in str(info.value)


def test_resolve_user_callable(user_module):
    verifier = resolve(f"{user_module}:shouty")
    assert verifier({"answer": "HI"}, {}).status == "pass"
    assert resolve(f"{user_module}:Nested.check")({}, {}).name == "nested"


def test_resolve_missing_module_names_problem_and_fix():
    with pytest.raises(ConfigError) as info:
        resolve("no_such_module_xyz:check")
    assert "cannot import module 'no_such_module_xyz'" in info.value.message
    assert "PYTHONPATH" in (info.value.hint or "")


def test_resolve_missing_attribute(user_module):
    with pytest.raises(ConfigError) as info:
        resolve(f"{user_module}:nope")
    assert "has no attribute 'nope'" in info.value.message
    assert "define nope(record, params)" in (info.value.hint or "")


def test_resolve_not_callable(user_module):
    with pytest.raises(ConfigError, match="is a int, not a callable"):
        resolve(f"{user_module}:NOT_CALLABLE")


@pytest.mark.parametrize("bad", ["module:", ":function"])
def test_resolve_malformed_path(bad):
    with pytest.raises(ConfigError, match=r"package\.module:function"):
        resolve(bad)


def test_register_a_custom_verifier(monkeypatch):
    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))

    def always(record, params):
        return VerifierResult(name="always", status="pass")

    assert register("always", always) is always
    assert resolve("always") is always
    with pytest.raises(ConfigError):
        register("a:b", always)


def test_run_verifiers_in_order_with_params():
    record = {"question": "2+2?", "answer": "The answer is 4.", "reference_answer": "4"}
    specs = [("math", {}), ("regex", {"pattern": r"answer is \d"}), ("exact", {"expected": "4"})]
    results = run_verifiers(record, specs)
    assert [(r.name, r.status) for r in results] == [("math", "pass"), ("regex", "pass"), ("exact", "fail")]


def test_missing_inputs_are_skipped():
    record = {"question": "q", "answer": "a"}
    results = run_verifiers(record, [("math", {}), ("code", {}), ("regex", {}), ("exact", {})])
    assert [r.status for r in results] == ["skipped"] * 4
    assert results[0].detail == "the record has no reference answer"
    assert results[1].detail == "the record has no tests"


def test_a_record_without_an_answer_is_skipped():
    results = run_verifiers({"question": "q", "reference_answer": "1"}, [("math", {}), ("json", {})])
    assert [(r.status, r.detail) for r in results] == [("skipped", "the record has no answer")] * 2


def test_params_override_the_record():
    record = {"question": "q", "answer": "5", "reference_answer": "4"}
    assert run_verifiers(record, [("math", {"reference": "5"})])[0].status == "pass"


def test_a_verifier_that_raises_becomes_a_failure(user_module):
    results = run_verifiers({"answer": "x"}, [(f"{user_module}:broken", {}), ("exact", {"expected": "x"})])
    assert (results[0].name, results[0].status) == (f"{user_module}:broken", "fail")
    assert results[0].detail == "RuntimeError: the checker crashed"
    assert results[1].status == "pass"


def test_a_verifier_returning_the_wrong_type_fails(user_module):
    [result] = run_verifiers({"answer": "x"}, [(f"{user_module}:wrong_type", {})])
    assert result.status == "fail"
    assert "returned str" in result.detail


def test_run_one_names_a_crash_after_the_spec(user_module):
    verifier = resolve(f"{user_module}:broken")
    result = run_one("my-check", verifier, {"answer": "x"}, {})
    assert (result.name, result.status, result.detail) == (
        "my-check",
        "fail",
        "RuntimeError: the checker crashed",
    )
    assert run_one("math", resolve("math"), {"answer": "4", "reference_answer": "4"}, {}).status == "pass"


def test_config_errors_propagate():
    with pytest.raises(ConfigError, match="invalid regular expression"):
        run_verifiers({"answer": "x"}, [("regex", {"pattern": "("})])
    with pytest.raises(ConfigError, match="unknown verifier"):
        run_verifiers({"answer": "x"}, [("nope", {})])


def test_json_verifier_uses_the_schema_from_params():
    schema = {"type": "array", "items": {"type": "integer"}}
    assert run_verifiers({"answer": "[1, 2]"}, [("json", {"schema": schema})])[0].status == "pass"
    assert run_verifiers({"answer": '["a"]'}, [("json", {"schema": schema})])[0].status == "fail"


def test_code_verifier_runs_the_tests_from_the_record():
    record = {"answer": "```python\ndef sq(x):\n    return x * x\n```", "tests": "assert sq(3) == 9\n"}
    [result] = run_verifiers(record, [("code", {"timeout_s": 5})])
    assert (result.name, result.status) == ("code", "pass")


def test_summarise():
    results = [
        VerifierResult(name="math", status="pass", detail="ok"),
        VerifierResult(name="json", status="skipped"),
    ]
    assert summarise(results) == {
        "math": {"status": "pass", "detail": "ok"},
        "json": {"status": "skipped", "detail": ""},
    }


def test_verifier_result_is_frozen_and_strict():
    result = VerifierResult(name="x", status="pass")
    assert result.passed
    with pytest.raises(ValueError):
        VerifierResult(name="x", status="maybe")
    with pytest.raises(ValueError):
        result.status = "fail"
