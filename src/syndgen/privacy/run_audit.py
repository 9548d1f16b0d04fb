"""What the audit log records about a run session and an export.

A ``run`` event at every start and resume: the config hash, the code version, each model's
identity (backend, model name, server address without credentials, and for a GGUF file its
size and sha256) and the sha256 of every prompt template the run renders. An ``export`` event
per written file: its path, row count and sha256.

A GGUF file is hundreds of MB to tens of GB, so its hash is cached per (path, size, mtime) in
``$XDG_CACHE_HOME/syndgen/file-hashes.json`` (``~/.cache`` by default) and in the process: a
resumed run or a second run of the same model does not read the file again.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import urllib.parse
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from syndgen.errors import SyndgenError
from syndgen.privacy.audit import append_event, has_kind

_lock = threading.Lock()
_memo: dict[str, str] = {}


def code_version() -> str:
    try:
        return version("syndgen")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree without install
        return "(source)"


def cache_file() -> Path:
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "syndgen" / "file-hashes.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_cache(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def cached_sha256(path: Path) -> str:
    """The file's sha256, from the cache when its path, size and mtime are unchanged."""
    resolved = path.resolve()
    stat = resolved.stat()
    key = f"{resolved}|{stat.st_size}|{stat.st_mtime_ns}"
    with _lock:
        if key in _memo:
            return _memo[key]
        store = cache_file()
        cache = _read_cache(store)
        digest = cache.get(key) or sha256_file(resolved)
        _memo[key] = digest
        if cache.get(key) != digest:
            cache[key] = digest
            try:
                store.parent.mkdir(parents=True, exist_ok=True)
                tmp = store.with_name(f".{store.name}.{os.getpid()}")
                tmp.write_text(json.dumps(cache, sort_keys=True), encoding="utf-8")
                os.replace(tmp, store)
            except OSError:
                pass  # an unwritable cache only costs the next run a read of the file
    return digest


def _address(url: str | None) -> str | None:
    """A server URL without user, password or query (where credentials hide)."""
    if not url:
        return None
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def model_identity(model: Any) -> dict[str, Any]:
    """Backend, model name, server and (for a GGUF file) size and sha256 of one model config."""
    found: dict[str, Any] = {"backend": model.backend, "model": model.model}
    address = _address(getattr(model, "base_url", None) or getattr(model, "host", None))
    if address:
        found["server"] = address
    if model.backend == "llamacpp":
        from syndgen.backends.llamacpp import resolve_model_path

        try:
            path = resolve_model_path(model.model)
        except SyndgenError as exc:  # the backend reports it when it loads; the log says so too
            found["file_error"] = exc.message
            return found
        found.update(file=str(path), file_bytes=path.stat().st_size, file_sha256=cached_sha256(path))
    return found


def prompt_hashes(overrides: dict[str, str]) -> dict[str, str]:
    """sha256 of every prompt template the run may render (shipped or overridden)."""
    from syndgen.prompts import PromptSet, names

    prompts = PromptSet(overrides)
    return {name: hashlib.sha256(prompts.source(name).encode()).hexdigest() for name in names()}


def start_payload(config: Any, resumed: bool) -> dict[str, Any]:
    models = {"generator": model_identity(config.generator), "critic": model_identity(config.critic_model)}
    if config.student is not None:
        models["student"] = model_identity(config.student.model or config.generator)
    return {
        "event": "resume" if resumed else "start",
        "config_hash": config.config_hash(),
        "code_version": code_version(),
        "models": models,
        "prompts": prompt_hashes(dict(config.prompts)),
    }


def record_start(db: Any, config: Any) -> str:
    """Append the session's ``run`` event; a log that already has one makes this a resume."""
    resumed = has_kind(db, "run")
    return append_event(db, "run", start_payload(config, resumed))


def export_payload(path: Path, shown: str, rows: int) -> dict[str, Any]:
    return {"path": shown, "rows": rows, "sha256": sha256_file(path), "bytes": path.stat().st_size}


def log_exports(store_path: Path, payloads: list[dict[str, Any]]) -> bool:
    """Append one ``export`` event per written file (see :func:`log_events`)."""
    return log_events(store_path, "export", payloads)


def log_events(store_path: Path, kind: str, payloads: list[dict[str, Any]]) -> bool:
    """Append events to a store that a command reads read-only (export, leakage), through a
    connection of its own; a store nobody may write (another user's run, read-only media) keeps
    its log unchanged and False is returned."""
    if not payloads:
        return True
    try:
        db = sqlite3.connect(str(store_path), isolation_level=None, timeout=30)
    except sqlite3.Error:
        return False
    try:
        for payload in payloads:
            append_event(db, kind, payload)
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()
    return True


def card_privacy(store: Any, report: dict[str, Any] | None) -> dict[str, Any]:
    """The card's privacy section from the store's audit log and the run report."""
    from syndgen.privacy.audit import entries, head_hash, verify_chain
    from syndgen.privacy.card import privacy_section

    _, broken, _ = verify_chain(store.db)
    leakage = (report or {}).get("leakage")
    return privacy_section(entries(store.db), leakage, head_hash(store.db), broken)
