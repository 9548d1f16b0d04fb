"""The API's routes for review and quality: a job's records (every attempt, filtered and
searched), one record's whole story, the reviewers' decisions (append-only), and the quality
dashboard's figures. The web UI takes every action through these routes, so a script can do
whatever the UI does."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from syndgen.review import add_review, read_reviews, review_counts
from syndgen.server import quality
from syndgen.server.queue import Supervisor
from syndgen.server.records import RecordFilter, list_records, record_detail

MAX_PAGE = 500


class ReviewBody(BaseModel):
    """A decision on one record: ``attempt_no`` defaults to the seed's kept answer."""

    model_config = ConfigDict(extra="forbid")

    seed_index: int = Field(ge=0)
    attempt_no: int | None = Field(default=None, ge=1)
    decision: Literal["accept", "reject", "edit"]
    reviewer: str = Field(min_length=1, max_length=100)
    reason: str = Field(default="", max_length=2000)
    answer: str | None = None
    reasoning: str | None = None


def install(app: FastAPI, sup: Supervisor) -> None:
    _record_routes(app, sup)
    _review_routes(app, sup)


def _record_routes(app: FastAPI, sup: Supervisor) -> None:
    @app.get("/v1/jobs/{job_id}/records")
    async def job_records(
        job_id: str,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
        status: Literal["kept", "rejected"] | None = None,
        role: str | None = None,
        topic: str | None = None,
        axis: Annotated[str | None, Query(description="NAME:VALUE")] = None,
        min_score: Annotated[int | None, Query(ge=1, le=5)] = None,
        max_score: Annotated[int | None, Query(ge=1, le=5)] = None,
        reason: str | None = None,
        difficulty: str | None = None,
        verified: bool | None = None,
        privacy: Annotated[bool | None, Query(description="rejected for PII or leakage, or flagged")] = None,
        review: Literal["accept", "reject", "edit", "none"] | None = None,
        q: Annotated[str | None, Query(max_length=200)] = None,
    ) -> dict[str, Any]:
        """Every attempt (kept and rejected) as a row, filtered; ``q`` searches the question,
        reasoning, answer, critic rationale and rejection reasons."""
        sup.get(job_id)
        found = RecordFilter(
            status=status,
            role=role,
            topic=topic,
            axis=axis,
            min_score=min_score,
            max_score=max_score,
            reason=reason,
            difficulty=difficulty,
            verified=verified,
            privacy=privacy,
            review=review,
            q=q,
        )
        run_dir = sup.folders.run_dir(job_id)
        return await run_in_threadpool(list_records, run_dir, found, limit=limit, offset=offset)

    @app.get("/v1/jobs/{job_id}/records/{seed_index}")
    async def job_record(job_id: str, seed_index: int) -> dict[str, Any]:
        """One seed: question, every attempt with its checks, verdict and rejections, the
        regeneration's diff, the SFT row and DPO pair it exports as, passages, lineage, reviews."""
        sup.get(job_id)
        return await run_in_threadpool(record_detail, sup.folders.run_dir(job_id), seed_index)

    @app.get("/v1/jobs/{job_id}/quality")
    async def job_quality(job_id: str) -> dict[str, Any]:
        """The dashboard's figures (``syndgen inspect``'s) and plot series."""
        sup.get(job_id)
        data = await run_in_threadpool(quality.dashboard, sup.folders.run_dir(job_id))
        return data or {"inspect": None}

    @app.get("/v1/jobs/{job_id}/privacy")
    async def job_privacy(job_id: str) -> dict[str, Any]:
        """The dataset card's privacy section (redactions by entity type, the leakage report,
        the audit log's head), the audit chain's verification and every export entry."""
        from syndgen.server.privacy import privacy_view

        sup.get(job_id)
        return await run_in_threadpool(privacy_view, sup.folders.run_dir(job_id))

    @app.get("/v1/jobs/{job_id}/quality/embedding-map")
    async def job_embedding_map(job_id: str) -> dict[str, Any]:
        """Kept vs rejected attempts on a 2-D map of their embeddings."""
        sup.get(job_id)
        return await run_in_threadpool(quality.embedding_map, sup.folders.run_dir(job_id))


def _review_routes(app: FastAPI, sup: Supervisor) -> None:
    @app.get("/v1/jobs/{job_id}/reviews")
    async def job_reviews(job_id: str) -> dict[str, Any]:
        """Every decision stored, oldest first, and the counts of those in force."""
        sup.get(job_id)
        reviews = await run_in_threadpool(read_reviews, sup.folders.run_dir(job_id))
        return {"counts": review_counts(reviews), "items": [r.model_dump() for r in reviews]}

    @app.post("/v1/jobs/{job_id}/reviews", status_code=201)
    async def create_review(job_id: str, body: ReviewBody) -> dict[str, Any]:
        """Store a decision (accept, reject with a reason, edit with the corrected answer); the
        job may be running or finished. The exports apply it from their next write."""
        sup.get(job_id)
        run_dir = sup.folders.run_dir(job_id)
        review = await run_in_threadpool(
            add_review,
            run_dir,
            body.seed_index,
            body.decision,
            body.reviewer,
            attempt_no=body.attempt_no,
            reason=body.reason,
            answer=body.answer,
            reasoning=body.reasoning,
        )
        return review.model_dump()
