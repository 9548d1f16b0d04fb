"""The HTML validation report in a real headless browser (Debian's chromium, driven by Playwright):
it renders, every plot is drawn with a visible size, and the page loads nothing from elsewhere."""

import json
from pathlib import Path

import pytest
from chromium_harness import chromium_or_skip

from syndgen.validation.html import write_html
from syndgen.validation.run import Options, validate_sets

chromium_or_skip()  # the module is skipped without chromium (fails in CI)
sync_api = pytest.importorskip("playwright.sync_api")

TEXTS = [
    f"{verb} the {word} {thing}"
    for verb, thing in (("simmer", "sauce"), ("score", "goal"), ("watch", "comet"), ("knit", "scarf"))
    for word in ("red", "quick", "small", "bright", "late", "cold", "old", "new")
]


def _render(page, path: Path) -> dict:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    plots = page.evaluate(
        """() => [...document.querySelectorAll('figure.plot')].map(f => {
            const r = f.querySelector('svg').getBoundingClientRect();
            return {name: f.dataset.plot, width: r.width, height: r.height,
                    marks: f.querySelectorAll('svg path, svg use').length};
        })"""
    )
    return {
        "plots": plots,
        "overall": page.inner_text("#overall"),
        "verdict": page.inner_text("#verdict"),
        "requests": [u for u in requests if not u.startswith("file://")],
    }


def test_the_text_report_renders_with_every_plot(tmp_path, browser):
    real = tmp_path / "real.jsonl"
    real.write_text("".join(json.dumps({"text": t, "label": t.split()[0]}) + "\n" for t in TEXTS))
    synth = tmp_path / "synth.jsonl"
    synth.write_text("".join(json.dumps({"text": t, "label": t.split()[0]}) + "\n" for t in TEXTS[:24]))
    result = validate_sets(synth, real, Options(label_field="label", clusters=4))
    write_html(result.report, result.plots, tmp_path / "report.html")
    page = browser.new_page()
    found = _render(page, tmp_path / "report.html")
    names = {p["name"] for p in found["plots"]}
    assert {"lengths", "embedding-map", "shares-label", "coverage"} <= names
    assert all(p["width"] > 200 and p["height"] > 150 and p["marks"] > 5 for p in found["plots"])
    assert found["overall"].startswith("Overall score: 0.") and found["requests"] == []
    assert "coverage" in found["verdict"]  # a quarter of the reference (one topic) is missing
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_the_table_report_renders_with_column_plots(tmp_path, browser):
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    real = frame.sample(frac=0.5, random_state=0)
    real.to_csv(tmp_path / "real.csv", index=False)
    frame.drop(real.index).to_csv(tmp_path / "synth.csv", index=False)
    result = validate_sets(tmp_path / "synth.csv", tmp_path / "real.csv", Options(metrics=("similarity",)))
    write_html(result.report, result.plots, tmp_path / "table.html")
    found = _render(browser.new_page(), tmp_path / "table.html")
    names = [p["name"] for p in found["plots"]]
    assert names[0] == "column-shapes" and len(names) == 7
    assert all(p["width"] > 200 and p["height"] > 100 for p in found["plots"])
