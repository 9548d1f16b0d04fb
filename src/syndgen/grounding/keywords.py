"""Topics of an indexed document: its most distinctive words and two-word phrases, by TF-IDF.

A term is a content word (three letters or more, not a stopword, not a number) or two adjacent
content words. Terms are counted under their stem, so "policy" and "policies" are one term, and
shown in their most frequent surface form. A term's score in a document is
``(1 + ln tf) * (ln((1 + N) / (1 + df)) + 1)`` with ``N`` the number of indexed documents and
``df`` how many contain the term (the smoothed IDF that scikit-learn uses); two-word phrases must
occur at least twice. The words of section headings count twice more, as a heading names its
section's topic. Equal scores go to the term used first. A term whose words are all in a better
term is skipped, and a phrase replaces a single word it contains ("fume hoods" replaces "fume").
Written by hand: it is a few lines of counting and needs no extra dependency.
"""

from __future__ import annotations

import math
import weakref
from collections import Counter
from collections.abc import Iterable, Sequence

from syndgen.grounding.chunk import Chunk
from syndgen.grounding.index import Index
from syndgen.grounding.text import STOPWORDS, stem, words

Term = tuple[str, ...]

_FREQUENCIES: weakref.WeakKeyDictionary[Index, tuple[int, Counter[Term]]] = weakref.WeakKeyDictionary()


def doc_keywords(index: Index, doc_id: str, n: int = 8) -> list[str]:
    """The ``n`` most distinctive terms of document ``doc_id``; InputError if it is not indexed."""
    counts, surfaces, first = _document_terms(index.document_chunks(doc_id))
    total, frequencies = _document_frequencies(index)
    scored = sorted(
        (-(1.0 + math.log(tf)) * (math.log((1 + total) / (1 + frequencies[term])) + 1.0), first[term], term)
        for term, tf in counts.items()
        if len(term) == 1 or tf >= 2
    )
    chosen: dict[Term, str] = {}
    for _, _, term in scored:
        if len(chosen) == n:
            break
        if any(set(term) <= set(other) for other in chosen):
            continue
        for other in [other for other in chosen if set(other) < set(term)]:
            del chosen[other]  # "fume hoods" replaces an earlier "fume"
        chosen[term] = surfaces[term].most_common(1)[0][0]
    return list(chosen.values())


def _document_terms(
    chunks: Sequence[Chunk],
) -> tuple[Counter[Term], dict[Term, Counter[str]], dict[Term, int]]:
    counts, surfaces, first = _terms(_document_text(chunks))
    headings = sorted({chunk.section.split(" > ")[-1] for chunk in chunks if chunk.section})
    for heading in headings:  # a heading names the topic of its section: its words count twice more
        heading_counts, heading_surfaces, _ = _terms(heading)
        for term, count in heading_counts.items():
            counts[term] += 2 * count
            first.setdefault(term, 0)
            surfaces.setdefault(term, Counter()).update(heading_surfaces[term])
    return counts, surfaces, first


def _document_text(chunks: Iterable[Chunk]) -> str:
    """The document's indexed text once, without the overlap between consecutive chunks."""
    parts: list[str] = []
    reached = 0
    for chunk in sorted(chunks, key=lambda item: item.start):
        if chunk.end <= reached:
            continue
        parts.append(chunk.text[max(0, reached - chunk.start) :])
        reached = chunk.end
    return "\n".join(parts)


def _terms(text: str) -> tuple[Counter[Term], dict[Term, Counter[str]], dict[Term, int]]:
    """Term counts, the surface forms of each term, and the position of each term's first use."""
    counts: Counter[Term] = Counter()
    surfaces: dict[Term, Counter[str]] = {}
    first: dict[Term, int] = {}
    previous: tuple[str, str] | None = None
    for position, word in enumerate(words(text)):
        if word in STOPWORDS or len(word) < 3 or not word.isalpha():
            previous = None
            continue
        current = (stem(word), word)
        terms: list[tuple[Term, str]] = [((current[0],), word)]
        if previous is not None:
            terms.append(((previous[0], current[0]), f"{previous[1]} {word}"))
        for term, surface in terms:
            counts[term] += 1
            surfaces.setdefault(term, Counter())[surface] += 1
            first.setdefault(term, position)
        previous = current
    return counts, surfaces, first


def _document_frequencies(index: Index) -> tuple[int, Counter[Term]]:
    cached = _FREQUENCIES.get(index)
    if cached is not None:
        return cached
    by_doc: dict[str, list[Chunk]] = {}
    for chunk in index.chunks:
        by_doc.setdefault(chunk.doc_id, []).append(chunk)
    frequencies: Counter[Term] = Counter()
    for chunks in by_doc.values():
        frequencies.update(set(_document_terms(chunks)[0]))
    result = (len(by_doc), frequencies)
    _FREQUENCIES[index] = result
    return result
