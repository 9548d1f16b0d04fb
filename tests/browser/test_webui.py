"""The web UI in a real headless browser (Debian's chromium, driven by Playwright): a run started
from the builder form, its monitor receiving streamed tokens, records, a rejection and an edit
made with the keyboard alone, and exports that changed accordingly. Screenshots of every page at
1280x800 and at a phone's width go to ``tests/artifacts/webui/`` (not committed)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import httpx
import pytest
from chromium_harness import chromium_or_skip

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from serve_harness import Serve

chromium_or_skip()  # the module is skipped without chromium (fails in CI)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

pytestmark = pytest.mark.server
ARTIFACTS = Path(__file__).parents[1] / "artifacts" / "webui"
SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden' && !e.hidden && !e.closest('[hidden]'))
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
    .map(e => e.id || e.name || e.outerHTML.slice(0, 60))"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    serve = Serve(tmp_path_factory.mktemp("ui") / "work").start()
    yield serve
    serve.stop()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport=SIZES["desktop"])
    page = context.new_page()
    page.set_default_timeout(90_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


@pytest.fixture(scope="module")
def job(server, page):
    """A dryrun job created from the builder form; the page ends on its monitor."""
    page.goto(server.url + "/new")
    expect(page.locator("#check")).to_contain_text("valid")  # the default form is a valid config
    page.get_by_label("Run name").fill("browser-run")
    page.locator("#backend").select_option("dryrun")  # the form's (the template panel has its own)
    page.locator("#count").fill("0")
    expect(page.locator("#check")).to_contain_text("count")  # the CLI's message, live
    expect(page.locator("#check")).to_have_class(re.compile("bad"))
    page.locator("#count").fill("4")
    page.get_by_label("Topics").fill("tides, volcanoes")
    page.get_by_label("Axes").fill("level: beginner, expert")
    expect(page.locator("#check")).to_contain_text("valid: 4 qa records on dryrun")
    page.get_by_role("button", name="Start run").click()
    page.wait_for_url(re.compile(r"/jobs/[0-9a-f-]+/monitor$"), timeout=90_000)
    return page.url.split("/jobs/")[1].split("/")[0]


def shoot(browser, url: str, name: str, ready: str | None = None) -> None:
    """Screenshots of a page at both sizes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for size, viewport in SIZES.items():
        context = browser.new_context(viewport=viewport)
        shot = context.new_page()
        shot.goto(url)
        if ready:
            shot.wait_for_selector(ready, timeout=60_000)
        shot.screenshot(path=str(ARTIFACTS / f"{name}-{size}.png"), full_page=size == "desktop")
        assert shot.evaluate(UNLABELLED) == [], f"{name}: controls without a label"
        context.close()


def test_the_monitor_streams_tokens_and_fates(page, job, server, browser):
    expect(page.locator("#streams article.stream").first).to_be_visible()
    expect(page.locator("#streams pre.answer").first).not_to_be_empty()
    expect(page.locator("#fates > li")).to_have_count(4, timeout=60_000)
    expect(page.locator("#fates")).to_contain_text("critic 5/5")
    expect(page.locator("#job-state")).to_have_text("done", timeout=60_000)
    expect(page.locator("#m-samples")).to_have_text("4")
    tokens = int(page.locator("#m-streaming").inner_text().split()[0])
    assert tokens > 20
    shoot(browser, page.url, "monitor", "#fates > li")
    shoot(browser, server.url + "/new", "new-run", "#check.ok")


def test_the_runs_page_lists_the_job(page, job, server, browser):
    page.goto(server.url + "/")
    row = page.locator(f"tr[data-job='{job}']")
    expect(row).to_contain_text("browser-run")
    expect(row).to_contain_text("done")
    expect(row).to_contain_text("4 / ")
    shoot(browser, server.url + "/", "runs")


def test_records_filter_search_and_a_record_page(page, job, server, browser):
    page.goto(f"{server.url}/jobs/{job}/records")
    expect(page.locator("#records-count")).to_contain_text("4 kept")
    page.get_by_label("Topic").select_option("tides")
    expect(page.locator("table.records tbody tr")).to_have_count(2)
    page.get_by_label("Topic").select_option("")
    page.get_by_label("Search").fill("zzz-nothing")
    expect(page.locator("#records")).to_contain_text("No record matches")
    page.get_by_label("Search").fill("")
    expect(page.locator("table.records tbody tr")).to_have_count(4)
    shoot(browser, page.url, "records", "table.records")
    page.locator("table.records tbody tr a").first.click()
    expect(page.get_by_role("heading", name="Question")).to_be_visible()
    expect(page.locator("#attempt-1")).to_contain_text("critic")
    expect(page.get_by_role("heading", name="Lineage")).to_be_visible()
    expect(page.get_by_role("heading", name="DPO counterpart")).to_be_visible()
    shoot(browser, page.url, "record")


def test_keyboard_only_review_then_the_export_changed(page, job, server, browser):
    before = [json.loads(x) for x in httpx.get(f"{server.url}/v1/jobs/{job}/exports/sft").text.splitlines()]
    assert len(before) == 4
    page.goto(f"{server.url}/jobs/{job}/review")
    expect(page.locator("#review")).to_have_attribute("data-seed", "0")
    page.get_by_label("Reviewer").fill("Ada")
    page.locator("body").focus()
    page.keyboard.press("Escape")
    page.keyboard.press("r")
    expect(page.get_by_label("Why is it rejected?")).to_be_focused()
    page.keyboard.type("the answer ignores the level")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#review")).to_have_attribute("data-seed", "1", timeout=15_000)
    page.keyboard.press("Escape")
    page.keyboard.press("e")
    expect(page.get_by_label("Corrected answer")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("An answer corrected by a person.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#review")).to_have_attribute("data-seed", "2", timeout=15_000)
    expect(page.locator("#review-position")).to_contain_text("2 reviewed")
    shoot(browser, page.url, "review", "#review")

    after = [json.loads(x) for x in httpx.get(f"{server.url}/v1/jobs/{job}/exports/sft").text.splitlines()]
    assert [r["id"] for r in after] == ["seed-000001", "seed-000002", "seed-000003"]
    assert after[0]["messages"][-1]["content"].endswith("An answer corrected by a person.")
    dpo = [json.loads(x) for x in httpx.get(f"{server.url}/v1/jobs/{job}/exports/dpo").text.splitlines()]
    pair = next(r for r in dpo if r["id"] == "seed-000001")
    assert pair["chosen"][0]["content"].endswith("An answer corrected by a person.")
    assert "seed-000000" not in {r["id"] for r in dpo}

    page.goto(f"{server.url}/jobs/{job}/records/0")
    expect(page.locator("#h-reviews + ol")).to_contain_text("Ada")
    expect(page.locator("#h-reviews + ol")).to_contain_text("the answer ignores the level")
    page.goto(f"{server.url}/jobs/{job}/records?review=edit")
    expect(page.locator("table.records tbody tr")).to_have_count(1)


def test_the_quality_dashboard_draws_every_plot(page, job, server, browser):
    page.goto(f"{server.url}/jobs/{job}/quality")
    for name in ("scores", "coverage", "diversity", "lengths", "difficulty", "embedding"):
        expect(page.locator(f"figure[data-plot={name}] .main-svg").first).to_be_visible(timeout=60_000)
    expect(page.locator("#map-status")).to_contain_text("attempts", timeout=60_000)
    expect(page.locator(".stats")).to_contain_text("Samples")
    shoot(browser, page.url, "quality", "figure[data-plot=embedding] .main-svg")


def test_templates_pages_and_a_run_from_a_template(page, server, browser):
    page.goto(server.url + "/templates")
    expect(page.locator("table.templates")).to_contain_text("financial/transactions")
    shoot(browser, page.url, "templates")
    page.get_by_role("link", name="financial/transactions").click()
    expect(page.get_by_role("heading", name="Prompts, rendered with the template's values")).to_be_visible()
    shoot(browser, page.url, "template")
    page.get_by_role("link", name="Start a run from it").click()
    expect(page.get_by_label("Template", exact=True)).to_have_value("financial/transactions")
    page.locator("#t-backend").select_option("dryrun")
    page.locator("#t-count").fill("1")
    expect(page.locator("#check")).to_contain_text("valid: 1 structured records on dryrun")
    page.get_by_role("button", name="Start run").click()
    page.wait_for_url(re.compile(r"/monitor$"))
    expect(page.locator(".jobtitle")).to_contain_text("financial-transactions")


def test_the_privacy_page_of_a_run_that_copied_its_sources(browser, tmp_path):
    sys.path.insert(0, str(Path(__file__).parents[1] / "privacy"))
    from privacy_job import LEAKY, plant_jobs

    work = tmp_path / "work"
    plant_jobs(work)
    serve = Serve(work).start()
    context = browser.new_context(viewport=SIZES["desktop"])
    try:
        shot = context.new_page()
        errors: list[str] = []
        shot.on("pageerror", lambda exc: errors.append(str(exc)))
        shot.goto(f"{serve.url}/jobs/{LEAKY}/monitor")
        shot.get_by_role("link", name="Privacy").click()
        expect(shot.locator("#chain-badge")).to_have_text("intact")
        expect(shot.locator("#pii-counts")).to_contain_text("PERSON")
        expect(shot.locator("#copies")).to_contain_text("memo.txt paragraph 2")
        copies = httpx.get(f"{serve.url}/v1/jobs/{LEAKY}/privacy").json()["section"]["leakage"]["copies"]
        expect(shot.locator("#copies tbody tr")).to_have_count(len(copies))
        expect(shot.locator("#copies")).to_contain_text("contaminated")
        expect(shot.locator("#p-leakage .main-svg").first).to_be_visible(timeout=60_000)
        shoot(browser, shot.url, "privacy", "#p-leakage .main-svg")
        assert errors == []
    finally:
        context.close()
        serve.stop()


def test_no_script_errors(page):
    assert page.errors == []


def test_cancel_and_resume_from_the_runs_page(page, server):
    body = {"count": 200, "workers": 1, "generator": {"backend": "dryrun", "latency_s": 1.0}}
    job = httpx.post(f"{server.url}/v1/jobs?name=slow-run", json=body).json()["id"]
    page.goto(server.url + "/")
    row = page.locator(f"tr[data-job='{job}']")
    expect(row).to_contain_text("running", timeout=60_000)
    row.get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("cancelled", timeout=60_000)
    row.get_by_role("button", name="Resume").click()
    expect(row.locator(".state")).to_have_text(re.compile("queued|running"), timeout=30_000)
    httpx.post(f"{server.url}/v1/jobs/{job}/cancel")
