"""The pseudonym key: a secret file kept outside every run folder, created on first use.

The default is ``$XDG_CONFIG_HOME/syndgen/pii.key`` (``~/.config/syndgen/pii.key``), so every run
of a user shares one key and the same value gets the same surrogate in all of them; a run that
must not be linkable to others names its own ``privacy.pii.key_file``. The key never enters a
run folder, a log or the audit log (only its fingerprint, a hash of a hash, does).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from syndgen.errors import ConfigError, InputError


def default_key_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "syndgen" / "pii.key"


def key_path(configured: str | None) -> Path:
    return Path(configured).expanduser() if configured else default_key_path()


def check_outside(path: Path, run_dir: Path) -> None:
    """A key inside the run folder would ship with the data it protects."""
    key, run = path.expanduser().resolve(), run_dir.resolve()
    if key == run or run in key.parents:
        raise ConfigError(
            f"privacy.pii.key_file {path} is inside the run folder {run_dir}",
            hint="keep the key outside the run folder, e.g. the default under ~/.config/syndgen/",
        )


def load_key(path: Path) -> bytes:
    """The key in ``path``, created (32 random bytes, hex, mode 0600) when the file is missing."""
    if not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: read theirs
        except OSError as exc:
            raise InputError(f"cannot create the pseudonym key {path}: {exc.strerror or exc}") from exc
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the pseudonym key {path}: {exc}") from exc
    if len(text) < 32:
        raise InputError(f"the pseudonym key {path} is too short", hint="delete it to make a new one")
    return text.encode()


def fingerprint(key: bytes) -> str:
    """Names the key in the audit log without revealing it."""
    return hashlib.sha256(hashlib.sha256(key).digest()).hexdigest()[:16]
