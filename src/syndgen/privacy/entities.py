"""The PII entity types syndgen detects, by the recognizer family that finds them (pure data).

Names are Presidio's where Presidio has one; ``DATE_OF_BIRTH`` and ``MEDICAL_RECORD_NUMBER`` are
syndgen's own recognizers. Pattern types are found by regular expressions (with a checksum where
the format has one); name types by the spaCy NER model, which only loads when one is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from difflib import get_close_matches

PATTERN_TYPES: tuple[str, ...] = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "IBAN_CODE",
    "US_SSN",
    "UK_NINO",
    "UK_NHS",
    "IP_ADDRESS",
    "URL",
    "DATE_OF_BIRTH",
    "MEDICAL_RECORD_NUMBER",
)
"""Found by pattern (and checksum: Luhn for cards, mod 97 for IBANs, mod 11 for NHS numbers)."""

NER_TYPES: tuple[str, ...] = ("PERSON", "LOCATION", "ORGANIZATION")
"""Found by the NER model."""

ALL_TYPES: tuple[str, ...] = PATTERN_TYPES + NER_TYPES


def unknown_entity_message(name: str) -> str:
    """One line naming an unknown entity type, the closest known one and every allowed one."""
    close = get_close_matches(name.upper(), ALL_TYPES, n=1)
    guess = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown PII entity type '{name}' ({guess}allowed: {', '.join(ALL_TYPES)})"


def check_entities(names: Iterable[str]) -> tuple[str, ...]:
    """The names, upper-cased and checked; raises ``ValueError`` with the one-line message."""
    checked = []
    for name in names:
        upper = name.strip().upper()
        if upper not in ALL_TYPES:
            raise ValueError(unknown_entity_message(name))
        checked.append(upper)
    if not checked:
        raise ValueError(f"no PII entity type given (allowed: {', '.join(ALL_TYPES)})")
    return tuple(dict.fromkeys(checked))


def needs_ner(entities: Iterable[str]) -> bool:
    return any(name in NER_TYPES for name in entities)
