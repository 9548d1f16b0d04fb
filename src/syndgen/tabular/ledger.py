"""The privacy budget ledger: what every DP fit spent, per source file.

One JSON file holds, for each data set (keyed by the SHA-256 of the source file's bytes), its
total budget ``(epsilon, delta)`` and the list of fits that spent from it. Spends add up by basic
sequential composition (epsilons add, deltas add). A fit that would take the total over budget
is refused before any data is touched.

Where it lives: ``--ledger PATH`` on the command line, else ``$SYNDGEN_LEDGER``, else
``privacy-ledger.json`` in the user's data folder (``$XDG_DATA_HOME/syndgen`` or
``~/.local/share/syndgen``). Writes take a lock file beside it and replace the file atomically.

The ledger counts what syndgen spent; it cannot see copies of the data under another hash (a
re-saved CSV is a new file) or what other tools spent on the same people.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.errors import InputError, SyndgenError

DEFAULT_TOTAL_EPSILON = 10.0
DEFAULT_TOTAL_DELTA = 1e-5
_SLACK = 1e-9


class BudgetExceeded(SyndgenError):
    """A fit would spend more than the data set's total privacy budget."""

    exit_code = 2


def default_ledger_path() -> Path:
    env = os.environ.get("SYNDGEN_LEDGER")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "syndgen" / "privacy-ledger.json"


@dataclass(frozen=True)
class Balance:
    total_epsilon: float
    total_delta: float
    spent_epsilon: float
    spent_delta: float
    fits: int

    @property
    def left_epsilon(self) -> float:
        return max(0.0, self.total_epsilon - self.spent_epsilon)

    @property
    def left_delta(self) -> float:
        return max(0.0, self.total_delta - self.spent_delta)


class Ledger:
    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_ledger_path()

    # ------------------------------------------------------------------ storage

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"version": 1, "datasets": {}}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{self.path}: the privacy ledger is not valid JSON ({exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("datasets"), dict):
            raise InputError(f"{self.path}: not a syndgen privacy ledger")
        return data

    def _write(self, data: dict[str, Any]) -> None:
        handle, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ledger.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
        os.replace(tmp, self.path)

    @contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            yield data
            self._write(data)

    # ------------------------------------------------------------------ queries

    @staticmethod
    def _balance(entry: dict[str, Any]) -> Balance:
        fits = entry.get("fits", [])
        return Balance(
            total_epsilon=float(entry["total_epsilon"]),
            total_delta=float(entry["total_delta"]),
            spent_epsilon=sum(float(f["epsilon"]) for f in fits),
            spent_delta=sum(float(f["delta"]) for f in fits),
            fits=len(fits),
        )

    def balance(self, sha256: str) -> Balance:
        entry = self._read()["datasets"].get(sha256)
        if entry is None:
            return Balance(DEFAULT_TOTAL_EPSILON, DEFAULT_TOTAL_DELTA, 0.0, 0.0, 0)
        return self._balance(entry)

    def fits(self, sha256: str) -> list[dict[str, Any]]:
        return list(self._read()["datasets"].get(sha256, {}).get("fits", []))

    # ------------------------------------------------------------------ changes

    def set_total(self, sha256: str, epsilon: float, delta: float, *, source: str = "") -> Balance:
        """Set a data set's total budget (never below what is already spent)."""
        with self._locked() as data:
            entry = data["datasets"].setdefault(sha256, _new_entry(source))
            spent = self._balance(entry)
            if epsilon + _SLACK < spent.spent_epsilon or delta + _SLACK < spent.spent_delta:
                raise BudgetExceeded(
                    f"the total budget cannot go below what is spent already "
                    f"(epsilon {spent.spent_epsilon:g}, delta {spent.spent_delta:g})"
                )
            entry["total_epsilon"], entry["total_delta"] = float(epsilon), float(delta)
            return self._balance(entry)

    def check(self, sha256: str, epsilon: float, delta: float) -> Balance:
        """Raise BudgetExceeded when spending ``(epsilon, delta)`` would go over budget."""
        balance = self.balance(sha256)
        over_eps = balance.spent_epsilon + epsilon > balance.total_epsilon + _SLACK
        over_delta = balance.spent_delta + delta > balance.total_delta + _SLACK
        if over_eps or over_delta:
            raise BudgetExceeded(
                f"over budget: this fit needs epsilon {epsilon:g}, delta {delta:g}; the data set has "
                f"epsilon {balance.left_epsilon:g}, delta {balance.left_delta:g} left of "
                f"{balance.total_epsilon:g}, {balance.total_delta:g} ({balance.fits} fits so far)",
                hint="raise the total with --budget-epsilon/--budget-delta if that is intended",
            )
        return balance

    def spend(self, sha256: str, epsilon: float, delta: float, **details: Any) -> Balance:
        """Record a fit's spend (checked again under the lock)."""
        with self._locked() as data:
            entry = data["datasets"].setdefault(sha256, _new_entry(str(details.get("source", ""))))
            before = self._balance(entry)
            if (
                before.spent_epsilon + epsilon > before.total_epsilon + _SLACK
                or before.spent_delta + delta > before.total_delta + _SLACK
            ):
                raise BudgetExceeded("over budget: another fit spent the rest of the budget meanwhile")
            entry["fits"].append({"epsilon": epsilon, "delta": delta, "at": time.time(), **details})
            return self._balance(entry)


def _new_entry(source: str) -> dict[str, Any]:
    return {
        "source": source,
        "total_epsilon": DEFAULT_TOTAL_EPSILON,
        "total_delta": DEFAULT_TOTAL_DELTA,
        "fits": [],
    }
