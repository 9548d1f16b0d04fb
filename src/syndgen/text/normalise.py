"""One normaliser per purpose (pure functions).

* :func:`question_key` — the key of the exact-duplicate question check: lower case, words only;
* :func:`dedup_text` — what record duplicate checks hash and shingle: casefolded, punctuation
  turned into spaces, whitespace collapsed;
* :func:`topic_key` — what the topic memory compares: :func:`dedup_text` with simple English
  plurals stripped per word ("Black Holes" -> "black hole").
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def question_key(text: str) -> str:
    """The form used for exact-duplicate question checks: lower case, words only."""
    return " ".join(_WORD.findall(text.lower()))


def dedup_text(text: str) -> str:
    """Casefolded, punctuation as spaces, single-spaced."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def topic_key(text: str) -> str:
    """Casefolded words without punctuation or plural endings, single-spaced."""
    return " ".join(_singular(w) for w in dedup_text(text).split())
