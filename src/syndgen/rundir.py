"""The run folder: where the store, the resolved config, the data and the card live.

A folder is either new (or empty), or a run folder made with the same config, which resumes.
A different config is refused unless ``overwrite`` is set, or unless the run has not committed a
single seed yet (nothing would be lost); a folder that holds other files is never touched. A run
folder open for writing is locked (``RUN/.lock``): one process at a time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import yaml

from syndgen.config import RunConfig
from syndgen.errors import InputError, RunStateError
from syndgen.privacy.run_audit import record_start
from syndgen.runlock import LOCK_NAME, RunLock
from syndgen.store import STORE_NAME, RunStore, check_store

CONFIG_NAME = "config.yaml"
DATA_DIR = "data"
CARD_NAME = "README.md"
EXPORTS_NAME = "exports.json"
VALIDATION_NAMES = ("validation.json", "validation.html")
_OWNED = (
    STORE_NAME,
    f"{STORE_NAME}-wal",
    f"{STORE_NAME}-shm",
    CONFIG_NAME,
    CARD_NAME,
    DATA_DIR,
    EXPORTS_NAME,
    *VALIDATION_NAMES,
)
"""What ``--overwrite`` removes. The lock file (also ours) stays: it is held while clearing."""


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old content or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise


def _clear(run_dir: Path) -> None:
    for name in _OWNED:
        target = run_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def prepare_folder(path: Path, flag: str = "--out") -> None:
    """Create ``path`` (and its parents) as a folder this process can write, or fail with one line.

    Checks before creating anything: an existing file where a folder is needed (the path itself
    or a parent), or a parent folder without write permission.
    """
    if path.exists() and not path.is_dir():
        raise InputError(f"{flag} {path} is a file, not a folder")
    existing = path
    while not existing.exists():
        if existing.parent == existing:
            break
        existing = existing.parent
    if existing != path and not existing.is_dir():
        raise InputError(f"cannot create {flag} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == path else f": no permission to create folders in {existing}"
        raise InputError(f"{flag} {path} is not writable{where}", hint=f"choose another {flag} folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {flag} {path}: {exc.strerror or exc}") from None


def open_run(run_dir: Path, config: RunConfig, *, overwrite: bool = False) -> RunStore:
    """Create or resume the run in ``run_dir`` for ``config``.

    The returned store holds the folder's lock until it is closed: a second process on the same
    folder is refused. A store with no committed seed (a first session that failed before its
    first commit: a missing file, a bad model) holds nothing to lose, so a changed config simply
    replaces it; a damaged store is only replaced with ``overwrite``.
    """
    store_path = run_dir / STORE_NAME
    if run_dir.is_dir() and not store_path.exists():
        foreign = [p.name for p in run_dir.iterdir() if p.name not in (*_OWNED, LOCK_NAME)]
        if foreign:
            raise RunStateError(
                f"{run_dir} is not empty and is not a syndgen run folder",
                hint="choose a new or empty --out folder",
            )
    prepare_folder(run_dir)
    try:
        lock = RunLock(run_dir).acquire()
    except PermissionError as exc:
        raise InputError(f"--out {run_dir} is not writable ({exc.strerror})") from None
    try:
        store = _open_locked(run_dir, config, overwrite, lock)
    except BaseException:
        lock.release()
        raise
    try:
        record_start(store.db, config)  # the audit log: every start and resume
    except BaseException:
        store.close()
        raise
    return store


def _open_locked(run_dir: Path, config: RunConfig, overwrite: bool, lock: RunLock) -> RunStore:
    store_path = run_dir / STORE_NAME
    new_hash = config.config_hash()
    if store_path.exists():
        problem = check_store(store_path)
        if problem not in (None, "empty"):
            if not overwrite:
                raise RunStateError(
                    f"{store_path} is {problem}",
                    hint="rerun with --overwrite to start again, or choose another --out",
                )
            _clear(run_dir)
        elif problem == "empty":
            _clear(run_dir)
        else:
            store = RunStore(store_path)
            old_hash = store.get_meta("config_hash")
            if old_hash == new_hash:
                store.set_meta("config", json.dumps(config.public_dict()))
                _write_config(run_dir, config)
                store.close()
                return RunStore(store_path, lock=lock)
            committed = store.count("outcomes")
            store.close()
            if committed and not overwrite:
                raise RunStateError(
                    f"{run_dir} holds a run made with a different config ({old_hash} here, {new_hash} now)",
                    hint="rerun with --overwrite to start again, or choose another --out",
                )
            _clear(run_dir)
    store = RunStore(store_path, lock=lock)
    store.set_meta("config_hash", new_hash)
    store.set_meta("config", json.dumps(config.public_dict()))
    _write_config(run_dir, config)
    return store


def _write_config(run_dir: Path, config: RunConfig) -> None:
    text = yaml.safe_dump(config.public_dict(), sort_keys=False, allow_unicode=True)
    atomic_write_text(run_dir / CONFIG_NAME, text)


def load_run_config(store: RunStore) -> RunConfig:
    raw = store.get_meta("config")
    if not raw:
        raise RunStateError(f"{store.path} holds no config; the run folder is damaged")
    return RunConfig.model_validate_json(raw)
