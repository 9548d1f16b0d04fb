"""Documents are redacted before they are indexed (``syndgen ingest --config``): the index never
holds a raw value and records how it was redacted; a run that redacts documents refuses an index
that was not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from syndgen.cli import app
from syndgen.config import load_config
from syndgen.errors import ConfigError
from syndgen.runner.build import build_context

DOC = """# Claims handling

The claim filed by Margaret Ellis (policy holder, born on 17 August 1956) was paid into
IBAN GB29NWBK60161331926819 after review. Questions go to claims.desk@harbour-insure.co.uk or
+44 161 496 0753. Claims over 5,000 GBP need a second reviewer and a written reason.
"""
PLANTED = [
    "Margaret Ellis",
    "17 August 1956",
    "GB29NWBK60161331926819",
    "claims.desk@harbour-insure.co.uk",
    "496 0753",
]


def config(path: Path, pii: dict | None, index: Path) -> Path:
    data = {
        "count": 1,
        "task": {"kind": "grounded"},
        "grounding": {"index": str(index)},
        "generator": {"backend": "dryrun"},
    }
    if pii is not None:
        data["privacy"] = {"pii": {"enabled": True, **pii}}
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "claims.md").write_text(DOC)
    return folder


def ingest(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", *args])
    return result.exit_code, result.output


def index_bytes(index: Path) -> bytes:
    return b"".join(p.read_bytes() for p in index.rglob("*") if p.is_file())


def test_ingest_with_a_config_redacts_before_indexing(tmp_path: Path, docs: Path):
    index = tmp_path / "index"
    cfg = config(tmp_path / "c.yaml", {"mode": "mask"}, index)
    code, output = ingest(str(docs), "--index", str(index), "--config", str(cfg))
    assert code == 0, output
    assert "PII (mask)" in output and "IBAN_CODE 1" in output
    data = index_bytes(index)
    for value in PLANTED:
        assert value.encode() not in data, value
    assert b"<IBAN_CODE>" in data and b"second reviewer" in data
    manifest = json.loads((index / "manifest.json").read_text())
    assert manifest["redaction"]["mode"] == "mask"
    assert manifest["redaction"]["counts"]["PERSON"] == 1
    # every later ingest into it redacts the same way
    (docs / "more.md").write_text("Refunds are paid within 10 days to Daniel Kim.\n")
    code, output = ingest(str(docs), "--index", str(index))
    assert code == 2 and "was redacted with" in output
    # the run reads it, and its audit log gets the counts the index recorded
    ctx = build_context(load_config(cfg), duplicates=False)
    assert ctx.pii is not None and ctx.pii.found["documents"]["IBAN_CODE"] == 1
    assert ctx.topics == (str(docs / "claims.md"),)  # a grounded run's topics are paths, not PII


def test_a_run_that_redacts_documents_refuses_an_unredacted_index(tmp_path: Path, docs: Path):
    index = tmp_path / "index"
    assert ingest(str(docs), "--index", str(index))[0] == 0
    with pytest.raises(ConfigError, match="not redacted"):
        build_context(load_config(config(tmp_path / "c.yaml", {}, index)), duplicates=False)
    off = config(tmp_path / "off.yaml", {"apply": {"documents": False}}, index)
    assert build_context(load_config(off), duplicates=False).retriever is not None
    code, output = ingest(
        str(docs), "--index", str(index), "--config", str(config(tmp_path / "n.yaml", None, index))
    )
    assert code == 2 and "does not redact documents" in output
