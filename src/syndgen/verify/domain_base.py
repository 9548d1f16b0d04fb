"""What every domain validator shares: reading the record object, and turning the problems a
check found into one :class:`VerifierResult` (pure).

A domain check is ``(record_object, params) -> list of problems``; :func:`domain_verifier` makes
it a verifier: ``skipped`` when the answer holds no JSON object (the schema check rejects that
first), ``fail`` with the first problems as the detail, else ``pass``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from syndgen.structured import read_object

from .result import VerifierResult

Problems = list[str]
DomainCheck = Callable[[Mapping[str, Any], Mapping[str, Any]], Problems]

_CODES = (
    "AED ARS AUD BDT BGN BHD BRL CAD CHF CLP CNY COP CZK DKK EGP EUR GBP GHS HKD HUF IDR ILS INR "
    "ISK JOD JPY KES KRW KWD LKR MAD MXN MYR NGN NOK NZD OMR PEN PHP PKR PLN QAR RON RSD RUB SAR "
    "SEK SGD THB TND TRY TWD TZS UAH UGX USD UYU VND XAF XOF ZAR"
)
ISO_4217 = frozenset(_CODES.split())
"""ISO 4217 codes of the currencies in everyday use (a record with another code fails)."""


def domain_verifier(
    name: str, check: DomainCheck
) -> Callable[[Mapping[str, Any], Mapping[str, Any]], VerifierResult]:
    def verifier(record: Mapping[str, Any], params: Mapping[str, Any]) -> VerifierResult:
        answer = record.get("answer")
        value = read_object(answer) if isinstance(answer, str) else None
        if value is None:
            return VerifierResult(name=name, status="skipped", detail="the answer holds no JSON object")
        problems = check(value, params)
        if problems:
            more = f" (and {len(problems) - 2} more)" if len(problems) > 2 else ""
            return VerifierResult(name=name, status="fail", detail="; ".join(problems[:2]) + more)
        return VerifierResult(name=name, status="pass", detail=f"{name}: every check holds")

    verifier.__name__ = f"{name}_verifier"
    return verifier


def number(value: Any) -> float | None:
    """``value`` as a number, or None (a bool is not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def parse_date(value: Any) -> date | None:
    """An ISO date (``2024-03-01``) or date-time, or None."""
    if not isinstance(value, str):
        return None
    try:
        return (
            datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            if "T" in value
            else date.fromisoformat(value)
        )
    except ValueError:
        return None


def parse_datetime(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def currency_problem(code: Any, where: str = "currency") -> str | None:
    if not isinstance(code, str) or code not in ISO_4217:
        return f"{where} {code!r} is not an ISO 4217 currency code"
    return None


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else ""


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())
