"""Domain validators for medical and financial records (pure checks over the record object).

* ``soap_note``: the four SOAP sections are there, each a real sentence, none a copy of another;
  vital signs, where given, are within what a living patient shows.
* ``lab_ranges``: each result names a known analyte in one of its units, its value lies within
  the physiologically possible range, and its flag agrees with the stated reference range.
* ``transactions_reconcile``: ISO 4217 currency, dates within the statement period, and the
  opening balance plus the transactions equals the closing balance (to the cent).
* ``risk_assessment``: the rating is the band the score falls in, and the factors' weights sum to 1.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .domain_base import Problems, currency_problem, number, parse_date, text_of

SOAP_SECTIONS = ("subjective", "objective", "assessment", "plan")
VITALS = {
    "heart_rate": (20, 250),
    "systolic_bp": (50, 260),
    "diastolic_bp": (20, 160),
    "temperature_c": (30.0, 43.0),
    "respiratory_rate": (4, 60),
    "spo2": (50, 100),
}
ANALYTES: dict[str, tuple[tuple[str, ...], float, float]] = {
    "haemoglobin": (("g/dL",), 2.0, 25.0),
    "white cell count": (("10^9/L",), 0.1, 200.0),
    "platelets": (("10^9/L",), 1.0, 2000.0),
    "sodium": (("mmol/L",), 100.0, 180.0),
    "potassium": (("mmol/L",), 1.5, 9.0),
    "creatinine": (("umol/L", "mg/dL"), 10.0, 2000.0),
    "glucose": (("mmol/L",), 1.0, 60.0),
    "hba1c": (("%",), 3.0, 20.0),
    "alt": (("U/L",), 1.0, 5000.0),
    "tsh": (("mIU/L",), 0.001, 150.0),
    "cholesterol": (("mmol/L",), 1.0, 20.0),
    "crp": (("mg/L",), 0.0, 500.0),
}
"""Analyte -> (accepted units, lowest and highest value compatible with life)."""
_CREATININE_MG = (0.1, 25.0)
RISK_BANDS = (("low", 0, 33), ("medium", 34, 66), ("high", 67, 100))


def soap_note(note: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    problems = []
    sections = {name: text_of(note.get(name)).strip() for name in SOAP_SECTIONS}
    for name, text in sections.items():
        if len(text) < int(params.get("min_chars", 15)):
            problems.append(f"the {name} section is missing or too short")
    texts = [t.lower() for t in sections.values() if t]
    if len(set(texts)) < len(texts):
        problems.append("two SOAP sections have the same text")
    vitals = note.get("vitals") or {}
    for key, (low, high) in VITALS.items():
        value = number(vitals.get(key)) if isinstance(vitals, Mapping) else None
        if value is not None and not low <= value <= high:
            problems.append(f"vitals.{key} = {value:g} is outside {low}-{high}")
    return problems


def _lab_result(item: Mapping[str, Any]) -> Problems:
    analyte = text_of(item.get("analyte")).lower()
    value, unit = number(item.get("value")), item.get("unit")
    if analyte not in ANALYTES:
        return [f"unknown analyte {analyte!r}"]
    units, low, high = ANALYTES[analyte]
    if unit not in units:
        return [f"{analyte}: unit {unit!r} is not one of {', '.join(units)}"]
    if analyte == "creatinine" and unit == "mg/dL":
        low, high = _CREATININE_MG
    if value is None or not low <= value <= high:
        return [f"{analyte} = {value} {unit} is outside the physiological range {low:g}-{high:g}"]
    ref_low, ref_high = number(item.get("ref_low")), number(item.get("ref_high"))
    if ref_low is None or ref_high is None or ref_low >= ref_high:
        return [f"{analyte}: the reference range must be two numbers, low below high"]
    expected = "low" if value < ref_low else "high" if value > ref_high else "normal"
    flag = item.get("flag")
    if flag != expected:
        return [f"{analyte} = {value:g} against {ref_low:g}-{ref_high:g} is {expected}, flagged {flag!r}"]
    return []


def lab_ranges(report: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    results = report.get("results")
    if not isinstance(results, list) or not results:
        return ["the report has no results"]
    return [p for item in results if isinstance(item, Mapping) for p in _lab_result(item)]


def transactions_reconcile(statement: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    problems = [p for p in [currency_problem(statement.get("currency"))] if p]
    start, end = parse_date(statement.get("period_start")), parse_date(statement.get("period_end"))
    if start is None or end is None or start > end:
        problems.append("the statement period must be two ISO dates, start before end")
    total = 0.0
    for number_, item in enumerate(statement.get("transactions") or [], 1):
        amount = number(item.get("amount")) if isinstance(item, Mapping) else None
        if amount is None:
            problems.append(f"transaction {number_} has no numeric amount")
            continue
        total += amount
        when = parse_date(item.get("date"))
        if when is None or (start and end and not start <= when <= end):
            problems.append(f"transaction {number_} date {item.get('date')!r} is not within the period")
    opening, closing = number(statement.get("opening_balance")), number(statement.get("closing_balance"))
    if opening is None or closing is None:
        problems.append("opening_balance and closing_balance must be numbers")
    elif abs(opening + total - closing) > 0.005:
        problems.append(f"opening {opening:.2f} + transactions {total:.2f} != closing {closing:.2f}")
    return problems


def risk_assessment(assessment: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    problems = []
    score, rating = number(assessment.get("risk_score")), assessment.get("rating")
    band = next((name for name, low, high in RISK_BANDS if score is not None and low <= score <= high), None)
    if band is None:
        problems.append(f"risk_score {score} is not within 0-100")
    elif rating != band:
        problems.append(f"risk_score {score:g} is in the {band} band, rated {rating!r}")
    factors = assessment.get("factors") or []
    weights = [number(f.get("weight")) for f in factors if isinstance(f, Mapping)]
    if not weights or any(w is None for w in weights):
        problems.append("every factor needs a numeric weight")
    elif abs(sum(w for w in weights if w is not None) - 1.0) > 0.01:
        problems.append(f"the factor weights sum to {sum(w for w in weights if w is not None):.2f}, not 1")
    return problems
