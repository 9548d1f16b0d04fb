"""The recognizers: each pattern type found in a realistic sentence, checksums and cues
enforced, nothing fetched from the network, and the corpus recall goal met."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from syndgen.privacy.engine import Finding, detect, resolve
from syndgen.privacy.entities import ALL_TYPES, PATTERN_TYPES
from syndgen.privacy.recognizers import offline_extractor
from syndgen.privacy.scoring import score, total

CORPUS = Path(__file__).parent / "corpus" / "pii_corpus.jsonl"


def found(text: str, entities: tuple[str, ...] = ALL_TYPES) -> dict[str, str]:
    return {f.entity: text[f.start : f.end] for f in detect(text, entities, 0.5)}


@pytest.mark.parametrize(
    ("text", "entity", "value"),
    [
        ("Write to ana.silva@clinic-norte.pt today.", "EMAIL_ADDRESS", "ana.silva@clinic-norte.pt"),
        ("Call her on (415) 555-0132 after six.", "PHONE_NUMBER", "(415) 555-0132"),
        ("Card 4111 1111 1111 1111 was charged.", "CREDIT_CARD", "4111 1111 1111 1111"),
        ("Pay into GB82 WEST 1234 5698 7654 32 now.", "IBAN_CODE", "GB82 WEST 1234 5698 7654 32"),
        ("His SSN is 536-22-8714 on the form.", "US_SSN", "536-22-8714"),
        ("NI number JG 10 38 44 A on the payslip.", "UK_NINO", "JG 10 38 44 A"),
        ("NHS number 943 476 5919 was entered twice.", "UK_NHS", "943 476 5919"),
        ("Requests came from 203.0.113.45 overnight.", "IP_ADDRESS", "203.0.113.45"),
        (
            "See https://portal.example-health.org/p/8812, then reply.",
            "URL",
            "https://portal.example-health.org/p/8812",
        ),
        ("She was born on 4 March 1978 in a small town.", "DATE_OF_BIRTH", "4 March 1978"),
        ("Lab results for MRN: A88213471 are ready.", "MEDICAL_RECORD_NUMBER", "A88213471"),
    ],
)
def test_each_pattern_type_is_found(text: str, entity: str, value: str):
    assert found(text, PATTERN_TYPES).get(entity) == value


def test_names_places_and_organisations_come_from_the_ner_model():
    got = found("Dr. Aisha Rahman moved from Chicago to work at Johns Hopkins.")
    assert got["PERSON"] == "Aisha Rahman"
    assert got["LOCATION"] == "Chicago"
    assert "ORGANIZATION" in got


def test_checksums_and_cues_keep_look_alikes_out():
    assert "CREDIT_CARD" not in found("Order 4111 1111 1111 1112 shipped.", PATTERN_TYPES)  # fails Luhn
    assert "IBAN_CODE" not in found("Ref DE00370400440532013000 noted.", PATTERN_TYPES)  # bad check digits
    # a date or a number alone is not PII: the cue makes it a birth date or a record number
    assert found("The meeting moved to 03/14/2024.", PATTERN_TYPES) == {}
    assert found("Invoice 00482913 is overdue.", PATTERN_TYPES) == {}
    assert found("DOB 03/14/1962", PATTERN_TYPES) == {"DATE_OF_BIRTH": "03/14/1962"}


def test_the_public_suffix_list_is_never_downloaded():
    extractor = offline_extractor()
    assert extractor.suffix_list_urls == ()
    assert extractor("mail.example.co.uk").suffix == "co.uk"  # from the list tldextract ships


def test_overlaps_resolve_to_the_pattern_value():
    text = "mail jane.doe@example.com"
    findings = [
        Finding("URL", 14, 25, 0.5),
        Finding("EMAIL_ADDRESS", 5, 25, 1.0),
        Finding("PERSON", 5, 13, 0.85),
    ]
    assert resolve(text, findings) == [Finding("EMAIL_ADDRESS", 5, 25, 1.0)]


def test_file_names_are_not_urls_but_bare_web_hosts_are():
    assert "URL" not in found("Edit docs/claims.md and setup.py first.", PATTERN_TYPES)
    assert found("Status at acmecloud.com/status today.", PATTERN_TYPES)["URL"] == "acmecloud.com/status"


def test_url_trailing_punctuation_is_the_sentence_s():
    assert found("Open http://help.example-store.com/reset.", PATTERN_TYPES)["URL"].endswith("/reset")


def test_corpus_has_200_labelled_entities_with_exact_spans():
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    entities = [e for row in rows for e in row["entities"]]
    assert len(entities) >= 200
    assert {e["type"] for e in entities} == set(ALL_TYPES)
    assert {row["domain"] for row in rows} == {"clinical", "financial", "support", "legal"}
    for row in rows:
        for e in row["entities"]:
            assert row["text"][e["start"] : e["end"]] == e["value"]


def test_pattern_types_reach_the_recall_goal_on_the_corpus():
    rows = [json.loads(line) for line in CORPUS.read_text().splitlines()]
    labelled = [
        [(e["type"], e["start"], e["end"]) for e in row["entities"] if e["type"] in PATTERN_TYPES]
        for row in rows
    ]
    guessed = [[(f.entity, f.start, f.end) for f in detect(row["text"], PATTERN_TYPES, 0.5)] for row in rows]
    patterns = total(score(labelled, guessed), list(PATTERN_TYPES))
    assert patterns.recall >= 0.95
    assert patterns.precision >= 0.95
