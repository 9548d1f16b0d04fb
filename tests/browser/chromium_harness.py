"""Debian's chromium for the browser tests: its path, or a skip (a failure in CI, which installs it)."""

from __future__ import annotations

import os
import shutil

import pytest


def chromium_or_skip() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.environ.get("CI"):
        pytest.fail("CI needs Debian's chromium (apt-get install -y chromium)", pytrace=False)
    pytest.skip("no chromium on this machine (apt-get install -y chromium)", allow_module_level=True)
