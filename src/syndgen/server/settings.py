"""The server's settings: typed and strict, checked once at start."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from syndgen.errors import ConfigError

DEFAULT_PORT = 8765
MAX_BODY = 1 << 20


def default_max_running() -> int:
    """Jobs at once: HTTP and dryrun jobs mostly wait on I/O, so several per core (capped)."""
    return max(2, min(64, 4 * (os.cpu_count() or 1)))


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ServerSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    host: str = "127.0.0.1"
    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    workdir: Path = Path("syndgen-server")
    max_running: int = Field(default_factory=default_max_running, ge=1, le=1024)
    max_embedded: int = Field(
        default=1, ge=1, le=64, description="embedded-model jobs at once (each loads its own model)"
    )
    token: SecretStr | None = None
    allow: tuple[Path, ...] = ()
    """Folders a submitted config may read files from (default: WORKDIR/inputs)."""
    resume_interrupted: bool = True
    """At start, jobs that were running when the server stopped are queued again (else: marked
    interrupted)."""
    max_body: int = Field(default=MAX_BODY, ge=1024)

    @property
    def jobs_dir(self) -> Path:
        return self.workdir / "jobs"

    @property
    def allowed_dirs(self) -> tuple[Path, ...]:
        dirs = self.allow or (self.workdir / "inputs",)
        return tuple(d.expanduser().resolve() for d in dirs)

    def check(self) -> None:
        """A non-loopback bind needs a token: one line that says so, not an open server."""
        if not is_loopback_host(self.host) and self.token is None:
            raise ConfigError(
                f"--host {self.host} is not a loopback address: a token is required",
                hint="pass --token or set SYNDGEN_TOKEN, or bind to 127.0.0.1",
            )
        if self.token is not None and len(self.token.get_secret_value()) < 8:
            raise ConfigError("the token is too short", hint="use at least 8 characters")
