"""One headless chromium per test module (Debian's, driven by Playwright; no browser download)."""

import pytest
from chromium_harness import chromium_or_skip


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium_or_skip(), args=["--no-sandbox"])
        yield launched
        launched.close()
