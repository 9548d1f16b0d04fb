"""A capability whose extra is not installed says which pip command installs it."""

import importlib.util

import pytest

from syndgen.api import ingest_documents
from syndgen.errors import MissingExtraError
from syndgen.extras import missing, require


@pytest.fixture
def no_bm25s(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "bm25s" else real(name, *a)
    )


def test_the_docs_extra_is_installed_in_the_test_environment():
    assert missing("docs") == []


def test_a_missing_extra_names_the_pip_command(no_bm25s, tmp_path):
    with pytest.raises(MissingExtraError) as err:
        require("docs", "syndgen ingest")
    assert str(err.value) == (
        "syndgen ingest needs the 'docs' extra (bm25s not installed) (pip install 'syndgen[docs]')"
    )
    with pytest.raises(MissingExtraError, match=r"syndgen\[docs\]"):
        ingest_documents([tmp_path], tmp_path / "index")


def test_the_tabular_commands_name_their_extra(monkeypatch, capsys):
    from syndgen.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name in ("opendp", "mbi") else real(name, *a)
    )
    assert missing("tabular") == ["opendp[mbi]"]
    with pytest.raises(SystemExit) as exit_info:
        main(["privacy", "check", "data.csv", "--quasi-identifiers", "age"])
    assert exit_info.value.code == 2
    assert "syndgen privacy check needs the 'tabular' extra" in capsys.readouterr().err
