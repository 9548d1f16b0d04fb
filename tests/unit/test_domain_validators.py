"""Each domain validator passes its template's example record and fails a broken one, saying why."""

import copy
import json

import pytest

from syndgen.templates_lib import get_template
from syndgen.verify.registry import DOMAIN_CHECKS, resolve


def example(template: str) -> dict:
    return copy.deepcopy(get_template(template).data["task"]["record_schema"]["examples"][0])


def check(name: str, record: dict):
    return resolve(name)({"answer": "<think>ok</think>\n" + json.dumps(record)}, {})


def _set(record, path, value):
    node = record
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return record


CASES = [
    ("soap_note", "medical/clinical-notes", ("plan",), "", "plan section is missing"),
    ("soap_note", "medical/clinical-notes", ("vitals", "heart_rate"), 400, "vitals.heart_rate = 400"),
    ("lab_ranges", "medical/lab-reports", ("results", 0, "value"), 60.0, "outside the physiological range"),
    (
        "lab_ranges",
        "medical/lab-reports",
        ("results", 0, "unit"),
        "mmol/L",
        "unit 'mmol/L' is not one of g/dL",
    ),
    ("lab_ranges", "medical/lab-reports", ("results", 1, "flag"), "high", "is normal, flagged 'high'"),
    ("transactions_reconcile", "financial/transactions", ("closing_balance",), 2443.35, "!= closing 2443.35"),
    ("transactions_reconcile", "financial/transactions", ("currency",), "EUX", "not an ISO 4217"),
    (
        "transactions_reconcile",
        "financial/transactions",
        ("transactions", 0, "date"),
        "2024-04-02",
        "not within the period",
    ),
    ("risk_assessment", "financial/risk-assessments", ("rating",), "high", "medium band, rated 'high'"),
    ("risk_assessment", "financial/risk-assessments", ("factors", 0, "weight"), 0.9, "sum to 1.40"),
    ("case_citation", "legal/case-summaries", ("citation",), "2019 EWCA 112", "not in the shape of a UK"),
    ("case_citation", "legal/case-summaries", ("decision_year",), 2018, "differs from the citation's year"),
    ("clause_parties", "legal/contract-clauses", ("parties", 1), "the Licensee", "never names the party"),
    ("review_sentiment", "ecommerce/reviews", ("rating",), 2, "2-star review is negative"),
    ("review_sentiment", "ecommerce/reviews", ("sentiment",), "neutral", "labelled 'neutral'"),
    ("product_listing", "ecommerce/product-descriptions", ("price",), 29.999, "at most two decimals"),
    (
        "product_listing",
        "ecommerce/product-descriptions",
        ("features", 1),
        "1.2 litre capacity",
        "features repeat",
    ),
    ("lesson_plan", "education/lesson-plans", ("duration_minutes",), 60, "take 45 minutes, the lesson 60"),
    ("answer_key", "education/assessment-questions", ("answer",), "74", "computes to 84"),
    ("answer_key", "education/assessment-questions", ("answer",), "85", "not one of the options"),
    ("job_posting", "hr/job-postings", ("salary_min",), 50000, "minimum first"),
    (
        "incident_timeline",
        "security/incident-reports",
        ("resolved_at",),
        "2024-05-01T00:00:00Z",
        "detected, then contained, then resolved",
    ),
    ("incident_timeline", "security/incident-reports", ("severity",), "critical", "CVSS 8.1 is high"),
    ("incident_timeline", "security/incident-reports", ("cves", 0), "CVE-24-1", "not a CVE identifier"),
]


@pytest.mark.parametrize(("name", "template", "path", "value", "detail"), CASES)
def test_a_broken_record_fails_with_the_reason(name, template, path, value, detail):
    assert check(name, example(template)).status == "pass"
    result = check(name, _set(example(template), path, value))
    assert result.status == "fail"
    assert detail in result.detail, result.detail


def test_every_domain_validator_has_a_failing_case():
    assert {c[0] for c in CASES} == set(DOMAIN_CHECKS)


def test_a_reply_without_an_object_is_skipped_not_failed():
    result = resolve("lab_ranges")({"answer": "no record here"}, {})
    assert result.status == "skipped"


def test_the_review_words_must_agree_with_the_rating():
    record = example("ecommerce/reviews")
    record["text"] = "Terrible. It broke after a day and I am disappointed; I want a refund."
    result = check("review_sentiment", record)
    assert result.status == "fail" and "read the other way" in result.detail
    record["text"] = "Not bad at all, it works and I would recommend it."
    assert check("review_sentiment", record).status == "pass"
