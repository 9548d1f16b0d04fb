"""A job's privacy view: what the dataset card's privacy section shows (redaction counts by
entity type and where and how they were applied, the run report's leakage section, the audit
log's length and head hash) with the chain's verification (``syndgen audit``'s) and every export
entry. Reads open the store read-only and reuse the card's and the audit command's functions."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from syndgen.errors import SyndgenError
from syndgen.store import STORE_NAME, RunStore

EMPTY: dict[str, Any] = {"enabled": False, "configured": False, "section": None, "chain": None, "exports": []}


def privacy_view(run_dir: Path) -> dict[str, Any]:
    """The privacy page's data; ``enabled`` is false for a run without privacy checks or data,
    and the view is empty before the run has a store (or while its first session creates it)."""
    if not (run_dir / STORE_NAME).is_file():
        return dict(EMPTY)
    try:
        return _read(run_dir)
    except (SyndgenError, sqlite3.Error):
        return dict(EMPTY)


def _read(run_dir: Path) -> dict[str, Any]:
    from syndgen.cli_audit import audit_report
    from syndgen.privacy.run_audit import card_privacy
    from syndgen.report import load_report
    from syndgen.rundir import load_run_config

    store = RunStore.open_existing(run_dir)
    try:
        privacy = load_run_config(store).privacy
        section = card_privacy(store, load_report(store))
    finally:
        store.close()
    audit = audit_report(run_dir)
    configured = privacy.pii.enabled or privacy.checks_leakage
    chain = {k: audit[k] for k in ("checked", "intact", "broken_at", "broken_kind", "why", "head")}
    exports = [
        {"seq": e["seq"], "at": e["at"], **e["payload"]} for e in audit["entries"] if e["kind"] == "export"
    ]
    found = bool(section["redaction"]["events"] or section["leakage"])
    return {
        "enabled": configured or found,
        "configured": configured,
        "section": section,
        "chain": chain,
        "exports": exports,
    }
