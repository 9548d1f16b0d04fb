"""Check, deterministically, whether an answer is supported by the passages it was grounded on.

The rules, in order:

1. **Facts must appear.** Every number, date and capitalised name in the answer must occur in the
   passages. Numbers are compared by value ("1,000" = "1000", "2.50" = "2.5", "twelve" = "12"); a
   percentage must be a percentage in the passages too ("15%" = "15 percent"). Dates are compared
   by their parts ("1 March 2024" = "March 1, 2024" = "2024-03-01"; a day or year that the answer
   states must match). Names are runs of capitalised words outside a sentence's first word (or at
   it, when the run has two or more words or the word is an acronym); each of their words must
   occur in the passages, case-insensitively. A capitalised single word that starts a sentence is
   not checked, since it cannot be told apart from an ordinary word without a dictionary.
2. **Lexical support**: the share of the answer's content words (stopwords removed, lightly
   stemmed, digits left to rule 1) found in the passages must reach ``min_lexical``.
3. **Semantic support** (only with ``embed``): for each answer sentence the best cosine similarity
   to any passage sentence or whole passage; the weakest answer sentence must reach ``min_dense``.

The defaults were tuned on paraphrased, contradicting and off-topic answers over policy and manual
text (the cases in ``tests/unit/test_grounding_support.py``): faithful paraphrases scored lexical
0.43-1.0 and dense 0.62-0.91, off-topic claims lexical 0-0.25 and dense 0.06-0.40. Answers that
contradict a number, date or name keep high lexical and dense scores (0.67-1.0, 0.64-0.97), which
is why rule 1 exists. What none of the rules catch is a new claim made of the passage's own words
("unused leave is paid out"): that needs a model-based critic.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from syndgen.grounding.text import STOPWORDS, content_words, stem, words

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
else:
    Matrix = Any

EmbedFn = Callable[[Sequence[str]], Matrix]
"""Texts to L2-normalised row vectors, e.g. ``syndgen.embed.get_embedder().encode``."""

DEFAULT_MIN_LEXICAL = 0.4
DEFAULT_MIN_DENSE = 0.45

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("January", "Jan"),
            ("February", "Feb"),
            ("March", "Mar"),
            ("April", "Apr"),
            ("May",),
            ("June", "Jun"),
            ("July", "Jul"),
            ("August", "Aug"),
            ("September", "Sep", "Sept"),
            ("October", "Oct"),
            ("November", "Nov"),
            ("December", "Dec"),
        ],
        1,
    )
    for name in names
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>[12]\d{3})"
_DATE_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<m>[01]?\d)-(?P<day>[0-3]?\d)\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?!\s*[:.]\d)"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b"),
    re.compile(rf"\b{_MONTH}(?:\s+of)?,?\s+{_YEAR}\b"),
    re.compile(
        r"\b(?P<month>" + "|".join(name for name in _MONTHS if len(name) > 4 or name == "May") + r")\b"
    ),
]
"""Most specific first. A month alone must be spelled out ("Jan" may be a first name)."""
_NUMERIC_DATE = re.compile(r"\b([0-3]?\d)/([0-3]?\d)/([12]\d{3})\b")
_NUMBER = re.compile(
    r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?:st|nd|rd|th)?(?!\w|\.\d)(\s?%|\s+per\s?cent\b)?",
    re.IGNORECASE,
)
_UNITS = "zero one two three four five six seven eight nine"
_TEENS = "ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen"
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_NUMBER_WORDS = {word: value for value, word in enumerate(f"{_UNITS} {_TEENS}".split())} | _TENS
_NUMBER_STEMS = frozenset(stem(word) for word in _NUMBER_WORDS)
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r")(?:-(" + "|".join(_UNITS.split()[1:]) + r"))?\b(\s+per\s?cent\b)?",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(r"\b[A-Z][\w'’]*(?:-[A-Z]?[\w'’]+)*")
_BULLET = re.compile(r"(?:\A|\n)[ \t]*(?:[-*•]|\d+[.)])$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_ABBREVIATION = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Prof|St|No|vs|etc|e\.g|i\.e|approx)|\b[A-Z])\.$")
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "sir", "i"})
_CONNECTORS = frozenset({"of", "de", "van", "von", "&"})

Date = tuple[int | None, int, int | None]


@dataclass(frozen=True, slots=True)
class SupportResult:
    """The verdict and its evidence; ``missing`` lists the answer's facts not found in the passages."""

    supported: bool
    reasons: list[str] = field(default_factory=list)
    lexical: float = 0.0
    dense: float | None = None
    missing: list[str] = field(default_factory=list)


def support_check(
    answer: str,
    passages: Sequence[str],
    *,
    embed: EmbedFn | None = None,
    min_lexical: float = DEFAULT_MIN_LEXICAL,
    min_dense: float = DEFAULT_MIN_DENSE,
) -> SupportResult:
    """Decide whether ``answer`` is supported by ``passages`` (see the module doc for the rules)."""
    if not answer.strip():
        return SupportResult(False, ["empty answer"])
    if not any(passage.strip() for passage in passages):
        return SupportResult(False, ["no passages to check against"])
    context = "\n\n".join(passages)
    reasons: list[str] = []
    missing: list[str] = []
    for kind, items in missing_facts(answer, context):
        if items:
            reasons.append(f"{kind} not in passages: {', '.join(items)}")
            missing.extend(items)
    lexical, unmatched = lexical_support(answer, context)
    if lexical < min_lexical:
        unknown = ", ".join(unmatched[:8])
        reasons.append(
            f"low lexical support {lexical:.2f} < {min_lexical:.2f} (words not in passages: {unknown})"
        )
    dense: float | None = None
    if embed is not None:
        dense, weakest = dense_support(answer, passages, embed)
        if dense < min_dense:
            reasons.append(f"low semantic support {dense:.2f} < {min_dense:.2f} for: {weakest[:80]!r}")
    return SupportResult(not reasons, reasons, lexical, dense, missing)


def missing_facts(answer: str, context: str) -> list[tuple[str, list[str]]]:
    """``[(kind, missing items)]`` for dates, numbers and names of ``answer`` absent from ``context``."""
    dates, rest = extract_dates(answer)
    context_dates = {date for _, date in extract_dates(context)[0]} | _numeric_dates(context)
    context_numbers = extract_numbers(context, all_words=True)
    missing_dates = [text for text, date in dates if not _date_ok(date, context_dates, context_numbers)]
    missing_numbers = sorted(
        {text for text, value in _numbers_with_text(rest) if value not in context_numbers},
        key=rest.find,
    )
    context_words = set(words(context))
    missing_names = [name for name in extract_names(rest) if not _name_supported(name, context_words)]
    return [("date", missing_dates), ("number", missing_numbers), ("name", missing_names)]


def extract_dates(text: str) -> tuple[list[tuple[str, Date]], str]:
    """Dates in ``text`` as ``(text, (year, month, day))`` and ``text`` with them blanked out."""
    found: list[tuple[int, str, Date]] = []
    chars = list(text)
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer("".join(chars)):
            groups = match.groupdict()
            month = int(groups["m"]) if groups.get("m") else _MONTHS[groups["month"]]
            year = int(groups["year"]) if groups.get("year") else None
            day = int(groups["day"]) if groups.get("day") else None
            if not 1 <= month <= 12 or (day is not None and not 1 <= day <= 31):
                continue
            if match.group(0) == "May" and _at_sentence_start(text, match.start()):
                continue  # "May I ..." is not a date
            found.append((match.start(), match.group(0), (year, month, day)))
            chars[match.start() : match.end()] = " " * (match.end() - match.start())
    found.sort()
    return [(text_, date) for _, text_, date in found], "".join(chars)


def _numeric_dates(text: str) -> set[Date]:
    dates: set[Date] = set()
    for match in _NUMERIC_DATE.finditer(text):
        first, second, year = (int(group) for group in match.groups())
        for month, day in ((first, second), (second, first)):
            if 1 <= month <= 12 and 1 <= day <= 31:
                dates.add((year, month, day))
    return dates


def _date_ok(date: Date, known: set[Date], numbers: set[str]) -> bool:
    year, month, day = date
    for k_year, k_month, k_day in known:
        if k_month != month or (day is not None and k_day != day):
            continue
        if year is None or k_year == year or (k_year is None and str(year) in numbers):
            return True
    return False


def extract_numbers(text: str, *, all_words: bool = False) -> set[str]:
    """Normalised number values in ``text`` ("1000", "2.5", "15%").

    Number words count from "two" (from "zero" with ``all_words``): "one" in an answer is mostly
    not a quantity ("one of the ...").
    """
    return {value for _, value in _numbers_with_text(text, all_words=all_words)}


def _numbers_with_text(text: str, *, all_words: bool = False) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _NUMBER.finditer(text):
        value = _normalise_number(match.group(1).replace(",", "") + (match.group(2) or ""))
        found.extend(_number_values(match.group(0).strip(), value, percent=bool(match.group(3))))
    for match in _NUMBER_WORD.finditer(text):
        number = _NUMBER_WORDS[match.group(1).lower()]
        if match.group(2) and number >= 20:
            number += _NUMBER_WORDS[match.group(2).lower()]
        if number >= 2 or all_words:
            found.extend(_number_values(match.group(0).strip(), str(number), percent=bool(match.group(3))))
    return found


def _number_values(text: str, value: str, *, percent: bool) -> list[tuple[str, str]]:
    """A percentage is also its bare number: "15%" in a passage supports "15" in an answer."""
    return [(text, value + "%"), (text, value)] if percent else [(text, value)]


def _normalise_number(raw: str) -> str:
    try:
        value = Decimal(raw).normalize()
    except InvalidOperation:
        return raw
    return format(value, "f")


def extract_names(text: str) -> list[str]:
    """Runs of capitalised words that look like names (see rule 1 in the module doc)."""
    names: list[str] = []
    run: list[re.Match[str]] = []
    for match in _CAPITALISED.finditer(text):
        if run and _joined(text, run[-1].end(), match.start()):
            run.append(match)
            continue
        names.extend(_name_of(text, run))
        run = [match]
    names.extend(_name_of(text, run))
    return list(dict.fromkeys(names))


def _joined(text: str, end: int, start: int) -> bool:
    gap = text[end:start]
    return gap == " " or (gap.startswith(" ") and gap.endswith(" ") and gap.strip().lower() in _CONNECTORS)


def _name_of(text: str, run: Sequence[re.Match[str]]) -> list[str]:
    if not run:
        return []
    items = list(run)
    while items and items[0].group(0).lower() in STOPWORDS | _TITLES:
        items.pop(0)
    if not items:
        return []
    at_start = items[0] is run[0] and _at_sentence_start(text, run[0].start())
    first = items[0].group(0)
    if at_start and len(items) == 1 and not _looks_like_name(first):
        return []
    return [text[items[0].start() : items[-1].end()]]


def _at_sentence_start(text: str, start: int) -> bool:
    prefix = text[:start].rstrip(" \t\"'“‘(")
    return not prefix or prefix[-1] in ".!?:;\n" or _BULLET.search(prefix) is not None


def _looks_like_name(word: str) -> bool:
    letters = [char for char in word if char.isalpha()]
    acronym = all(char.isupper() for char in letters)
    return len(letters) > 1 and (acronym or any(char.isupper() for char in word[1:]))


def _name_supported(name: str, context_words: set[str]) -> bool:
    parts = [part for part in words(name) if part not in STOPWORDS and part not in _TITLES]
    return all(part in context_words for part in parts)


def lexical_support(answer: str, context: str) -> tuple[float, list[str]]:
    """Share of the answer's content words found in ``context``, and the words not found."""
    answer_words = [word for word in content_words(answer) if not _is_number_word(word)]
    if not answer_words:
        return 1.0, []
    known = set(content_words(context))
    unmatched = [word for word in answer_words if word not in known]
    return 1.0 - len(unmatched) / len(answer_words), list(dict.fromkeys(unmatched))


def dense_support(answer: str, passages: Sequence[str], embed: EmbedFn) -> tuple[float, str]:
    """The weakest answer sentence's best cosine to any passage sentence or passage, and that sentence."""
    import numpy as np

    claims = split_sentences(answer) or [answer.strip()]
    units = [passage.strip() for passage in passages if passage.strip()]
    units += [sentence for passage in units for sentence in split_sentences(passage)]
    vectors = embed([*claims, *dict.fromkeys(units)])
    similarity = vectors[: len(claims)] @ vectors[len(claims) :].T
    best = similarity.max(axis=1)
    weakest = int(np.argmin(best))
    return float(best[weakest]), claims[weakest]


def split_sentences(text: str) -> list[str]:
    """Sentences and lines of ``text`` with at least two words ("Dr. Raman" stays in one sentence)."""
    sentences: list[str] = []
    start = 0
    for match in _SENTENCE_SPLIT.finditer(text):
        if "\n" not in match.group(0) and _ABBREVIATION.search(text[start : match.start()]):
            continue
        sentences.append(text[start : match.start()].strip())
        start = match.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if len(sentence.split()) >= 2]


def _is_number_word(word: str) -> bool:
    return word.isdigit() or word in _NUMBER_STEMS
