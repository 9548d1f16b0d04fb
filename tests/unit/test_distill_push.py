"""``syndgen push`` against a fake Hub on 127.0.0.1 (never a real hub)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_hub import FakeHub
from typer.testing import CliRunner

from syndgen.cli import app

pytestmark = pytest.mark.server


@pytest.fixture(autouse=True)
def online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Other tests set HF_HUB_OFFLINE (read once by huggingface_hub); a push must go out."""
    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "is_offline_mode", lambda: False)


def test_push_a_student_folder_uploads_the_card_and_model_not_the_checkpoints(tmp_path: Path):
    folder = tmp_path / "student"
    (folder / "merged").mkdir(parents=True)
    (folder / "merged" / "config.json").write_text("{}")
    (folder / "README.md").write_text("# card")
    (folder / "student.gguf").write_bytes(b"GGUF0000")
    (folder / "checkpoints" / "checkpoint-2").mkdir(parents=True)
    (folder / "checkpoints" / "checkpoint-2" / "x.bin").write_bytes(b"x")
    with FakeHub() as hub:
        result = CliRunner().invoke(
            app,
            ["push", str(folder), "--repo", "acme/tiny-student", "--endpoint", hub.url, "--private"],
            env={"HF_TOKEN": "hf_fake"},
        )
    assert result.exit_code == 0, (result.output, hub.requests)
    assert hub.repos[0]["name"] == "tiny-student"
    assert hub.repos[0].get("private") is True or hub.repos[0].get("visibility") == "private", hub.repos
    assert hub.repos[0].get("type", "model") == "model"
    assert hub.files == {"README.md": b"# card", "merged/config.json": b"{}", "student.gguf": b"GGUF0000"}


def test_push_a_run_folder_is_a_dataset(tmp_path: Path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sft.jsonl").write_text('{"messages": []}\n')
    (tmp_path / "README.md").write_text("# dataset card")
    with FakeHub() as hub:
        result = CliRunner().invoke(
            app,
            ["push", str(tmp_path), "--repo", "acme/data", "--endpoint", hub.url],
            env={"HF_TOKEN": "hf_x"},
        )
    assert result.exit_code == 0, (result.output, hub.requests)
    assert hub.repos[0]["type"] == "dataset"
    assert set(hub.files) == {"README.md", "data/sft.jsonl"}


def test_push_needs_org_slash_name(tmp_path: Path):
    result = CliRunner().invoke(app, ["push", str(tmp_path), "--repo", "noslash"])
    assert result.exit_code == 2 and "ORG/NAME" in result.output


def test_push_in_offline_mode_says_how_to_leave_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "is_offline_mode", lambda: True)
    with FakeHub() as hub:
        result = CliRunner().invoke(
            app,
            ["push", str(tmp_path), "--repo", "acme/data", "--endpoint", hub.url],
            env={"HF_TOKEN": "hf_x"},
        )
    assert result.exit_code == 3 and "unset HF_HUB_OFFLINE" in result.output
