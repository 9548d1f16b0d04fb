"""Majority voting over k answers to one question (self-consistency).

Answers are clustered greedily in index order: each answer joins the first cluster whose first
member it agrees with, else starts a new one. The winner is the first member of the largest
cluster, ties going to the cluster that started earliest, so the result is deterministic.
``agreement`` is the winning cluster's size over k.

Methods: ``exact`` (normalised text), ``numeric`` (final answers compared by value; an answer with
no final answer never wins), ``semantic`` (cosine similarity of sentence embeddings >= threshold)
and ``judge`` (a callable ``judge(a, b) -> bool`` decides equivalence, e.g. an LLM).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict

from syndgen.errors import ConfigError

from .mathcheck import extract_final_answer, values_equal
from .structure import normalise_text

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.floating[Any]]
else:
    Matrix = Any

VoteMethod = Literal["exact", "numeric", "semantic", "judge"]
Embed = Callable[[Sequence[str]], Matrix]
Judge = Callable[[str, str], bool]
Same = Callable[[int, int], bool]


class VoteResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    winner_index: int | None
    winner: str | None
    agreement: float
    clusters: list[list[int]]


def cluster(indexes: Sequence[int], same: Same) -> list[list[int]]:
    """Greedy clustering: each index joins the first cluster whose first member is ``same`` as it."""
    clusters: list[list[int]] = []
    for i in indexes:
        for members in clusters:
            if same(members[0], i):
                members.append(i)
                break
        else:
            clusters.append([i])
    return clusters


def _exact_clusters(answers: Sequence[str]) -> tuple[list[list[int]], set[int]]:
    keys = [normalise_text(a) for a in answers]
    return cluster(range(len(answers)), lambda a, b: keys[a] == keys[b]), set()


def _numeric_clusters(answers: Sequence[str]) -> tuple[list[list[int]], set[int]]:
    finals = [extract_final_answer(a) for a in answers]
    invalid = {i for i, final in enumerate(finals) if final is None}

    def same(a: int, b: int) -> bool:
        left, right = finals[a], finals[b]
        return left is not None and right is not None and values_equal(left, right)

    return cluster(range(len(answers)), same), invalid


def _semantic_clusters(
    answers: Sequence[str], embed: Embed | None, threshold: float
) -> tuple[list[list[int]], set[int]]:
    import numpy as np

    if embed is None:
        from syndgen.embed import get_embedder

        embed = get_embedder().encode
    vectors = np.asarray(embed(list(answers)), dtype=np.float64)
    if vectors.shape[0] != len(answers):
        raise ConfigError(f"the embedder returned {vectors.shape[0]} vectors for {len(answers)} answers")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    unit = vectors / np.where(norms == 0, 1.0, norms)
    return cluster(range(len(answers)), lambda a, b: float(unit[a] @ unit[b]) >= threshold), set()


def _judge_clusters(answers: Sequence[str], judge: Judge | None) -> tuple[list[list[int]], set[int]]:
    if judge is None:
        raise ConfigError("voting method 'judge' needs a judge(a, b) -> bool callable")
    return cluster(range(len(answers)), lambda a, b: bool(judge(answers[a], answers[b]))), set()


def vote(
    answers: Sequence[str],
    method: VoteMethod = "exact",
    *,
    embed: Embed | None = None,
    judge: Judge | None = None,
    threshold: float = 0.85,
) -> VoteResult:
    """The majority answer among ``answers`` by ``method``; no winner when none is eligible."""
    if not answers:
        return VoteResult(winner_index=None, winner=None, agreement=0.0, clusters=[])
    if method == "exact":
        clusters, invalid = _exact_clusters(answers)
    elif method == "numeric":
        clusters, invalid = _numeric_clusters(answers)
    elif method == "semantic":
        clusters, invalid = _semantic_clusters(answers, embed, threshold)
    elif method == "judge":
        clusters, invalid = _judge_clusters(answers, judge)
    else:
        raise ConfigError(
            f"unknown voting method {method!r}", hint="use one of: exact, numeric, semantic, judge"
        )
    eligible = [members for members in clusters if members[0] not in invalid]
    if not eligible:
        return VoteResult(winner_index=None, winner=None, agreement=0.0, clusters=clusters)
    best = max(eligible, key=len)  # max keeps the first of equal sizes: the earliest cluster
    return VoteResult(
        winner_index=best[0],
        winner=answers[best[0]],
        agreement=len(best) / len(answers),
        clusters=clusters,
    )
