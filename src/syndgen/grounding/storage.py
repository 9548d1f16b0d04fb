"""The on-disk layout of a document index folder, written atomically.

::

    INDEX_DIR/
      manifest.json              the commit point: version, embedder, chunker, files, data file names
      chunks-000007.parquet      one row per chunk (id, doc, source, page, section, offsets, text)
      vectors-000007.npy         float32 (chunks x dimension), L2-normalised, rows aligned with chunks
      bm25-000007/               the bm25s index over the same rows (saved, not rebuilt: loading
                                 takes ~10 ms where rebuilding 20k chunks takes ~3 s)

Data files carry the index version in their names and are never modified. A write puts the new
generation's files in place (each written to a temporary name, then renamed), then replaces
``manifest.json`` the same way, then deletes the previous generation. A reader follows the
manifest, so an interrupted write leaves the previous index intact; leftovers are removed by the
next successful write. One writer at a time is assumed.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from syndgen.errors import InputError
from syndgen.grounding.chunk import Chunk, ChunkParams

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
else:
    Matrix = Any

INDEX_FORMAT = 1
MANIFEST_NAME = "manifest.json"
_GENERATED = re.compile(r"^(?:chunks-\d+\.parquet|vectors-\d+\.npy|bm25-\d+|\..+\.tmp-\d+)$")
_NO_TOKENS = "\x00"
_FIX = "run `syndgen ingest PATH --index DIR` first"


@dataclass(frozen=True, slots=True)
class FileEntry:
    """What the index knows about one ingested file."""

    sha256: str
    mtime: float
    size: int
    doc_id: str
    chunk_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Manifest:
    """The index's description; ``files`` is keyed by source path as given to ingest."""

    index_version: int
    embedder: str
    dimension: int
    chunker: ChunkParams
    files: dict[str, FileEntry] = field(default_factory=dict)
    chunks_file: str | None = None
    vectors_file: str | None = None
    bm25_dir: str | None = None
    redaction: dict[str, Any] | None = None
    """How the documents' PII was redacted before indexing (:mod:`syndgen.privacy`), or None."""

    def to_json(self) -> str:
        data = {
            "format": INDEX_FORMAT,
            "index_version": self.index_version,
            "embedder": self.embedder,
            "dimension": self.dimension,
            "chunker": self.chunker.to_dict(),
            "data": {"chunks": self.chunks_file, "vectors": self.vectors_file, "bm25": self.bm25_dir},
            **({"redaction": self.redaction} if self.redaction is not None else {}),
            "files": {
                source: {
                    "sha256": entry.sha256,
                    "mtime": entry.mtime,
                    "size": entry.size,
                    "doc_id": entry.doc_id,
                    "chunk_ids": list(entry.chunk_ids),
                }
                for source, entry in sorted(self.files.items())
            },
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        if data.get("format") != INDEX_FORMAT:
            raise ValueError(f"unsupported index format {data.get('format')!r}")
        files = {
            source: FileEntry(
                sha256=entry["sha256"],
                mtime=float(entry["mtime"]),
                size=int(entry["size"]),
                doc_id=entry["doc_id"],
                chunk_ids=tuple(entry["chunk_ids"]),
            )
            for source, entry in data["files"].items()
        }
        return cls(
            index_version=int(data["index_version"]),
            embedder=str(data["embedder"]),
            dimension=int(data["dimension"]),
            chunker=ChunkParams.from_dict(data["chunker"]),
            files=files,
            chunks_file=data["data"]["chunks"],
            vectors_file=data["data"]["vectors"],
            bm25_dir=data["data"]["bm25"],
            redaction=data.get("redaction"),
        )


def has_index(index_dir: Path) -> bool:
    return (index_dir / MANIFEST_NAME).is_file()


def read_manifest(index_dir: Path) -> Manifest:
    """Read ``manifest.json``; a missing or invalid one raises InputError with the fix."""
    path = index_dir / MANIFEST_NAME
    if not index_dir.is_dir():
        raise InputError(f"index folder {index_dir} does not exist", hint=_FIX)
    if not path.is_file():
        raise InputError(f"{index_dir} is not a document index (no {MANIFEST_NAME})", hint=_FIX)
    try:
        return Manifest.from_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        hint = f"delete {index_dir} and {_FIX}"
        raise InputError(f"{path} is unreadable or invalid: {exc}", hint=hint) from exc


def check_writable(index_dir: Path) -> None:
    """Refuse to write an index into a file or into a folder that holds something else."""
    if index_dir.exists() and not index_dir.is_dir():
        raise InputError(f"--index {index_dir} is a file, not a folder")
    if index_dir.is_dir() and not has_index(index_dir) and any(index_dir.iterdir()):
        hint = "choose a new or empty --index folder"
        raise InputError(f"{index_dir} is not empty and is not a document index", hint=hint)


def read_data(index_dir: Path, manifest: Manifest) -> tuple[list[Chunk], Matrix]:
    """The chunks and their vectors (rows aligned) of the manifest's generation."""
    import numpy as np

    if manifest.chunks_file is None or manifest.vectors_file is None:
        return [], np.zeros((0, manifest.dimension), dtype=np.float32)
    try:
        import pyarrow.parquet as pq

        rows = pq.read_table(index_dir / manifest.chunks_file).to_pylist()
        vectors = np.load(index_dir / manifest.vectors_file, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"index {index_dir} is damaged: {exc}", hint=f"delete it and {_FIX}") from exc
    chunks = [Chunk(**row) for row in rows]
    if vectors.shape != (len(chunks), manifest.dimension):
        raise InputError(
            f"index {index_dir} is damaged: {vectors.shape[0]} vectors for {len(chunks)} chunks",
            hint=f"delete it and {_FIX}",
        )
    return chunks, np.asarray(vectors, dtype=np.float32)


def load_bm25(index_dir: Path, manifest: Manifest) -> Any:
    """The saved bm25s index, or None for an empty index."""
    if manifest.bm25_dir is None:
        return None
    import bm25s

    try:
        return bm25s.BM25.load(str(index_dir / manifest.bm25_dir), show_progress=False)
    except (OSError, ValueError, KeyError) as exc:
        raise InputError(f"index {index_dir} is damaged: {exc}", hint=f"delete it and {_FIX}") from exc


def write_generation(
    index_dir: Path,
    manifest: Manifest,
    chunks: Sequence[Chunk],
    vectors: Matrix,
    tokens: Sequence[list[str]],
) -> Manifest:
    """Write a new generation (data files, then the manifest) and remove the old one.

    ``manifest`` supplies version, embedder, chunker and files; the data file names are set here
    from its version. Returns the manifest as written.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    stamp = f"{manifest.index_version:06d}"
    names: dict[str, str | None] = {"chunks_file": None, "vectors_file": None, "bm25_dir": None}
    if chunks:
        names = {
            "chunks_file": f"chunks-{stamp}.parquet",
            "vectors_file": f"vectors-{stamp}.npy",
            "bm25_dir": f"bm25-{stamp}",
        }
        _write_chunks(index_dir / str(names["chunks_file"]), chunks)
        _write_vectors(index_dir / str(names["vectors_file"]), vectors)
        _write_bm25(index_dir / str(names["bm25_dir"]), tokens)
    written = Manifest(
        index_version=manifest.index_version,
        embedder=manifest.embedder,
        dimension=manifest.dimension,
        chunker=manifest.chunker,
        files=manifest.files,
        redaction=manifest.redaction,
        **names,
    )
    _write_atomic(index_dir / MANIFEST_NAME, written.to_json().encode("utf-8"))
    _remove_stale(index_dir, {name for name in names.values() if name})
    return written


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _write_chunks(path: Path, chunks: Sequence[Chunk]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = {name: [getattr(chunk, name) for chunk in chunks] for name in Chunk.__slots__}
    schema = pa.schema(
        [
            ("chunk_id", pa.string()),
            ("doc_id", pa.string()),
            ("source", pa.string()),
            ("page", pa.int32()),
            ("section", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
        ]
    )
    buffer = io.BytesIO()
    pq.write_table(pa.table(columns, schema=schema), buffer, compression="zstd")
    _write_atomic(path, buffer.getvalue())


def _write_vectors(path: Path, vectors: Matrix) -> None:
    import numpy as np

    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
    _write_atomic(path, buffer.getvalue())


def _write_bm25(path: Path, tokens: Sequence[list[str]]) -> None:
    import bm25s

    retriever = bm25s.BM25()
    # A chunk without a searchable word (only stopwords or symbols) gets a placeholder token that no
    # query produces: bm25s cannot index a corpus whose vocabulary is empty.
    retriever.index([list(row) or [_NO_TOKENS] for row in tokens], show_progress=False)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    retriever.save(str(tmp), show_progress=False)
    if path.exists():  # left by an interrupted write of the same version
        shutil.rmtree(path)
    os.replace(tmp, path)


def _remove_stale(index_dir: Path, keep: set[str]) -> None:
    for entry in index_dir.iterdir():
        if entry.name in keep or not _GENERATED.match(entry.name):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
