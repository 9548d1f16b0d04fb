"""The run folder: where the store, the resolved config, the data and the card live.

A folder is either new (or empty), or a run folder made with the same config, which resumes.
A different config is refused unless ``overwrite`` is set; a folder that holds other files is
never touched.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import yaml

from syndgen.config import RunConfig
from syndgen.errors import InputError, RunStateError
from syndgen.store import STORE_NAME, RunStore

CONFIG_NAME = "config.yaml"
DATA_DIR = "data"
CARD_NAME = "README.md"
_OWNED = (STORE_NAME, f"{STORE_NAME}-wal", f"{STORE_NAME}-shm", CONFIG_NAME, CARD_NAME, DATA_DIR)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old content or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _clear(run_dir: Path) -> None:
    for name in _OWNED:
        target = run_dir / name
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()


def open_run(run_dir: Path, config: RunConfig, *, overwrite: bool = False) -> RunStore:
    """Create or resume the run in ``run_dir`` for ``config``."""
    if run_dir.exists() and not run_dir.is_dir():
        raise InputError(f"--out {run_dir} is a file, not a folder")
    store_path = run_dir / STORE_NAME
    if run_dir.is_dir() and not store_path.exists():
        foreign = [p.name for p in run_dir.iterdir() if p.name not in _OWNED]
        if foreign:
            raise RunStateError(
                f"{run_dir} is not empty and is not a syndgen run folder",
                hint="choose a new or empty --out folder",
            )
    new_hash = config.config_hash()
    if store_path.exists():
        store = RunStore(store_path)
        old_hash = store.get_meta("config_hash")
        if old_hash != new_hash:
            store.close()
            if not overwrite:
                raise RunStateError(
                    f"{run_dir} holds a run made with a different config ({old_hash} here, {new_hash} now)",
                    hint="rerun with --overwrite to start again, or choose another --out",
                )
            _clear(run_dir)
        else:
            store.set_meta("config", json.dumps(config.public_dict()))
            _write_config(run_dir, config)
            return store
    run_dir.mkdir(parents=True, exist_ok=True)
    store = RunStore(store_path)
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
