"""Find the chunks of an index that best match a query.

:class:`Retriever` is the small interface the rest of syndgen depends on. :class:`HybridRetriever`
implements it over the local index folder by scoring every chunk twice, with BM25 (bm25s, exact
words) and with the cosine similarity of sentence embeddings (meaning), and fusing the two rankings.
Scoring every chunk is a matrix-vector product and a sparse lookup: milliseconds up to ~10^5
chunks. For much larger corpora an embedded vector database (LanceDB, Qdrant in local mode) could
implement the same Protocol; none is needed at this scale.

Fusion is weighted reciprocal-rank fusion::

    score = w_dense / (rrf_k + rank_dense) + (1 - w_dense) / (rrf_k + rank_bm25)

with 1-based ranks, ``rrf_k = 60`` and ``w_dense = 0.5`` by default. RRF was chosen over a
min-max-normalised weighted sum because BM25 scores are unbounded and their spread depends on the
query length and the corpus, while cosine scores bunch in a narrow band: normalising each list by
its own min and max lets one outlier set the scale of the whole list, and the best weight then
shifts from query to query. Ranks need no calibration, and a chunk that ranks well on both signals
rises to the top. A chunk that shares no term with the query gets no BM25 contribution. Equal
scores are broken by the chunk's position in the index (source path, then order in the file), so
results are deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from syndgen.embed import get_embedder
from syndgen.errors import ConfigError
from syndgen.grounding.chunk import Chunk
from syndgen.grounding.index import Index, TextEmbedder
from syndgen.grounding.text import search_tokens

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Vector = npt.NDArray[np.float32]
    Ranks = npt.NDArray[np.int64]
else:
    Vector = Any
    Ranks = Any


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved chunk with its fused score and the two raw scores behind it."""

    chunk: Chunk
    score: float
    bm25: float
    dense: float


class Retriever(Protocol):
    """Anything that returns the ``k`` best chunks for a query, best first."""

    def search(self, query: str, k: int = 5) -> list[Hit]: ...


class HybridRetriever:
    """BM25 + dense retrieval over a local index, fused by weighted reciprocal-rank fusion."""

    def __init__(
        self,
        index: Index,
        *,
        embedder: TextEmbedder | None = None,
        dense_weight: float = 0.5,
        rrf_k: int = 60,
    ) -> None:
        if not 0.0 <= dense_weight <= 1.0:
            raise ConfigError(f"dense_weight must be between 0 and 1, got {dense_weight}")
        if rrf_k < 1:
            raise ConfigError(f"rrf_k must be at least 1, got {rrf_k}")
        if embedder is not None and embedder.name != index.embedder_name:
            raise ConfigError(
                f"index {index.path} was embedded with {index.embedder_name!r}, not {embedder.name!r}",
                hint="search with the embedder the index was built with",
            )
        self.index = index
        self.dense_weight = dense_weight
        self.rrf_k = rrf_k
        self._embedder = embedder

    def search(self, query: str, k: int = 5) -> list[Hit]:
        import numpy as np

        total = len(self.index.chunks)
        if k <= 0 or total == 0 or not query.strip():
            return []
        bm25 = self.bm25_scores(query)
        dense = self.dense_scores(query)
        fused = self.dense_weight / (self.rrf_k + _ranks(dense))
        lexical = (1.0 - self.dense_weight) / (self.rrf_k + _ranks(bm25))
        fused = fused + np.where(bm25 > 0, lexical, 0.0)
        order = np.lexsort((np.arange(total), -fused))[:k]
        return [
            Hit(
                chunk=self.index.chunks[row],
                score=float(fused[row]),
                bm25=float(bm25[row]),
                dense=float(dense[row]),
            )
            for row in order
        ]

    def bm25_scores(self, query: str) -> Vector:
        """BM25 score of every chunk for ``query`` (0 where no query term occurs)."""
        import numpy as np

        retriever = self.index.bm25()
        vocab: dict[str, int] = retriever.vocab_dict
        tokens = [token for token in search_tokens(query) if token in vocab]
        if not tokens:
            return np.zeros(len(self.index.chunks), dtype=np.float32)
        return np.asarray(retriever.get_scores(tokens), dtype=np.float32)

    def dense_scores(self, query: str) -> Vector:
        """Cosine similarity of every chunk to ``query``."""
        import numpy as np

        if self._embedder is None:
            self._embedder = get_embedder(self.index.embedder_name)
        vector = self._embedder.encode([query])[0]
        return np.asarray(self.index.vectors @ vector, dtype=np.float32)


def _ranks(scores: Vector) -> Ranks:
    """1-based rank of every row by descending score; ties go to the earlier row."""
    import numpy as np

    order = np.lexsort((np.arange(len(scores)), -scores))
    ranks = np.empty(len(scores), dtype=np.int64)
    ranks[order] = np.arange(1, len(scores) + 1)
    return ranks
