"""The review, records, quality, config-check and template routes on a real ``syndgen serve``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from serve_harness import Serve, dryrun

from syndgen.client import ApiError, Client

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Serve]:
    serve = Serve(tmp_path_factory.mktemp("serve") / "work", "--max-running", "4").start()
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def client(server: Serve) -> Iterator[Client]:
    with server.client() as c:
        yield c


@pytest.fixture(scope="module")
def job(client: Client) -> str:
    config = dryrun(
        4, task={"topics": ["tides", "volcanoes"], "axes": [{"name": "level", "values": ["a", "b"]}]}
    )
    job_id = client.submit(config, name="reviewed")["id"]
    assert client.wait(job_id, timeout=120)["state"] == "done"
    return job_id


def _sft(client: Client, job_id: str) -> list[dict]:
    return [json.loads(line) for line in client.export(job_id, "sft").decode().splitlines()]


def test_records_list_filters_and_searches(client: Client, job: str) -> None:
    page = client.records(job)
    assert page["total"] == page["counts"]["attempts"] >= 4 and page["counts"]["kept"] == 4
    assert set(page["facets"]["topic"]) == {"tides", "volcanoes"}
    assert client.records(job, topic="tides")["total"] == 2
    assert client.records(job, axis="level:a")["total"] == 2
    assert client.records(job, status="rejected")["total"] == page["counts"]["rejected"]
    word = page["items"][0]["question"].split()[0]
    assert client.records(job, q=word.upper())["total"] >= 1
    assert client.records(job, q="no such text anywhere")["total"] == 0
    assert client.records(job, min_score=5, review="none")["total"] == 4


def test_a_record_tells_its_whole_story(client: Client, job: str) -> None:
    record = client.record(job, 0)
    assert record["accepted"] and record["question"]["text"]
    (kept,) = [a for a in record["attempts"] if a["status"] == "kept"]
    assert kept["verdict"]["score"] == 5 and kept["verdict"]["rationale"]
    assert record["sft"]["id"] == "seed-000000" and record["lineage"]["config_hash"]
    assert record["neighbours"] == {"previous": None, "next": 1}
    with pytest.raises(ApiError, match="not committed"):
        client.record(job, 99)


def test_reviews_change_the_exports_and_the_card(client: Client, job: str, server: Serve) -> None:
    before = _sft(client, job)
    assert len(before) == 4
    client.review(job, 0, "reject", "ann", reason="off topic")
    edited = client.review(job, 1, "edit", "bob", answer="An edited answer.")
    assert edited["decision"] == "edit" and edited["attempt_no"] == 1 and edited["created_at"] > 0
    client.review(job, 2, "accept", "ann")
    listed = client.reviews(job)
    assert [r["decision"] for r in listed["items"]] == ["reject", "edit", "accept"]
    assert listed["counts"] == {
        "decisions": 3,
        "records": 3,
        "reviewers": 2,
        "accepted": 1,
        "rejected": 1,
        "edited": 1,
    }
    after = _sft(client, job)
    assert [r["id"] for r in after] == ["seed-000001", "seed-000002", "seed-000003"]
    assert (
        after[0]["messages"][-1]["content"].endswith("An edited answer.") and after[0]["review"] == "edited"
    )
    dpo = [json.loads(x) for x in client.export(job, "dpo").decode().splitlines()]
    pair = next(r for r in dpo if r["id"] == "seed-000001")
    assert pair["chosen"][0]["content"].endswith("An edited answer.")
    assert client.job(job)["run"]["reviews"]["decisions"] == 3
    card = (server.workdir / "jobs" / job / "run" / "README.md").read_text()
    assert "## Human review" in card
    assert client.records(job, review="reject")["total"] == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"seed_index": 0, "decision": "reject", "reviewer": "ann"}, "needs a reason"),
        ({"seed_index": 0, "decision": "edit", "reviewer": "ann"}, "corrected answer"),
        ({"seed_index": 0, "decision": "maybe", "reviewer": "ann"}, "decision"),
        ({"seed_index": 0, "decision": "accept", "reviewer": ""}, "reviewer"),
        ({"seed_index": 42, "decision": "accept", "reviewer": "ann"}, "not committed"),
        ({"seed_index": 0, "decision": "accept", "reviewer": "ann", "extra": 1}, "extra"),
    ],
)
def test_bad_reviews_are_one_4xx_line(server: Serve, job: str, body: dict, words: str) -> None:
    response = httpx.post(f"{server.url}/v1/jobs/{job}/reviews", json=body)
    assert 400 <= response.status_code < 500 and words in response.json()["error"]


def test_quality_has_the_inspect_figures_and_the_plot_series(client: Client, job: str) -> None:
    data = client.quality(job)
    assert data["inspect"]["samples"] == 4 and data["inspect"]["coverage"]["topic"]["tides"]["count"] == 2
    assert len(data["scores"]["kept"]) == 4 and data["difficulty"] == {"unrated": 4}
    assert len(data["answer_chars"]["kept"]) == 4
    points = client._json("GET", f"/v1/jobs/{job}/quality/embedding-map")["points"]
    assert len(points) >= 4 and {p["side"] for p in points} >= {"kept"}


def test_config_check_speaks_the_cli_messages(client: Client) -> None:
    ok = client.check_config({"count": 3, "generator": {"backend": "dryrun"}})
    assert ok == {**ok, "ok": True, "count": 3, "kind": "qa", "backend": "dryrun"}
    with pytest.raises(ApiError, match="did you mean 'count'"):
        client.check_config({"cont": 3})
    with pytest.raises(ApiError, match="HTTP 400"):
        client.check_config("count: [")


def test_templates_list_show_and_run(client: Client) -> None:
    names = {t["name"] for t in client.templates()}
    assert "financial/transactions" in names and len(names) >= 15
    shown = client.template("financial/transactions")
    assert "template:" in shown["config"] and shown["prompts"]
    body = {"count": 1, "generator": {"backend": "dryrun"}}
    assert client.check_config(body, template="ecommerce/reviews")["kind"] == "structured"
    job = client.submit(body, template="ecommerce/reviews")
    assert job["name"] == "ecommerce-reviews" and job["backend"] == "dryrun"
    with pytest.raises(ApiError, match="unknown template"):
        client.submit(body, template="no/such")
    with pytest.raises(ApiError, match="not a file"):
        client.submit(body, template="/etc/passwd.yaml")
    client.wait(job["id"], timeout=120)


def test_the_ui_pages_render(server: Serve, job: str) -> None:
    for path, words in [
        ("/", "reviewed"),
        ("/new", "Dataset builder"),
        (f"/jobs/{job}/monitor", "In flight"),
        (f"/jobs/{job}/records", "attempts"),
        (f"/jobs/{job}/records/0", "DPO counterpart"),
        (f"/jobs/{job}/review", "Decision"),
        (f"/jobs/{job}/quality", "Embedding map"),
        ("/templates", "financial/transactions"),
        ("/templates/financial/transactions", "Prompts"),
    ]:
        response = httpx.get(server.url + path)
        assert response.status_code == 200 and words in response.text, path
    for asset in ("htmx.min.js", "app.js", "app.css", "plotly.min.js"):
        assert httpx.get(f"{server.url}/ui/static/{asset}").status_code == 200
    assert httpx.get(f"{server.url}/ui/static/../app.py").status_code == 404


def test_a_token_server_signs_a_browser_in_with_a_cookie(tmp_path) -> None:
    serve = Serve(tmp_path / "work", token="s3cret-token-value").start()
    try:
        page = httpx.get(serve.url + "/", headers={"Accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"] == "/login"
        with httpx.Client(base_url=serve.url) as browser:
            assert browser.post("/login", content="token=wrong-token").status_code == 401
            signed = browser.post("/login", content="token=s3cret-token-value")
            assert signed.status_code == 303 and "samesite=strict" in signed.headers["set-cookie"].lower()
            assert browser.get("/v1/jobs").status_code == 200
            body = {"count": 1, "generator": {"backend": "dryrun"}}
            assert browser.post("/v1/jobs", json=body).status_code == 401  # no UI header: refused
            assert browser.post("/v1/jobs", json=body, headers={"X-Syndgen-UI": "1"}).status_code == 201
    finally:
        serve.stop()
