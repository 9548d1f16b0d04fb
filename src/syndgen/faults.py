"""Faults a backend rode out or gave up on, counted by kind and kept in the run store.

Optional backend capability (see :class:`ReportsFaults`): a backend that talks to a server may
have ``faults() -> dict[str, int]``, its counts since it was created. The HTTP backends count

- ``requests``: HTTP requests sent, retries included;
- one key per fault seen: ``http_<status>`` (``http_429``, ``http_500``, ``http_503``, ...),
  ``timeout``, ``connection`` (could not connect), ``disconnected`` (the connection dropped
  before or in the middle of a response), ``malformed_response`` (a 200 whose body is not a
  usable completion);
- ``retries`` (faults followed by another try) and ``gave_up`` (retryable faults that ran out of
  tries).

The runner calls :func:`save` at the end of each session (and on abort); :func:`load` sums what
every session stored, per backend, for ``inspect`` and the dataset card. Each backend object's
counts are stored under a token of their own, so calling :func:`save` twice is harmless and a
resumed run adds its sessions to the earlier ones.
"""

from __future__ import annotations

import json
import threading
import uuid
import weakref
from collections import Counter
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from syndgen.store import RunStore

FAULTS_META = "backend_faults"


@runtime_checkable
class ReportsFaults(Protocol):
    """The optional capability: counts of the faults met since the backend was created."""

    @property
    def model_id(self) -> str: ...

    def faults(self) -> dict[str, int]: ...


class FaultCounter:
    """Counts by kind; safe to bump from the event loop and read from any thread."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, n: int = 1) -> None:
        with self._lock:
            self._counts[kind] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return {kind: n for kind, n in sorted(self._counts.items()) if n}


_tokens: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
_tokens_lock = threading.Lock()


def label(backend: ReportsFaults) -> str:
    """How a backend is named in the report: its kind and model (``openai smollm2-server``)."""
    kind = getattr(getattr(backend, "config", None), "backend", None) or type(backend).__name__
    return f"{kind} {backend.model_id}"


def _token(backend: object) -> str:
    with _tokens_lock:
        token = _tokens.get(backend)
        if token is None:
            token = _tokens[backend] = uuid.uuid4().hex
        return token


def _stored(store: RunStore) -> dict[str, Any]:
    raw = store.get_meta(FAULTS_META)
    if not raw:
        return {}
    data = json.loads(raw)
    return data if isinstance(data, dict) else {}


def save(store: RunStore, backends: Iterable[object]) -> None:
    """Write the fault counts of ``backends`` (those that report any) into the run store.

    Backends without :meth:`ReportsFaults.faults` are skipped; the same object listed twice (one
    backend serving two roles) is stored once.
    """
    entries = _stored(store)
    seen: set[int] = set()
    for backend in backends:
        if id(backend) in seen or not isinstance(backend, ReportsFaults):
            continue
        seen.add(id(backend))
        entries[_token(backend)] = {"backend": label(backend), "counts": backend.faults()}
    store.set_meta(FAULTS_META, json.dumps(entries, sort_keys=True))


def load(store: RunStore) -> dict[str, dict[str, int]]:
    """Fault counts per backend label, summed over every session of the run."""
    totals: dict[str, Counter[str]] = {}
    for entry in _stored(store).values():
        counts = totals.setdefault(str(entry.get("backend")), Counter())
        counts.update({str(k): int(v) for k, v in (entry.get("counts") or {}).items()})
    return {name: dict(sorted(counts.items())) for name, counts in sorted(totals.items())}
