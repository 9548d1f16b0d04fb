"""Split a parsed document into overlapping chunks by structure and token length (pure).

Chunks never cross a section (a heading's body or a PDF page). A section that fits in
``max_tokens`` is one chunk; a longer one is cut at the strongest boundary in the second half of
the window: a paragraph break, else a sentence end, else a line break, else after exactly
``max_tokens`` tokens. The next chunk starts up to ``overlap`` tokens before the cut, at a sentence
start when one lies in that window.

Tokens are approximated without a model tokenizer: ``regex`` counts words and punctuation marks
separately (close to a word-piece count for English prose), ``whitespace`` counts space-separated
words. Every chunk is an exact slice of the document's extracted text:
``document_text(sections)[chunk.start:chunk.end] == chunk.text``.

Chunk ids are ``<doc_id>-<ordinal>`` where ``doc_id`` is the first 12 hex digits of the file's
content sha256, so ids are stable for as long as the file's bytes and the chunk parameters are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from syndgen.errors import ConfigError
from syndgen.grounding.parse import Section

Tokenizer = Literal["regex", "whitespace"]
_TOKEN_PATTERNS: dict[str, re.Pattern[str]] = {
    "regex": re.compile(r"\w+|[^\w\s]"),
    "whitespace": re.compile(r"\S+"),
}
_SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*\s+$")

PARAGRAPH, SENTENCE, LINE, ANY = 3, 2, 1, 0


@dataclass(frozen=True, slots=True)
class ChunkParams:
    """How documents are cut. Stored in the index manifest: changing it needs a new index."""

    max_tokens: int = 200
    overlap: int = 40
    tokenizer: Tokenizer = "regex"
    min_fill: float = 0.5
    """A cut is placed no earlier than ``min_fill * max_tokens`` tokens into the window."""

    def __post_init__(self) -> None:
        if self.max_tokens < 8:
            raise ConfigError(f"chunk max_tokens must be at least 8, got {self.max_tokens}")
        if not 0 <= self.overlap < self.max_tokens // 2:
            limit = self.max_tokens // 2
            raise ConfigError(
                f"chunk overlap must be at least 0 and below max_tokens/2 ({limit}), got {self.overlap}"
            )
        if self.tokenizer not in _TOKEN_PATTERNS:
            choices = sorted(_TOKEN_PATTERNS)
            raise ConfigError(f"chunk tokenizer must be one of {choices}, got {self.tokenizer!r}")
        if not 0.1 <= self.min_fill <= 1.0:
            raise ConfigError(f"chunk min_fill must be between 0.1 and 1, got {self.min_fill}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChunkParams:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A retrievable piece of a document, located in the document's extracted text."""

    chunk_id: str
    doc_id: str
    source: str
    """The file's path as it was given to ingest (relative paths stay relative)."""
    page: int | None
    section: str | None
    start: int
    end: int
    text: str


def count_tokens(text: str, params: ChunkParams | None = None) -> int:
    """The approximate token count used for chunk sizes."""
    pattern = _TOKEN_PATTERNS[(params or ChunkParams()).tokenizer]
    return sum(1 for _ in pattern.finditer(text))


def chunk_sections(
    sections: Iterable[Section], *, doc_id: str, source: str, params: ChunkParams | None = None
) -> list[Chunk]:
    """Cut a document's sections into chunks with ids ``<doc_id>-0000``, ``<doc_id>-0001``, ..."""
    params = params or ChunkParams()
    chunks: list[Chunk] = []
    for section in sections:
        for start, end in split_spans(section.text, params):
            chunks.append(
                Chunk(
                    chunk_id=f"{doc_id}-{len(chunks):04d}",
                    doc_id=doc_id,
                    source=source,
                    page=section.page,
                    section=section.section,
                    start=section.start + start,
                    end=section.start + end,
                    text=section.text[start:end],
                )
            )
    return chunks


def indexed_text(chunk: Chunk) -> str:
    """The text that is embedded and BM25-indexed: the heading path, then the chunk."""
    return f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text


def split_spans(text: str, params: ChunkParams) -> list[tuple[int, int]]:
    """Character spans of the chunks of one section's text."""
    tokens = [match.span() for match in _TOKEN_PATTERNS[params.tokenizer].finditer(text)]
    total = len(tokens)
    if total == 0:
        return []
    if total <= params.max_tokens:
        return [(tokens[0][0], tokens[-1][1])]
    strengths = _break_strengths(text, tokens)
    windows: list[tuple[int, int]] = []
    first = 0
    while total - first > params.max_tokens:
        cut = _best_cut(strengths, first, params)
        windows.append((first, cut))
        first = _next_start(strengths, first, cut, params.overlap)
    windows.append((first, total))
    return [(tokens[a][0], tokens[b - 1][1]) for a, b in windows]


def _break_strengths(text: str, tokens: Sequence[tuple[int, int]]) -> list[int]:
    """``strengths[k]``: how good a place the start of token ``k`` is to begin a chunk."""
    strengths = [PARAGRAPH]
    for k in range(1, len(tokens)):
        gap = text[tokens[k - 1][1] : tokens[k][0]]
        if gap.count("\n") >= 2:
            strengths.append(PARAGRAPH)
        elif gap and _SENTENCE_END.search(text[max(0, tokens[k][0] - 6) : tokens[k][0]]):
            strengths.append(SENTENCE)
        elif "\n" in gap:
            strengths.append(LINE)
        else:
            strengths.append(ANY)
    return strengths


def _best_cut(strengths: Sequence[int], first: int, params: ChunkParams) -> int:
    """The token index to end the window starting at ``first`` (exclusive): strongest, then latest."""
    lowest = first + max(1, math.ceil(params.max_tokens * params.min_fill))
    highest = first + params.max_tokens
    best = highest
    for k in range(highest, lowest - 1, -1):
        if strengths[k] > strengths[best]:
            best = k
    return best


def _next_start(strengths: Sequence[int], first: int, cut: int, overlap: int) -> int:
    """Where the next window starts: a sentence start within ``overlap`` tokens before ``cut``."""
    if overlap == 0:
        return cut
    lowest = max(first + 1, cut - overlap)
    candidates = [k for k in range(lowest, cut) if strengths[k] >= SENTENCE]
    return candidates[0] if candidates else lowest
