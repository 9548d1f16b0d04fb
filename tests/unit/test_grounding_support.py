"""The deterministic faithfulness check: facts must appear, wording and meaning must be close enough."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from syndgen.embed import get_embedder
from syndgen.grounding import support_check
from syndgen.grounding.support import extract_dates, extract_names, extract_numbers, split_sentences

LEAVE = (
    "Every employee accrues 25 days of paid annual leave per calendar year, plus public holidays. "
    "Up to 5 unused days may be carried over into the next year. Carried-over days must be taken before "
    "31 March; any carried-over days left after that date are forfeited."
)
EXPENSES = (
    "Claims up to 5,000 US dollars are approved by the line manager. Larger claims also need the approval "
    "of the finance director, Dana Whitfield. Private car use is reimbursed at 0.58 US dollars per mile."
)
LAB = (
    "Report every incident to the lab safety officer, Dr. Priya Raman, within 24 hours. The new fume hoods "
    "were installed on 2024-03-01 and inspected in June 2024. Face velocity must be at least 100 feet per "
    "minute; 15% of hoods failed the first test."
)
RESET = (
    "Hold the dial pressed for 10 seconds until the ring turns red. All schedules and the Wi-Fi settings "
    "are erased."
)

FAITHFUL = [
    ("Employees get 25 paid vacation days each calendar year on top of public holidays.", LEAVE),
    ("You can carry at most 5 leftover days into the following year, but they expire after March 31.", LEAVE),
    (
        "Staff earn twenty-five days of paid yearly leave, and up to five unused days can roll over if used "
        "before 31 March.",
        LEAVE,
    ),
    ("Claims above $5000 must also be approved by Dana Whitfield, the finance director.", EXPENSES),
    ("Your line manager can sign off claims of up to $5,000.", EXPENSES),
    ("Using your own car is reimbursed at $0.58 per mile.", EXPENSES),
    ("Dr. Raman must hear about every incident within 24 hours.", LAB),
    ("The hoods were installed on March 1, 2024 and 15 percent of them failed.", LAB),
    (
        "To factory reset it, keep the dial pushed in for ten seconds until the ring goes red; this wipes "
        "your schedules and Wi-Fi settings.",
        RESET,
    ),
]

CONTRADICTING = [
    ("Employees get 30 days of paid annual leave per calendar year.", LEAVE, "number", "30"),
    ("Claims up to 50,000 US dollars are approved by the line manager.", EXPENSES, "number", "50,000"),
    ("Hold the dial for five seconds to reset it.", RESET, "number", "five"),
    ("Private car use is reimbursed at 0.85 US dollars per mile.", EXPENSES, "number", "0.85"),
    ("Carried-over days must be taken before 30 April.", LEAVE, "date", "30 April"),
    ("The fume hoods were installed on 1 April 2024.", LAB, "date", "1 April 2024"),
    ("The fume hoods were installed on March 1, 2023.", LAB, "date", "March 1, 2023"),
    (
        "Larger claims also need the approval of the finance director, Mark Whitfield.",
        EXPENSES,
        "name",
        "Mark",
    ),
    ("Report every incident to Dr. John Smith within 24 hours.", LAB, "name", "John Smith"),
]

OFF_TOPIC = [
    ("The cafeteria serves breakfast until half past nine and lunch is hot.", LEAVE),
    ("Bicycles can be stored behind the building next to the showers.", EXPENSES),
]


@pytest.fixture(scope="module")
def embed() -> Callable[[Sequence[str]], Any]:
    return get_embedder().encode


@pytest.mark.parametrize(("answer", "passage"), FAITHFUL)
def test_faithful_paraphrase_passes(answer: str, passage: str, embed: Callable[[Sequence[str]], Any]) -> None:
    result = support_check(answer, [passage], embed=embed)
    assert result.supported, result.reasons
    assert result.missing == []
    assert result.dense is not None and result.dense >= 0.45


@pytest.mark.parametrize(("answer", "passage", "kind", "item"), CONTRADICTING)
def test_contradiction_fails_and_names_what_is_missing(
    answer: str, passage: str, kind: str, item: str, embed: Callable[[Sequence[str]], Any]
) -> None:
    result = support_check(answer, [passage], embed=embed)
    assert not result.supported
    assert any(reason.startswith(f"{kind} not in passages") and item in reason for reason in result.reasons)
    assert any(item in missing for missing in result.missing)


@pytest.mark.parametrize(("answer", "passage"), OFF_TOPIC)
def test_off_topic_answer_fails_on_lexical_and_semantic_support(
    answer: str, passage: str, embed: Callable[[Sequence[str]], Any]
) -> None:
    result = support_check(answer, [passage], embed=embed)
    assert not result.supported
    assert result.lexical < 0.4 and result.dense is not None and result.dense < 0.45
    assert any("low lexical support" in reason for reason in result.reasons)
    assert any("low semantic support" in reason for reason in result.reasons)


def test_without_an_embedder_only_the_lexical_rules_apply() -> None:
    result = support_check("Employees get 25 days of paid annual leave.", [LEAVE])
    assert result.supported and result.dense is None
    assert support_check("Employees get 26 days of paid annual leave.", [LEAVE]).missing == ["26"]


def test_facts_can_come_from_any_passage() -> None:
    answer = "Dana Whitfield approves large claims, and incidents go to Priya Raman."
    assert support_check(answer, [EXPENSES, LAB]).supported
    assert not support_check(answer, [EXPENSES]).supported


def test_thresholds_are_parameters() -> None:
    answer = "Staff can roll over leftover holidays."
    assert not support_check(answer, [LEAVE], min_lexical=0.9).supported
    assert support_check(answer, [LEAVE], min_lexical=0.0).supported


def test_empty_inputs_are_unsupported() -> None:
    assert support_check("  ", [LEAVE]).reasons == ["empty answer"]
    assert support_check("Anything at all.", []).reasons == ["no passages to check against"]


def test_numbers_are_normalised() -> None:
    found = extract_numbers("1,000 and 1000.0, 2.50, 15% or 15 percent, twenty-five, the 3rd, v2.0, 1.5k")
    assert found == {"1000", "2.5", "15%", "15", "25", "3"}


def test_dates_are_read_in_common_forms() -> None:
    dates, rest = extract_dates(
        "on 2024-03-01, March 1, 2024, the 1st of March, June 2024, in May; we may go"
    )
    assert [date for _, date in dates] == [
        (2024, 3, 1),
        (2024, 3, 1),
        (None, 3, 1),
        (2024, 6, None),
        (None, 5, None),
    ]
    assert "we may go" in rest and "2024" not in rest


def test_names_skip_sentence_starts_and_stopwords() -> None:
    names = extract_names(
        "Northwind pays. The policy of Dr. Priya Raman and HR follows the Bank of England rules."
    )
    assert names == ["Priya Raman", "HR", "Bank of England"]


def test_sentences_keep_titles_together() -> None:
    assert split_sentences("Report to Dr. Smith today. Then go home!\nNext line") == [
        "Report to Dr. Smith today.",
        "Then go home!",
        "Next line",
    ]
