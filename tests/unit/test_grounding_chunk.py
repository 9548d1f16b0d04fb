"""Chunking properties: exact offsets, bounded size, overlap, structure carried, stable ids."""

from __future__ import annotations

import itertools
import random

import pytest

from syndgen.errors import ConfigError
from syndgen.grounding import Chunk, ChunkParams, Section, chunk_sections, count_tokens, document_text
from syndgen.grounding.chunk import split_spans
from syndgen.grounding.parse import SECTION_SEP

WORDS = ["policy", "leave", "employee", "manager", "approval", "days", "request", "travel", "hotel", "safety"]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(4, 18))]
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ".", "!", "?", ", (see 4.2)."])


def paragraph(rng: random.Random) -> str:
    return " ".join(sentence(rng) for _ in range(rng.randint(1, 7)))


def make_sections(rng: random.Random) -> list[Section]:
    sections: list[Section] = []
    offset = 0
    for number in range(rng.randint(1, 6)):
        text = "\n\n".join(paragraph(rng) for _ in range(rng.randint(1, 8)))
        page = number + 1 if number % 2 else None
        sections.append(Section(text=text, page=page, section=f"Part {number}", start=offset))
        offset += len(text) + len(SECTION_SEP)
    return sections


def check_properties(chunks: list[Chunk], sections: list[Section], params: ChunkParams) -> None:
    text = document_text(sections)
    assert chunks, "every non-empty document gives chunks"
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip()
        assert count_tokens(chunk.text, params) <= params.max_tokens
        owner = next(s for s in sections if s.start <= chunk.start and chunk.end <= s.start + len(s.text))
        assert (chunk.page, chunk.section) == (owner.page, owner.section)
    for before, after in itertools.pairwise(chunks):
        if before.section == after.section:
            assert after.start < before.end, "consecutive chunks of a section overlap"
            assert after.start > before.start, "and always move forward"
            shared = text[after.start : before.end]
            assert count_tokens(shared, params) <= params.overlap
    covered = {(c.section, i) for c in chunks for i in range(c.start, c.end)}
    for section in sections:  # every token is in some chunk
        for index, char in enumerate(section.text):
            if not char.isspace():
                assert (section.section, section.start + index) in covered


@pytest.mark.parametrize("seed", range(25))
def test_random_documents_keep_all_properties(seed: int) -> None:
    rng = random.Random(seed)
    max_tokens = rng.choice([16, 40, 80, 200])
    params = ChunkParams(
        max_tokens=max_tokens,
        overlap=rng.randint(1, max_tokens // 2 - 1),
        tokenizer=rng.choice(["regex", "whitespace"]),
    )
    sections = make_sections(rng)
    chunks = chunk_sections(sections, doc_id="abcdef012345", source="docs/x.md", params=params)
    check_properties(chunks, sections, params)
    assert [chunk.chunk_id for chunk in chunks] == [f"abcdef012345-{i:04d}" for i in range(len(chunks))]
    assert chunks == chunk_sections(sections, doc_id="abcdef012345", source="docs/x.md", params=params)


def test_a_short_section_is_one_chunk_and_sections_are_never_merged() -> None:
    sections = [
        Section("First part.", page=1, start=0),
        Section("Second part.", page=2, start=len("First part.") + 2),
    ]
    chunks = chunk_sections(sections, doc_id="d" * 12, source="a.pdf")
    assert [(c.text, c.page, c.start, c.end) for c in chunks] == [
        ("First part.", 1, 0, 11),
        ("Second part.", 2, 13, 25),
    ]


def test_long_sections_are_cut_at_paragraphs_then_sentences() -> None:
    para = " ".join(["Alpha beta gamma delta."] * 5)  # 25 tokens (regex), 5 sentences
    text = f"{para}\n\n{para}\n\n{para}"
    params = ChunkParams(max_tokens=60, overlap=0)
    spans = split_spans(text, params)
    assert [text[a:b] for a, b in spans] == [f"{para}\n\n{para}", para]
    no_paragraphs = " ".join(["Alpha beta gamma delta."] * 15)
    pieces = [no_paragraphs[a:b] for a, b in split_spans(no_paragraphs, params)]
    assert all(piece.endswith(".") for piece in pieces), pieces


def test_a_long_run_without_boundaries_is_cut_at_max_tokens() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    spans = split_spans(text, ChunkParams(max_tokens=30, overlap=5, tokenizer="whitespace"))
    sizes = [len(text[a:b].split()) for a, b in spans]
    assert sizes[0] == 30 and max(sizes) == 30
    assert text[spans[1][0] :].startswith("w25 ")  # exactly 5 tokens of overlap


def test_overlap_starts_at_a_sentence_when_one_is_near() -> None:
    text = " ".join(f"Sentence number {i} ends here." for i in range(40))
    spans = split_spans(text, ChunkParams(max_tokens=50, overlap=12))
    for start, _ in spans[1:]:
        assert text[start:].startswith("Sentence number")


def test_chunk_params_are_validated() -> None:
    with pytest.raises(ConfigError, match="max_tokens"):
        ChunkParams(max_tokens=4)
    with pytest.raises(ConfigError, match="overlap"):
        ChunkParams(max_tokens=100, overlap=60)
    with pytest.raises(ConfigError, match="tokenizer"):
        ChunkParams(tokenizer="bpe")  # type: ignore[arg-type]
    assert ChunkParams.from_dict(ChunkParams().to_dict()) == ChunkParams()


def test_empty_sections_give_no_chunks() -> None:
    assert chunk_sections([Section("   ")], doc_id="x" * 12, source="a.txt") == []
