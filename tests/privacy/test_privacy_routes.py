"""The privacy API route, the Privacy page and the records' privacy filter, in process over a
run whose generator copied its sources, and over the same store with one audit row edited."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient
from leakage_fixtures import copying_backend, run_config, write_inputs
from privacy_job import LEAKY, PLAIN, plant_jobs, tamper

from syndgen.client import ApiError, Client
from syndgen.config import RunConfig
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.server.app import create_app
from syndgen.server.jobs import JobFolders
from syndgen.server.records import RecordFilter, list_records


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    return plant_jobs(tmp_path_factory.mktemp("privacy") / "work")


@pytest.fixture(scope="module")
def client(settings):
    return TestClient(create_app(settings))  # no lifespan: the supervisor starts no job process


def test_the_route_returns_counts_copies_and_an_intact_chain(client):
    body = client.get(f"/v1/jobs/{LEAKY}/privacy").json()
    assert body["enabled"] and body["configured"]
    redaction = body["section"]["redaction"]
    assert redaction["counts"] == {"EMAIL_ADDRESS": 2, "PERSON": 3}
    assert redaction["modes"] == ["pseudonymise"] and redaction["where"] == ["examples"]
    leakage = body["section"]["leakage"]
    assert (leakage["rejected_leak"], leakage["rejected_contaminated"]) == (2, 1)
    sources = {c["source"] for c in leakage["copies"]}
    assert any("seeds.jsonl row 1" in s for s in sources) and any(
        "memo.txt paragraph 2" in s for s in sources
    )
    assert all(c["span"] for c in leakage["copies"] if c["reason"] == "leak")
    assert leakage["kept"]["span_tokens"]["n"] == leakage["checked"] - 3
    chain = body["chain"]
    assert chain["intact"] and chain["broken_at"] is None and chain["why"] == "intact"
    assert (
        chain["checked"] == body["section"]["audit_entries"]
        and chain["head"] == body["section"]["audit_head"]
    )
    assert body["exports"] and all(e["sha256"] and e["rows"] >= 1 for e in body["exports"])
    assert len(body["exports"]) == body["section"]["exports"]


def test_the_page_shows_the_table_the_copies_and_the_badge(client):
    text = client.get(f"/jobs/{LEAKY}/privacy").text
    assert 'href="/jobs/0000-leaky/privacy" aria-current="page"' in text
    for word in ["PERSON</td><td>3", "EMAIL_ADDRESS</td><td>2", "memo.txt paragraph 2", "seeds.jsonl row 1"]:
        assert word in text, word
    assert 'id="chain-badge">intact' in text and "leakage-data" in text
    assert client.get("/ui/static/privacy.js").status_code == 200


def test_a_run_without_privacy_checks_says_so(client):
    body = client.get(f"/v1/jobs/{PLAIN}/privacy").json()
    assert not body["enabled"] and body["section"]["leakage"] is None
    text = client.get(f"/jobs/{PLAIN}/privacy").text
    assert "This run used no privacy checks" in text and "pii-counts" not in text


def test_the_records_filter_finds_leak_and_contaminated_rows(client):
    found = client.get(f"/v1/jobs/{LEAKY}/records", params={"privacy": "true", "limit": 500}).json()
    reasons = sorted(r for item in found["items"] for r in item["reasons"])
    assert found["total"] == 3 and reasons == ["contaminated", "leak", "leak"]
    rest = client.get(f"/v1/jobs/{LEAKY}/records", params={"privacy": "false", "limit": 500}).json()
    assert rest["total"] == rest["counts"]["attempts"] - 3
    page = client.get(f"/jobs/{LEAKY}/records?privacy=yes").text
    assert "leak" in page and "contaminated" in page and 'value="yes" selected' in page


def test_an_edited_audit_row_shows_the_chain_broken_at_that_entry(settings, tmp_path):
    copy = settings.model_copy(update={"workdir": tmp_path / "work"})
    shutil.copytree(settings.workdir, copy.workdir)
    tamper(JobFolders(copy.jobs_dir).run_dir(LEAKY), 3)
    client = TestClient(create_app(copy))
    chain = client.get(f"/v1/jobs/{LEAKY}/privacy").json()["chain"]
    assert chain["broken_at"] == 3 and not chain["intact"]
    assert chain["why"] == "its contents do not match its hash"
    assert "broken at entry 3" in client.get(f"/jobs/{LEAKY}/privacy").text


def test_the_client_reads_the_privacy_view_and_the_filter(client):
    sdk = Client("http://testserver")
    sdk._http = client  # the in-process app behind the SDK's own calls
    view = sdk.privacy(LEAKY)
    assert view["chain"]["intact"] and view["section"]["redaction"]["counts"]["PERSON"] == 3
    assert sdk.records(LEAKY, privacy=True, limit=500)["total"] == 3
    with pytest.raises(ApiError, match="404"):
        sdk.privacy("9999-missing")


def test_a_record_flagged_for_leakage_passes_the_privacy_filter(tmp_path):
    config = RunConfig.model_validate(run_config(write_inputs(tmp_path / "inputs"), action="flag"))
    backend = copying_backend()
    run_dir = tmp_path / "run"
    context = build_context(config, generator=backend, critic=backend, duplicates=False)
    run_pipeline(config, run_dir, context=context)
    found = list_records(run_dir, RecordFilter(privacy=True), limit=500, offset=0)
    assert found["total"] >= 3 and all(item["status"] == "kept" for item in found["items"])
    assert all(not item["reasons"] for item in found["items"])
    unflagged = list_records(run_dir, RecordFilter(privacy=False, status="kept"), limit=500, offset=0)
    assert found["total"] + unflagged["total"] == found["counts"]["kept"]


def test_a_job_before_its_store_has_an_empty_view(settings, tmp_path):
    copy = settings.model_copy(update={"workdir": tmp_path / "work"})
    shutil.copytree(settings.workdir, copy.workdir)
    shutil.rmtree(JobFolders(copy.jobs_dir).run_dir(PLAIN))
    client = TestClient(create_app(copy))
    assert client.get(f"/v1/jobs/{PLAIN}/privacy").json() == {
        "enabled": False,
        "configured": False,
        "section": None,
        "chain": None,
        "exports": [],
    }
    assert "This run used no privacy checks" in client.get(f"/jobs/{PLAIN}/privacy").text
