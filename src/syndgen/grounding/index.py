"""Ingest documents into an index folder, and open it for retrieval.

``ingest`` is incremental. Each file is identified by its path as given (``docs/leave.md``) and
its content sha256:

- a file whose content is already indexed under that path is *unchanged* and costs one read;
- a new path is *added*, a known path with new content is *updated* (its chunks are replaced);
- an indexed file under one of the given folders (or named directly) that no longer exists is
  *removed*; files indexed from other paths are kept;
- a file whose content is already indexed under another path is a *duplicate* and is skipped;
- a file that cannot be read or parsed is *failed*, with a one-line reason; the rest is still
  ingested and a previously indexed version of that file stays in the index.

Change is detected by the content hash alone (the recorded mtime is informational, so touching a
file costs nothing). Content that was embedded before (a moved or renamed file) reuses its stored
vectors. The index version goes up by one for every ingest that changes something and stays the
same otherwise. The BM25 index is rebuilt over all chunks on every change (bm25s has no
incremental update; about 1 s per 5,000 chunks); the layout and atomicity are described in
:mod:`syndgen.grounding.storage`. Sources are stored as given, so ingest from the same working
folder each time (or give absolute paths).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from syndgen.embed import DEFAULT_EMBEDDER, get_embedder
from syndgen.errors import ConfigError, InputError
from syndgen.grounding.chunk import Chunk, ChunkParams, chunk_sections, indexed_text
from syndgen.grounding.parse import SUPPORTED_SUFFIXES, is_supported, kind_of, parse_bytes
from syndgen.grounding.redaction import SectionRedactor, counted, redact_sections, start_redaction
from syndgen.grounding.storage import (
    FileEntry,
    Manifest,
    check_writable,
    has_index,
    load_bm25,
    read_data,
    read_manifest,
    write_generation,
)
from syndgen.grounding.text import search_tokens

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
else:
    Matrix = Any

ProgressFn = Callable[[int, int, str], None]
"""Called after each file as ``progress(done, total, source)``."""

StepFn = Callable[[int, int, str], None]
"""Called within a file and at the end as ``step(done, total, what)``: parsing, chunking, each
batch of embedded chunks, writing the index; so a large file shows progress, not a frozen bar."""

EMBED_BATCH = 256
"""Chunks embedded per call (one progress step each)."""


class TextEmbedder(Protocol):
    """What ingest and retrieval need from an embedding model (:class:`syndgen.embed.Embedder`)."""

    @property
    def name(self) -> str: ...

    def encode(self, texts: Sequence[str]) -> Matrix: ...


@dataclass(frozen=True)
class IngestReport:
    """What one ingest did; paths are sources as given."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    """``(path, problem)`` for every file that could not be read or parsed."""
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    """``(path, already indexed path)`` for files whose content is indexed under another path."""
    chunks_total: int = 0
    index_version: int = 0
    embedded: int = 0
    """How many chunks were embedded by this ingest."""
    redacted: dict[str, int] = field(default_factory=dict)
    """PII found (and redacted) in the files parsed by this ingest, by entity type."""

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


class Index:
    """An opened index: chunks and vectors in memory, BM25 loaded on first use."""

    def __init__(self, path: Path, manifest: Manifest, chunks: Sequence[Chunk], vectors: Matrix) -> None:
        self.path = path
        self.manifest = manifest
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self.vectors = vectors
        self._bm25: Any = None

    @property
    def version(self) -> int:
        return self.manifest.index_version

    @property
    def embedder_name(self) -> str:
        return self.manifest.embedder

    def bm25(self) -> Any:
        """The bm25s index over :attr:`chunks` (rows aligned), or None when the index is empty."""
        if self._bm25 is None and self.chunks:
            self._bm25 = load_bm25(self.path, self.manifest)
        return self._bm25

    def documents(self) -> dict[str, str]:
        """``doc_id -> source`` for every indexed document."""
        return {entry.doc_id: source for source, entry in sorted(self.manifest.files.items())}

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """The chunks of one document in order; InputError if the index does not hold it."""
        found = [chunk for chunk in self.chunks if chunk.doc_id == doc_id]
        if not found:
            raise InputError(f"document {doc_id!r} is not in the index {self.path}")
        return found


def open_index(index_dir: Path) -> Index:
    """Open an index folder; a missing or invalid one raises InputError naming the fix."""
    manifest = read_manifest(index_dir)
    chunks, vectors = read_data(index_dir, manifest)
    return Index(index_dir, manifest, chunks, vectors)


@dataclass
class _Doc:
    entry: FileEntry
    chunks: list[Chunk]
    vectors: Matrix


@dataclass
class _Run:
    """The mutable state of one ingest."""

    docs: dict[str, _Doc]
    known: dict[str, _Doc]
    """Previously indexed content by doc_id, for reusing vectors."""
    params: ChunkParams
    embedder_name: str
    embedder: TextEmbedder | None
    dimension: int | None
    embedded: int = 0
    owners: dict[str, str] = field(default_factory=dict)
    redactor: SectionRedactor | None = None
    redaction: dict[str, Any] | None = None
    step: StepFn | None = None

    def say(self, done: int, total: int, what: str) -> None:
        if self.step is not None:
            self.step(done, total, what)

    def encode(self, texts: Sequence[str], source: str = "") -> Matrix:
        import numpy as np

        if len(texts) <= EMBED_BATCH:
            return self._encode(texts)
        parts = []
        for start in range(0, len(texts), EMBED_BATCH):
            self.say(start, len(texts), f"{source}: embedding chunks")
            parts.append(self._encode(texts[start : start + EMBED_BATCH]))
        self.say(len(texts), len(texts), f"{source}: embedding chunks")
        return np.vstack(parts)

    def _encode(self, texts: Sequence[str]) -> Matrix:
        if self.embedder is None:
            self.embedder = get_embedder(self.embedder_name)
        vectors = self.embedder.encode(texts)
        if self.dimension is not None and vectors.shape[1] != self.dimension:
            raise ConfigError(
                f"embedder {self.embedder_name!r} returned {vectors.shape[1]}-d vectors, the index holds "
                f"{self.dimension}-d ones"
            )
        self.dimension = int(vectors.shape[1])
        self.embedded += len(texts)
        return vectors


def ingest(
    paths: Sequence[Path],
    index_dir: Path,
    *,
    embedder: TextEmbedder | None = None,
    params: ChunkParams | None = None,
    progress: ProgressFn | None = None,
    step: StepFn | None = None,
    redactor: SectionRedactor | None = None,
) -> IngestReport:
    """Add, update and remove documents in ``index_dir`` (created when missing); see the module doc.

    A ``redactor`` redacts PII before chunking (:mod:`syndgen.grounding.redaction`).

    Paths that hold no supported document at all (and remove nothing from the index) are an
    :class:`InputError` naming the supported extensions, not an empty success.
    """
    check_writable(index_dir)
    files, failed = collect_files(paths)
    old = read_manifest(index_dir) if has_index(index_dir) else None
    run = _start(index_dir, old, embedder, params)
    run.step = step
    run.redactor, run.redaction = redactor, start_redaction(index_dir, old, redactor)
    seen = {source for source, _ in files}
    scopes = [_source(path) for path in paths]
    removed = sorted(s for s in run.docs if s not in seen and any(_in_scope(s, scope) for scope in scopes))
    if not files and not failed and not removed:
        named = ", ".join(_source(path) for path in paths)
        raise InputError(
            f"no supported document in {named}",
            hint=f"supported extensions: {', '.join(sorted(SUPPORTED_SUFFIXES))}",
        )
    for source in removed:
        del run.docs[source]
    run.owners = {doc.entry.doc_id: source for source, doc in run.docs.items()}
    outcomes: dict[str, list[str]] = {"added": [], "updated": [], "unchanged": []}
    duplicates: list[tuple[str, str]] = []
    for done, (source, path) in enumerate(files, 1):
        was_indexed = source in run.docs
        outcome, detail = _ingest_file(run, source, path)
        if outcome == "failed":
            failed.append((source, detail))
        elif outcome == "duplicate":
            duplicates.append((source, detail))
            if was_indexed:  # its new content is indexed under the other path
                removed.append(source)
        else:
            outcomes[outcome].append(source)
        if progress is not None:
            progress(done, len(files), source)
    version = old.index_version if old else 0
    changed = bool(outcomes["added"] or outcomes["updated"] or removed)
    if changed:
        version += 1
        total = sum(len(doc.chunks) for doc in run.docs.values())
        run.say(0, 1, f"writing the index ({total} chunks)")
        _write(index_dir, run, version)
        run.say(1, 1, f"wrote the index ({total} chunks)")
    return IngestReport(
        added=outcomes["added"],
        updated=outcomes["updated"],
        unchanged=outcomes["unchanged"],
        removed=sorted(removed),
        failed=failed,
        duplicates=duplicates,
        chunks_total=sum(len(doc.chunks) for doc in run.docs.values()),
        index_version=version,
        embedded=run.embedded,
        redacted=redactor.counts() if redactor is not None else {},
    )


def _start(
    index_dir: Path, old: Manifest | None, embedder: TextEmbedder | None, params: ChunkParams | None
) -> _Run:
    name = embedder.name if embedder is not None else (old.embedder if old else DEFAULT_EMBEDDER)
    if old is None:
        return _Run({}, {}, params or ChunkParams(), name, embedder, None)
    fix = "use the same settings, or a new --index folder"
    if old.embedder != name:
        raise ConfigError(f"index {index_dir} was embedded with {old.embedder!r}, not {name!r}", hint=fix)
    if params is not None and params != old.chunker:
        raise ConfigError(f"index {index_dir} was built with chunking {old.chunker.to_dict()}", hint=fix)
    chunks, vectors = read_data(index_dir, old)
    docs = _group(old, chunks, vectors)
    known = {doc.entry.doc_id: doc for doc in docs.values()}
    return _Run(dict(docs), known, old.chunker, name, embedder, old.dimension)


def _group(manifest: Manifest, chunks: Sequence[Chunk], vectors: Matrix) -> dict[str, _Doc]:
    rows: dict[str, list[int]] = {}
    for row, chunk in enumerate(chunks):
        rows.setdefault(chunk.source, []).append(row)
    docs: dict[str, _Doc] = {}
    for source, entry in manifest.files.items():
        picked = rows.get(source, [])
        docs[source] = _Doc(entry, [chunks[i] for i in picked], vectors[picked])
    return docs


def _ingest_file(run: _Run, source: str, path: Path) -> tuple[str, str]:
    """Process one file into ``run.docs``: returns ``(outcome, detail)``."""
    try:
        data = path.read_bytes()
        stat = path.stat()
    except OSError as exc:
        return "failed", f"cannot read the file: {exc.strerror or exc}"
    sha = hashlib.sha256(data).hexdigest()
    doc_id = sha[:12]
    current = run.docs.get(source)
    if current is not None and current.entry.sha256 == sha:
        return "unchanged", ""
    owner = run.owners.get(doc_id)
    if owner is not None and owner != source:
        if current is not None:
            del run.docs[source]
            run.owners.pop(current.entry.doc_id, None)
        return "duplicate", owner
    reused = run.known.get(doc_id)
    if reused is not None and reused.entry.sha256 == sha:
        chunks = [_moved(chunk, source) for chunk in reused.chunks]
        vectors = reused.vectors
    else:
        try:
            run.say(0, 1, f"{source}: parsing")
            sections = parse_bytes(data, kind_of(path))
        except InputError as exc:
            return "failed", str(exc)
        sections = redact_sections(sections, run.redactor)
        run.say(0, 1, f"{source}: chunking")
        chunks = chunk_sections(sections, doc_id=doc_id, source=source, params=run.params)
        vectors = run.encode([indexed_text(chunk) for chunk in chunks], source)
    entry = FileEntry(sha, stat.st_mtime, len(data), doc_id, tuple(chunk.chunk_id for chunk in chunks))
    if current is not None:
        run.owners.pop(current.entry.doc_id, None)
    run.docs[source] = _Doc(entry, chunks, vectors)
    run.owners[doc_id] = source
    return ("updated" if current is not None else "added"), ""


def _moved(chunk: Chunk, source: str) -> Chunk:
    return dataclasses.replace(chunk, source=source)


def _write(index_dir: Path, run: _Run, version: int) -> None:
    import numpy as np

    sources = sorted(run.docs)
    chunks = [chunk for source in sources for chunk in run.docs[source].chunks]
    dimension = run.dimension or 0
    parts = [run.docs[source].vectors for source in sources if len(run.docs[source].chunks)]
    vectors = np.vstack(parts) if parts else np.zeros((0, dimension), dtype=np.float32)
    manifest = Manifest(
        index_version=version,
        embedder=run.embedder_name,
        dimension=dimension,
        chunker=run.params,
        files={source: run.docs[source].entry for source in sources},
        redaction=counted(run.redaction, run.redactor),
    )
    tokens = [search_tokens(indexed_text(chunk)) for chunk in chunks]
    write_generation(index_dir, manifest, chunks, vectors, tokens)


def collect_files(paths: Sequence[Path]) -> tuple[list[tuple[str, Path]], list[tuple[str, str]]]:
    """Expand files and folders (recursively) into ``(source, path)`` pairs sorted by source.

    Inside folders only supported extensions are taken and hidden files and folders (``.name``)
    and office lock files (``~$name``) are skipped. A named file of an unsupported type, or a
    path that does not exist, is returned in the second list as ``(source, problem)``.
    """
    found: dict[str, Path] = {}
    failed: list[tuple[str, str]] = []
    for given in paths:
        if given.is_file():
            try:
                kind_of(given)
            except InputError as exc:
                failed.append((_source(given), str(exc)))
                continue
            found[_source(given)] = given
        elif given.is_dir():
            for path in sorted(given.rglob("*")):
                parts = path.relative_to(given).parts
                if any(part.startswith((".", "~$")) for part in parts) or not is_supported(path):
                    continue
                if path.is_file():
                    found[_source(path)] = path
        else:
            failed.append((_source(given), "no such file or folder"))
    return sorted(found.items()), failed


def _source(path: Path) -> str:
    return Path(os.path.normpath(path)).as_posix()


def _in_scope(source: str, scope: str) -> bool:
    if scope == ".":
        return not source.startswith("/")
    return source == scope or source.startswith(scope.rstrip("/") + "/")
