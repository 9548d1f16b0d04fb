"""The review, records, quality and UI routes in process (FastAPI's test client over a finished
job laid out on disk as the server keeps it): no HTTP server, no job process."""

from __future__ import annotations

import json
import time

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

from syndgen.config import RunConfig
from syndgen.export.run_export import export_run
from syndgen.runner.run import run_pipeline
from syndgen.server.app import create_app
from syndgen.server.jobs import JobFolders, JobRecord
from syndgen.server.records import RecordFilter, matches, word_diff
from syndgen.server.settings import ServerSettings
from syndgen.server.ui.views import duration, job_row

CONFIG = {
    "count": 3,
    "generator": {"backend": "dryrun"},
    "task": {"topics": ["tides", "volcanoes"], "axes": [{"name": "level", "values": ["a", "b"]}]},
}


@pytest.fixture(scope="module")
def app_client(tmp_path_factory):
    work = tmp_path_factory.mktemp("ui") / "work"
    settings = ServerSettings(workdir=work)
    folders = JobFolders(settings.jobs_dir)
    record = JobRecord(
        id="0000-done",
        name="finished",
        state="done",
        created_at=time.time(),
        target=3,
        backend="dryrun",
        embedded=False,
        finished_at=time.time(),
    )
    folders.create(record, CONFIG)
    run_pipeline(RunConfig.model_validate(CONFIG), folders.run_dir(record.id))
    export_run(folders.run_dir(record.id))
    queued = record.model_copy(update={"id": "0001-queued", "name": "waiting", "state": "queued"})
    folders.create(queued, CONFIG)
    client = TestClient(create_app(settings))  # no lifespan: the supervisor starts no job process
    assert client.post("/v1/jobs/0001-queued/cancel").json()["state"] == "cancelled"
    return client


def test_pages_render_with_their_content(app_client):
    job = "0000-done"
    for path, words in [
        ("/", ["finished", "waiting", "cancelled"]),
        ("/new", ["Dataset builder", "financial/transactions"]),
        ("/new?template=ecommerce/reviews", ["selected"]),
        (f"/jobs/{job}/monitor", ["In flight", "Rejection reasons"]),
        (f"/jobs/{job}/records?topic=tides", ["tides", "kept"]),
        (f"/jobs/{job}/records/0", ["DPO counterpart", "Lineage", "critic"]),
        (f"/jobs/{job}/review", ["Decision", "Seed #0"]),
        (f"/jobs/{job}/review?status=rejected", ["Nothing to review"]),
        (f"/jobs/{job}/quality", ["Embedding map", "quality-data"]),
        ("/templates", ["financial/transactions"]),
        ("/templates/financial/transactions", ["Prompts"]),
        ("/ui/fragments/runs", ["finished"]),
    ]:
        response = app_client.get(path)
        assert response.status_code == 200, path
        for word in words:
            assert word in response.text, (path, word)
    assert app_client.get(f"/jobs/{job}", follow_redirects=False).headers["location"].endswith("/monitor")
    htmx = app_client.get(f"/jobs/{job}/records", headers={"HX-Request": "true"})
    assert "<html" not in htmx.text and "records-count" in htmx.text
    assert app_client.get("/ui/static/htmx.min.js").status_code == 200
    assert app_client.get("/ui/static/nothing.js").status_code == 404


def test_review_routes_and_the_exports(app_client):
    job = "0000-done"
    made = app_client.post(
        f"/v1/jobs/{job}/reviews",
        json={"seed_index": 0, "decision": "reject", "reviewer": "ann", "reason": "bad"},
    )
    assert made.status_code == 201 and made.json()["attempt_no"] == 1
    app_client.post(
        f"/v1/jobs/{job}/reviews",
        json={"seed_index": 1, "decision": "edit", "reviewer": "ann", "answer": "new"},
    )
    assert app_client.get(f"/v1/jobs/{job}/reviews").json()["counts"]["decisions"] == 2
    sft = [json.loads(x) for x in app_client.get(f"/v1/jobs/{job}/exports/sft").text.splitlines()]
    assert [r["id"] for r in sft] == ["seed-000001", "seed-000002"]
    record = app_client.get(f"/v1/jobs/{job}/records/1").json()
    assert record["dpo"]["chosen"][0]["content"] == "new" and record["reviews"][0]["decision"] == "edit"
    assert app_client.get(f"/v1/jobs/{job}/records?review=none").json()["total"] == 1
    bad = app_client.post(
        f"/v1/jobs/{job}/reviews", json={"seed_index": 0, "decision": "reject", "reviewer": "ann"}
    )
    assert bad.status_code == 400 and "reason" in bad.json()["error"]
    page = app_client.get(f"/jobs/{job}/review?seed=1").text
    assert "In force: edit by ann" in page


def test_quality_and_builder_routes(app_client):
    data = app_client.get("/v1/jobs/0000-done/quality").json()
    assert data["inspect"]["samples"] == 3 and data["reasons_over_time"] == {}
    assert app_client.get("/v1/jobs/0001-queued/quality").json() == {"inspect": None}
    points = app_client.get("/v1/jobs/0000-done/quality/embedding-map").json()["points"]
    assert len(points) == 3 and {p["side"] for p in points} == {"kept"}
    check = app_client.post("/v1/configs/check", content="count: 2\ngenerator: {backend: dryrun}")
    assert check.json()["count"] == 2
    bad = app_client.post("/v1/configs/check", content="count: 0")
    assert bad.status_code == 400 and "count" in bad.json()["error"]
    templated = app_client.post("/v1/configs/check?template=ecommerce/reviews", content="")
    assert templated.json()["kind"] == "structured"
    assert len(app_client.get("/v1/templates").json()["items"]) >= 15
    assert app_client.get("/v1/templates/no/such").status_code == 400


def test_record_filters_and_diffs_are_pure():
    row = {
        "status": "kept",
        "role": "answer",
        "topic": "t",
        "difficulty": None,
        "verified": None,
        "review": None,
        "reasons": ["low_score"],
        "attributes": {"level": ["a", "b"]},
        "score": 3,
        "question": "Why?",
        "reasoning": "",
        "answer": "Because",
        "rationale": "",
    }
    assert matches(row, RecordFilter(axis="level:b", reason="low_score", min_score=3, max_score=3, q="becau"))
    assert not matches(row, RecordFilter(axis="level:c"))
    assert not matches(row, RecordFilter(min_score=4))
    assert not matches(row, RecordFilter(review="edit"))
    assert matches(row, RecordFilter(review="none"))
    ops = word_diff("the sum is 4", "the sum is 5")
    assert ops == [
        {"op": "equal", "text": "the sum is "},
        {"op": "delete", "text": "4"},
        {"op": "insert", "text": "5"},
    ]


def test_runs_page_figures():
    now = time.time()
    record = JobRecord(
        id="x", name="n", state="running", created_at=now, target=10, backend="dryrun", embedded=False
    )
    progress = {
        "samples": 5,
        "attempts": 8,
        "target": 10,
        "resumed_samples": 0,
        "session_started_at": now - 100,
    }
    row = job_row(record, progress, {"samples": 5, "attempts": 8, "wall_s": 0.0})
    assert row["percent"] == 50 and row["rejection_rate"] == 3 / 8 and 170 < row["per_hour"] < 190
    assert row["can_cancel"] and not row["can_resume"] and row["eta"].endswith("s")
    assert duration(3725) == "1h 02m" and duration(65) == "1m 05s" and duration(None) == "—"


def test_a_token_app_takes_the_bearer_header_or_the_sign_in_cookie(tmp_path):
    from pydantic import SecretStr

    settings = ServerSettings(workdir=tmp_path / "work", token=SecretStr("s3cret-token-value"))
    client = TestClient(create_app(settings))
    assert client.get("/v1/jobs").status_code == 401
    assert client.get("/", headers={"Accept": "text/html"}, follow_redirects=False).status_code == 303
    assert "Token" in client.get("/login").text
    assert client.post("/login", content="token=nope").status_code == 401
    bearer = {"Authorization": "Bearer s3cret-token-value"}
    assert client.get("/v1/jobs", headers=bearer).status_code == 200
    signed = client.post("/login", content="token=s3cret-token-value", follow_redirects=False)
    assert signed.status_code == 303 and "httponly" in signed.headers["set-cookie"].lower()
    assert client.get("/v1/jobs").status_code == 200  # the cookie, on a read
    body = "count: 1\ngenerator: {backend: dryrun}"
    assert client.post("/v1/configs/check", content=body).status_code == 401
    assert client.post("/v1/configs/check", content=body, headers={"X-Syndgen-UI": "1"}).status_code == 200


def test_each_attempts_fate_rides_on_the_outcome_event():
    from test_export_formats import outcome

    from syndgen.server.worker import fates

    first, second = fates(outcome())
    assert first == {
        "attempt_no": 1,
        "role": "answer",
        "kept": False,
        "score": 2,
        "rationale": "r",
        "checks": {},
        "rejections": [{"stage": "critic", "reason": "low_score"}],
    }
    assert second["kept"] and second["score"] == 5 and second["rejections"] == []
