"""Small text helpers shared by the grounding modules: word tokens, stopwords, a light stemmer.

Everything here is pure and deterministic. The stemmer only strips a few English suffixes so that
"policies" meets "policy" and "approved" meets "approve"; it is not meant to be linguistically
right, only to make lexical matching less brittle.
"""

from __future__ import annotations

import re

WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
"""A word: letters and digits, with inner apostrophes ("don't", "Northwind's")."""

_STOPWORD_TEXT = """
    a about above after again against all also am an and any are aren't as at be because been before
    being below between both but by can cannot could couldn't did didn't do does doesn't doing don't
    down during each either else ever every few for from further get gets got had hadn't has hasn't
    have haven't having he her here hers herself him himself his how however i if in into is isn't it
    it's its itself just let's may me might more most must mustn't my myself neither no nor not now of
    off on once only or other otherwise ought our ours ourselves out over own per rather same shall
    shan't she should shouldn't since so some such than that that's the their theirs them themselves
    then there there's these they this those though through thus to too under until up upon us very
    via was wasn't we were weren't what when where whether which while who whom whose why will with
    within without won't would wouldn't yes yet you your yours yourself yourselves
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def words(text: str) -> list[str]:
    """The words of ``text`` in order, lower-cased, possessive ``'s`` removed."""
    out: list[str] = []
    for match in WORD_RE.finditer(text):
        word = match.group(0).lower().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        out.append(word)
    return out


def stem(word: str) -> str:
    """Strip one common English suffix and a final "e" (a crude, stable stemmer).

    ``policies``/``policy`` -> ``policy``; ``approve``/``approved``/``approving`` -> ``approv``;
    ``expense``/``expenses`` -> ``expens``. Words of three letters or fewer and words with digits are
    returned unchanged.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for suffix in ("ing", "ed", "s"):
        if not word.endswith(suffix) or len(word) - len(suffix) < 3:
            continue
        if suffix == "s" and word.endswith(("ss", "us", "is")):
            break
        word = word[: -len(suffix)]
        if suffix != "s" and len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
            word = word[:-1]
        break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def content_words(text: str) -> list[str]:
    """Lower-case, stemmed words of ``text`` that carry meaning (no stopwords, no 1-letter words)."""
    return [stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1]


def search_tokens(text: str) -> list[str]:
    """Tokens used by the BM25 index and its queries: stemmed content words."""
    return content_words(text)
