"""The texts a record must not copy: seed examples, indexed document chunks, reference and
evaluation files. Each becomes a :class:`Source` named so a person can find it again (file and
row, document and chunk); a file that cannot be read is one :class:`InputError` naming it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from syndgen.errors import InputError
from syndgen.seeds.examples import SUFFIXES, read_rows

Origin = Literal["examples", "documents", "reference", "eval"]
TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")


@dataclass(frozen=True)
class Source:
    origin: Origin
    name: str
    text: str


def strings_of(value: Any) -> Iterable[str]:
    """Every string inside a row value: chat ``messages`` contents, lists, nested objects."""
    if isinstance(value, str):
        if value.strip():
            yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from strings_of(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings_of(item)


def row_text(row: Mapping[str, Any]) -> str:
    return "\n".join(strings_of(row))


def paragraphs(text: str) -> list[str]:
    """Blank-line separated paragraphs of a text file."""
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


def read_file_sources(path: str | Path, origin: Origin) -> list[Source]:
    """One source per row (JSONL, CSV, Parquet) or per paragraph (text, Markdown)."""
    file = Path(path).expanduser()
    what = "evaluation file" if origin == "eval" else f"{origin} file"
    suffix = file.suffix.lower()
    if suffix not in SUFFIXES and suffix not in TEXT_SUFFIXES:
        raise InputError(
            f"{what} {file}: unsupported type {suffix or '(none)'!r}",
            hint="use .jsonl, .csv, .parquet, .txt or .md",
        )
    if not file.is_file():
        raise InputError(f"{what} not found: {file}")
    if suffix in TEXT_SUFFIXES:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read {what} {file}: {getattr(exc, 'strerror', None) or exc}") from None
        return [Source(origin, f"{path} paragraph {i}", p) for i, p in enumerate(paragraphs(text), 1)]
    try:
        rows = read_rows(file)
    except InputError as exc:
        raise InputError(f"{what} {exc.message}", hint=exc.hint) from None
    except OSError as exc:
        raise InputError(f"cannot read {what} {file}: {exc.strerror or exc}") from None
    found = [Source(origin, f"{path} row {i}", row_text(r)) for i, r in enumerate(rows, 1)]
    return [s for s in found if s.text]


def document_sources(index_dir: str | Path) -> list[Source]:
    """Every chunk of a grounding index, named by its document, page and chunk id."""
    from syndgen.grounding.index import open_index

    index = open_index(Path(index_dir))
    found = []
    for chunk in index.chunks:
        page = f" page {chunk.page}" if chunk.page is not None else ""
        found.append(Source("documents", f"{chunk.source}{page} chunk {chunk.chunk_id}", chunk.text))
    return found


def config_sources(privacy: Any, task_examples: Any, grounding_index: str | None) -> list[Source]:
    """The sources a run's ``privacy`` section names: seed examples and document chunks (per
    ``leakage.sources``, when the run has them) and ``leakage.references``."""
    leakage = privacy.leakage
    found: list[Source] = []
    if "examples" in leakage.sources and task_examples is not None:
        found += read_file_sources(task_examples.path, "examples")
    if "documents" in leakage.sources and grounding_index:
        found += document_sources(grounding_index)
    for path in leakage.references:
        found += read_file_sources(path, "reference")
    return found


def eval_sources(paths: Sequence[str | Path]) -> list[Source]:
    found: list[Source] = []
    for path in paths:
        found += read_file_sources(path, "eval")
    return found
