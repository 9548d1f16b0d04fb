"""Named verifiers, and running a list of them over one record.

A verifier is any callable ``(record, params) -> VerifierResult``. ``record`` is a mapping with at
least ``question`` and ``answer`` and, where the task has them, ``reference_answer``, ``tests``,
``schema``...; ``params`` comes from the configuration. Built-ins: ``math``, ``code``, ``json``,
``regex``, ``exact``, and the domain validators of :data:`DOMAIN_CHECKS`. A user's own verifier
is named ``"package.module:function"``.

A verifier returns ``skipped`` when the record lacks its input (math with no reference). When it
raises, :func:`run_verifiers` records a ``fail`` with the error as detail and goes on, except for
:class:`~syndgen.errors.ConfigError`, which is a mistake in the configuration (an invalid schema or
pattern) that would fail every record, so it propagates.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from syndgen.errors import ConfigError
from syndgen.plugins import discovered, import_callable, load_callable

from . import domain_health_finance as health_finance
from . import domain_other as other
from .codecheck import verify_code
from .domain_base import domain_verifier
from .mathcheck import verify_math
from .params import check_builtin_params
from .result import VerifierResult
from .structure import verify_exact, verify_json, verify_regex

Verifier: TypeAlias = Callable[[Mapping[str, Any], Mapping[str, Any]], VerifierResult]

GROUP = "syndgen.verifiers"

_REGISTRY: dict[str, Verifier] = {}


def register(name: str, verifier: Verifier) -> Verifier:
    """Register ``verifier`` under ``name`` (replacing any earlier one); returns it unchanged."""
    if not name or ":" in name:
        raise ConfigError(f"invalid verifier name {name!r}", hint="use a plain name such as 'units'")
    _REGISTRY[name] = verifier
    return verifier


def registered() -> list[str]:
    """The verifier names a config may use: registered ones and the ``syndgen.verifiers``
    entry points of installed packages, sorted."""
    return sorted({*_REGISTRY, *discovered(GROUP)})


def _lookup(record: Mapping[str, Any], params: Mapping[str, Any], *keys: str) -> Any:
    """The first of ``params[key]`` then ``record[key]`` over ``keys`` that is not None."""
    for source in (params, record):
        for key in keys:
            if source.get(key) is not None:
                return source[key]
    return None


def _skipped(name: str, what: str) -> VerifierResult:
    return VerifierResult(name=name, status="skipped", detail=f"the record has no {what}")


def _answer(record: Mapping[str, Any]) -> str | None:
    answer = record.get("answer")
    return answer if isinstance(answer, str) else None


def math_verifier(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
    reference = _lookup(record, params, "reference", "reference_answer")
    answer = _answer(record)
    if reference is None or answer is None:
        return _skipped("math", "reference answer" if answer is not None else "answer")
    return verify_math(
        answer,
        str(reference),
        rel_tol=float(params.get("rel_tol", 1e-6)),
        strict=bool(params.get("strict", True)),
    )


def code_verifier(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
    tests = _lookup(record, params, "tests")
    answer = _answer(record)
    if tests is None or answer is None:
        return _skipped("code", "tests" if answer is not None else "answer")
    return verify_code(
        answer,
        str(tests),
        timeout_s=float(params.get("timeout_s", 5.0)),
        memory_mb=int(params.get("memory_mb", 256)),
    )


def json_verifier(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
    answer = _answer(record)
    if answer is None:
        return _skipped("json", "answer")
    return verify_json(answer, _lookup(record, params, "schema"))


def regex_verifier(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
    pattern = _lookup(record, params, "pattern")
    answer = _answer(record)
    if pattern is None or answer is None:
        return _skipped("regex", "pattern" if answer is not None else "answer")
    return verify_regex(
        answer,
        str(pattern),
        fullmatch=bool(params.get("fullmatch", False)),
        ignore_case=bool(params.get("ignore_case", False)),
    )


def exact_verifier(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
    expected = _lookup(record, params, "expected", "reference_answer")
    answer = _answer(record)
    if expected is None or answer is None:
        return _skipped("exact", "expected answer" if answer is not None else "answer")
    return verify_exact(answer, str(expected), normalise=bool(params.get("normalise", True)))


for _name, _verifier in (
    ("math", math_verifier),
    ("code", code_verifier),
    ("json", json_verifier),
    ("regex", regex_verifier),
    ("exact", exact_verifier),
):
    register(_name, _verifier)

DOMAIN_CHECKS = {
    "soap_note": health_finance.soap_note,
    "lab_ranges": health_finance.lab_ranges,
    "transactions_reconcile": health_finance.transactions_reconcile,
    "risk_assessment": health_finance.risk_assessment,
    "case_citation": other.case_citation,
    "clause_parties": other.clause_parties,
    "review_sentiment": other.review_sentiment,
    "product_listing": other.product_listing,
    "lesson_plan": other.lesson_plan,
    "answer_key": other.answer_key,
    "job_posting": other.job_posting,
    "incident_timeline": other.incident_timeline,
}
"""Domain validators of the shipped templates: each reads the record's JSON object."""
for _name, _check in DOMAIN_CHECKS.items():
    register(_name, domain_verifier(_name, _check))


_BUILTINS: dict[str, Verifier] = {
    "math": math_verifier,
    "code": code_verifier,
    "json": json_verifier,
    "regex": regex_verifier,
    "exact": exact_verifier,
}


def check_params(name: str, params: Mapping[str, Any]) -> None:
    """Refuse an unknown verifier or invalid params of a built-in one now, not on every record.

    Raises :class:`ConfigError` (``verifier 'NAME': problem``). A user verifier is imported (so a
    wrong module or function is caught) but its params are its own business.
    """
    verifier = resolve(name)
    if _BUILTINS.get(name) is not verifier:
        return
    try:
        check_builtin_params(name, params)
    except ConfigError as exc:
        raise ConfigError(f"verifier {name!r}: {exc.message}", hint=exc.hint) from None


def _import_callable(path: str) -> Verifier:
    found: Verifier = import_callable(path, "verifier", "(record, params) -> VerifierResult")
    return found


def resolve(name_or_path: str) -> Verifier:
    """A registered verifier by name, or a user callable named ``"package.module:function"``."""
    if ":" in name_or_path:
        return _import_callable(name_or_path)
    if name_or_path in _REGISTRY:
        return _REGISTRY[name_or_path]
    if name_or_path in discovered(GROUP):
        plugin: Verifier = load_callable(GROUP, name_or_path)
        return plugin
    close = difflib.get_close_matches(name_or_path, registered(), n=1)
    suggestion = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(
        f"unknown verifier {name_or_path!r}",
        hint=f"{suggestion}known: {', '.join(registered())}; or use 'package.module:function'",
    )


def run_verifiers(
    record: Mapping[str, Any], specs: Sequence[tuple[str, Mapping[str, Any]]]
) -> list[VerifierResult]:
    """Run each ``(name, params)`` verifier on ``record``, in order; one result per spec."""
    return [run_one(name, resolve(name), record, params) for name, params in specs]


def run_one(
    name: str, verifier: Verifier, record: Mapping[str, Any], params: Mapping[str, Any]
) -> VerifierResult:
    """Run one resolved verifier; what it raises (but ConfigError) becomes a ``fail`` named ``name``."""
    try:
        outcome = verifier(record, params)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - a verifier's own failure is this record's failure
        return VerifierResult(name=name, status="fail", detail=f"{type(exc).__name__}: {exc}")
    if not isinstance(outcome, VerifierResult):
        detail = f"returned {type(outcome).__name__}, expected a VerifierResult"
        return VerifierResult(name=name, status="fail", detail=detail)
    return outcome
