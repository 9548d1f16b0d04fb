"""The recognizers syndgen gives Presidio: its own pattern ones and offline-safe predefined ones.

Presidio's email recognizer validates the domain with ``tldextract``, which downloads the public
suffix list on first use; :class:`OfflineEmailRecognizer` (and the URL one) use an extractor
built with no URL to fetch and no cache, so the list shipped inside ``tldextract`` is used.
``DATE_OF_BIRTH`` is a date next to a birth cue ("born", "DOB", "date of birth") and
``MEDICAL_RECORD_NUMBER`` an identifier after a record cue ("MRN", "medical record number",
"patient ID", "chart no."): a date or a number alone is not PII. Only the value is reported, not
the cue, so masking keeps "DOB <DATE_OF_BIRTH>".
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from presidio_analyzer import EntityRecognizer, LocalRecognizer, RecognizerResult
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkNinoRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})"
    rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH},?\s+\d{{4}})"
)
_BIRTH_CUE = r"\b(?:born|d\.?o\.?b\.?|date\s+of\s+birth|birth\s*date|birthdate|birthday|b\.)(?![A-Za-z])"
DOB_RE = re.compile(rf"{_BIRTH_CUE}[^\n.;]{{0,30}}?\b(?P<value>{DATE})(?!\d)", re.IGNORECASE)

_MRN_CUE = (
    r"\b(?:MRN|M\.R\.N\.|medical\s+record(?:\s+(?:number|no\.?|num\.?|#))?|patient\s+(?:id|number|no\.?|#)"
    r"|chart\s+(?:number|no\.?|#)|hospital\s+(?:number|no\.?)|record\s+(?:number|no\.?|#))"
)
MRN_RE = re.compile(
    rf"{_MRN_CUE}(?:\s*(?:is|was|of)\s*)?[\s:#.\-]*(?P<value>[A-Z]{{0,4}}[\-]?\d[\dA-Z\-]{{2,16}}\d)\b",
    re.IGNORECASE,
)


class _CueRecognizer(LocalRecognizer):
    """Reports the ``value`` group of a cue-anchored pattern."""

    ENTITY = ""
    PATTERN: re.Pattern[str] = re.compile("")
    SCORE = 0.85

    def __init__(self) -> None:
        super().__init__(supported_entities=[self.ENTITY], name=type(self).__name__)

    def load(self) -> None:
        """Nothing to load."""

    def analyze(self, text: str, entities: list[str], nlp_artifacts: Any = None) -> list[RecognizerResult]:
        if self.ENTITY not in entities:
            return []
        return [
            RecognizerResult(self.ENTITY, m.start("value"), m.end("value"), self.SCORE)
            for m in self.PATTERN.finditer(text)
            if self.accept(m.group("value"))
        ]

    def accept(self, value: str) -> bool:
        return True


class DateOfBirthRecognizer(_CueRecognizer):
    ENTITY = "DATE_OF_BIRTH"
    PATTERN = DOB_RE


class MedicalRecordNumberRecognizer(_CueRecognizer):
    ENTITY = "MEDICAL_RECORD_NUMBER"
    PATTERN = MRN_RE

    def accept(self, value: str) -> bool:
        return sum(ch.isdigit() for ch in value) >= 4


@lru_cache(maxsize=1)
def offline_extractor() -> Any:
    """A tldextract extractor that never goes online: the suffix list it ships with, no cache."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(EmailRecognizer):
    def validate_result(self, pattern_text: str) -> bool:
        return bool(offline_extractor()(pattern_text.split("@")[-1]).fqdn)


_WEB_SUFFIXES = frozenset({"com", "org", "net", "edu", "gov", "io", "info", "biz", "app", "dev"})


class OfflineUrlRecognizer(UrlRecognizer):
    """URLs whose host has a known public suffix (so "e.g" or "v2.1" are not URLs). Without a
    scheme or ``www.`` the suffix must be a common web one or a country's second level
    (``co.uk``): file names such as ``notes.md`` or ``setup.py`` end in country codes too."""

    def validate_result(self, pattern_text: str) -> bool:
        bare = re.sub(r"^[a-z]+://", "", pattern_text, flags=re.IGNORECASE)
        suffix = str(offline_extractor()(bare.split("/")[0]).suffix)
        if not suffix:
            return False
        if bare != pattern_text or bare.lower().startswith("www."):
            return True
        return suffix in _WEB_SUFFIXES or "." in suffix


class ScoredPhoneRecognizer(PhoneRecognizer):
    """A number that libphonenumber accepts for a region counts as a phone number without a
    context word ("call", "phone"); Presidio's base score (0.4) is below the usual threshold."""

    SCORE = 0.6


class CuedNhsRecognizer(NhsRecognizer):
    """One in eleven 10-digit numbers passes the NHS checksum (US phone numbers too): without
    "NHS" in the 40 characters before it, a valid number scores below a phone number."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None, regex_flags: Any = None
    ) -> Any:
        results = super().analyze(text, entities, nlp_artifacts, regex_flags)
        for result in results:
            if "nhs" not in text[max(0, result.start - 40) : result.start].lower():
                result.score = min(result.score, 0.55)
        return results


def pattern_recognizers() -> list[EntityRecognizer]:
    """Every pattern and checksum recognizer (Luhn for cards, mod 97 for IBANs, mod 11 for NHS)."""
    return [
        OfflineEmailRecognizer(),
        ScoredPhoneRecognizer(supported_regions=("US", "GB", "DE", "FR", "IE", "CA", "AU", "IN")),
        CreditCardRecognizer(),
        IbanRecognizer(),
        UsSsnRecognizer(),
        UkNinoRecognizer(),
        CuedNhsRecognizer(),
        IpRecognizer(),
        OfflineUrlRecognizer(),
        DateOfBirthRecognizer(),
        MedicalRecordNumberRecognizer(),
    ]
