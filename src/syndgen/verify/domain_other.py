"""Domain validators for legal, e-commerce, education, HR and security records (pure checks).

* ``case_citation``: a known jurisdiction, a citation in that jurisdiction's shape, and the
  decision year in the citation no later than this year.
* ``clause_parties``: every party the clause defines is named in its text, and the governing law
  is a known jurisdiction.
* ``review_sentiment``: the sentiment label is the one the rating implies, and the review's
  words do not say the opposite.
* ``product_listing``: a positive price with at most two decimals, an ISO 4217 currency, and
  distinct features.
* ``lesson_plan``: the activities' minutes add up to the lesson's duration.
* ``answer_key``: distinct options, the key one of them, and, where the question is arithmetic
  (``What is 12 x 7?``), the key is the computed value.
* ``job_posting``: salary minimum at most its maximum, an ISO 4217 currency, requirements given.
* ``incident_timeline``: detected, contained and resolved in that order; the severity is the
  CVSS band of the score; CVE identifiers well formed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from .domain_base import Problems, currency_problem, number, parse_datetime, text_of, words

CITATION_SHAPES = {
    "US": re.compile(
        r"^\d{1,4} (?:U\.S\.|S\. ?Ct\.|F\.(?:2d|3d|4th)?|F\. Supp\.(?: [23]d)?) \d{1,5} "
        r"\((?:[\w. ]+ )?(\d{4})\)$"
    ),
    "UK": re.compile(r"^\[(\d{4})\] (?:UKSC|UKHL|EWCA (?:Civ|Crim)|EWHC) \d{1,5}(?: \([A-Za-z]+\))?$"),
    "EU": re.compile(r"^Case C-\d{1,4}/(\d{2}),? EU:C:(\d{4}):\d{1,4}$"),
    "CA": re.compile(r"^(\d{4}) (?:SCC|ONCA|BCCA|QCCA|FCA) \d{1,4}$"),
    "AU": re.compile(r"^\[(\d{4})\] (?:HCA|FCA|FCAFC|NSWCA) \d{1,4}$"),
}
JURISDICTIONS = frozenset(
    {*CITATION_SHAPES, "England and Wales", "New York", "Delaware", "California", "Ontario"}
)
POSITIVE = frozenset(
    [
        "great",
        "excellent",
        "love",
        "loved",
        "perfect",
        "happy",
        "amazing",
        "good",
        "best",
        "recommend",
        "works",
        "sturdy",
        "comfortable",
        "fast",
    ]
)
NEGATIVE = frozenset(
    [
        "bad",
        "poor",
        "broke",
        "broken",
        "terrible",
        "awful",
        "hate",
        "hated",
        "disappointed",
        "worst",
        "useless",
        "refund",
        "slow",
        "returned",
        "cheap",
        "flimsy",
    ]
)
CVSS_BANDS = (("low", 0.1, 3.9), ("medium", 4.0, 6.9), ("high", 7.0, 8.9), ("critical", 9.0, 10.0))
_ARITHMETIC = re.compile(r"(-?\d+(?:\.\d+)?)\s*([+\-x×*/÷])\s*(-?\d+(?:\.\d+)?)")
_CVE = re.compile(r"^CVE-\d{4}-\d{4,7}$")


def case_citation(case: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    jurisdiction, citation = case.get("jurisdiction"), text_of(case.get("citation")).strip()
    shape = CITATION_SHAPES.get(str(jurisdiction))
    if shape is None:
        return [f"jurisdiction {jurisdiction!r} is not one of {', '.join(CITATION_SHAPES)}"]
    match = shape.match(citation)
    if match is None:
        return [f"citation {citation!r} is not in the shape of a {jurisdiction} law report"]
    year = int(match.groups()[-1])
    if not 1800 <= year <= date.today().year:
        return [f"the citation's year {year} is not a past year"]
    decided = number(case.get("decision_year"))
    if decided is not None and int(decided) != year:
        return [f"decision_year {int(decided)} differs from the citation's year {year}"]
    return []


def clause_parties(clause: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    text = text_of(clause.get("text"))
    problems = [
        f"the clause text never names the party {p!r}"
        for p in clause.get("parties") or []
        if str(p) not in text
    ]
    if not clause.get("parties"):
        problems.append("the clause defines no parties")
    if clause.get("governing_law") not in JURISDICTIONS:
        problems.append(f"governing_law {clause.get('governing_law')!r} is not a known jurisdiction")
    return problems


def polarity(text: str) -> int:
    """Positive minus negative words, with a negation flipping the next word (pure)."""
    score, flip = 0, False
    for word in words(text):
        if word in ("not", "never", "no", "don't", "didn't", "isn't", "wasn't"):
            flip = True
            continue
        sign = 1 if word in POSITIVE else -1 if word in NEGATIVE else 0
        score += -sign if flip else sign
        flip = False
    return score


def review_sentiment(review: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    rating = number(review.get("rating"))
    if rating is None or not 1 <= rating <= 5:
        return [f"rating {review.get('rating')!r} is not 1-5"]
    expected = "positive" if rating >= 4 else "negative" if rating <= 2 else "neutral"
    problems = []
    if review.get("sentiment") != expected:
        problems.append(f"a {rating:g}-star review is {expected}, labelled {review.get('sentiment')!r}")
    said = polarity(text_of(review.get("title")) + " " + text_of(review.get("text")))
    if (expected == "positive" and said < 0) or (expected == "negative" and said > 0):
        problems.append(f"the review's words read the other way (polarity {said:+d}) for {rating:g} stars")
    return problems


def product_listing(product: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    problems = [p for p in [currency_problem(product.get("currency"))] if p]
    price = number(product.get("price"))
    if price is None or price <= 0 or round(price, 2) != price:
        problems.append(f"price {product.get('price')!r} must be above 0 with at most two decimals")
    features = [str(f).strip().lower() for f in product.get("features") or []]
    if len(set(features)) < len(features):
        problems.append("the features repeat")
    return problems


def lesson_plan(plan: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    total = number(plan.get("duration_minutes"))
    minutes = [number(a.get("minutes")) for a in plan.get("activities") or [] if isinstance(a, Mapping)]
    if not minutes or any(m is None or m <= 0 for m in minutes):
        return ["every activity needs a positive number of minutes"]
    spent = sum(m for m in minutes if m is not None)
    if total is None or spent != total:
        return [f"the activities take {spent:g} minutes, the lesson {total} minutes"]
    return []


def arithmetic_answer(question: str) -> float | None:
    """The value of the one ``a op b`` a question asks for, or None when it asks for none (pure)."""
    found = _ARITHMETIC.findall(question)
    if len(found) != 1:
        return None
    a, op, b = float(found[0][0]), found[0][1], float(found[0][2])
    if op in "/÷":
        return a / b if b else None
    return a + b if op == "+" else a - b if op == "-" else a * b


def answer_key(item: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    options = [str(o).strip() for o in item.get("options") or []]
    key = str(item.get("answer", "")).strip()
    if len(options) < 2 or len(set(o.lower() for o in options)) < len(options):
        return ["a question needs at least two distinct options"]
    if key not in options:
        return [f"the answer key {key!r} is not one of the options"]
    expected = arithmetic_answer(text_of(item.get("question")))
    if expected is not None:
        given = number(_float(key))
        if given is None or abs(given - expected) > 1e-6:
            return [f"the question computes to {expected:g}, the key says {key!r}"]
    return []


def _float(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def job_posting(posting: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    problems = [p for p in [currency_problem(posting.get("currency"))] if p]
    low, high = number(posting.get("salary_min")), number(posting.get("salary_max"))
    if low is None or high is None or not 0 < low <= high:
        problems.append(f"salary range {low}-{high} must be positive, minimum first")
    if not posting.get("requirements"):
        problems.append("the posting lists no requirements")
    return problems


def incident_timeline(report: Mapping[str, Any], params: Mapping[str, Any]) -> Problems:
    problems = []
    times = [parse_datetime(report.get(k)) for k in ("detected_at", "contained_at", "resolved_at")]
    if any(t is None for t in times):
        problems.append("detected_at, contained_at and resolved_at must be ISO date-times")
    elif not (times[0] <= times[1] <= times[2]):  # type: ignore[operator]
        problems.append("the incident must be detected, then contained, then resolved")
    score = number(report.get("cvss_score"))
    band = next((n for n, lo, hi in CVSS_BANDS if score is not None and lo <= score <= hi), None)
    if band is None or report.get("severity") != band:
        problems.append(f"CVSS {score} is {band or 'out of range'}, severity says {report.get('severity')!r}")
    problems += [f"{c!r} is not a CVE identifier" for c in report.get("cves") or [] if not _CVE.match(str(c))]
    return problems
