"""The leakage check wired to a run: its sources, its gate, its report, ``syndgen leakage``.

:func:`checker_for` reads what a run's config names (seed examples, the grounding index,
``leakage.references``, ``privacy.decontaminate``) plus any extra files; :func:`leakage_gate` is
the run's gate, logging each decision to the audit log; :func:`run_summary` is the leakage part
of the run's report (rates, the distribution of every measure over the kept records, each copy
with its source and span); :func:`check_run` is ``syndgen leakage RUN --against FILES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from syndgen.config import RunConfig
from syndgen.config_privacy import LeakageConfig
from syndgen.errors import ConfigError
from syndgen.privacy.audit import append_event, entries
from syndgen.privacy.leakage import LeakageChecker, analyse
from syndgen.privacy.leakage_gate import EVENT, LeakageGate, attempt_text
from syndgen.privacy.leakage_sources import config_sources, eval_sources, read_file_sources
from syndgen.records import SeedOutcome
from syndgen.store import RunStore

MAX_LISTED = 100


def checker_for(
    config: RunConfig,
    against: Sequence[str | Path] = (),
    *,
    embed: bool | None = None,
    leak_checks: bool | None = None,
) -> LeakageChecker:
    """The checker of a run's sources; every file is read (and may fail) before anything runs."""
    privacy = config.privacy
    leakage = privacy.leakage
    sources = config_sources(privacy, config.task.examples, config.grounding.index)
    for path in against:
        sources += read_file_sources(path, "reference")
    evals = eval_sources(privacy.decontaminate)
    wants_embed = leakage.embedding_distance is not None if embed is None else embed
    encode = None
    if wants_embed:
        from syndgen.embed import get_embedder

        encode = get_embedder(leakage.embedder).encode
    checks = leakage.enabled if leak_checks is None else leak_checks
    return LeakageChecker(sources, evals, leakage, embed=encode, leak_checks=checks)


def leakage_gate(store: RunStore, config: RunConfig, checker: LeakageChecker) -> LeakageGate:
    """The run's gate over ``checker``, logging each decision to the run's audit log."""

    def log(kind: str, payload: dict[str, Any]) -> None:
        append_event(store.db, kind, payload)

    return LeakageGate(checker, config.privacy.leakage.action, on_event=log)


def sample_text(outcome: SeedOutcome) -> str:
    """The exported text of a kept record: its question and its attempt's generated text."""
    assert outcome.sample is not None
    return f"{outcome.sample.question.text}\n{attempt_text(outcome.sample.attempt)}"


def kept_records(store: RunStore) -> list[tuple[str, str]]:
    return [(f"seed-{o.seed.index:06d}", sample_text(o)) for o in store.outcomes() if o.sample is not None]


def logged_decisions(store: RunStore) -> list[dict[str, Any]]:
    """Every leakage decision in the audit log, in order."""
    return [{"seq": e.seq, **e.payload} for e in entries(store.db) if e.kind == EVENT]


def run_summary(store: RunStore, checker: LeakageChecker) -> dict[str, Any]:
    """The run report's ``leakage`` section."""
    analysis = analyse(kept_records(store), checker)
    decisions = logged_decisions(store)
    rejected = {
        reason: int(
            store.scalar("SELECT COUNT(*) FROM rejections WHERE stage = 'privacy' AND reason = ?", reason)
        )
        for reason in ("leak", "contaminated")
    }
    flagged = sum(1 for d in decisions if d.get("action") == "flagged")
    withheld = sum(1 for d in decisions if d.get("action") == "withheld")
    checked = analysis["records"] + rejected["leak"] + rejected["contaminated"]
    found = rejected["leak"] + rejected["contaminated"] + flagged
    return {
        "action": checker.config.action,
        "checked": checked,
        "rejected_leak": rejected["leak"],
        "rejected_contaminated": rejected["contaminated"],
        "flagged": flagged,
        "withheld_attempts": withheld,
        "leak_rate": round(found / checked, 4) if checked else 0.0,
        "sources": analysis["sources"],
        "eval_items": analysis["eval_items"],
        "kept": {
            k: analysis[k] for k in ("span_tokens", "ngram_overlap", "minhash_jaccard", "embedding_distance")
        },
        "baseline_distance": analysis["baseline_distance"],
        "closer_than_baseline_p5": analysis["closer_than_baseline_p5"],
        "copies": [
            {
                k: d.get(k)
                for k in (
                    "seed_index",
                    "attempt_no",
                    "action",
                    "reason",
                    "measure",
                    "value",
                    "source",
                    "span",
                )
            }
            for d in decisions[:MAX_LISTED]
        ],
    }


def with_thresholds(config: RunConfig, thresholds: dict[str, Any]) -> RunConfig:
    """The run config with leakage thresholds replaced; one range-checked ConfigError if bad."""
    from pydantic import ValidationError

    if not thresholds:
        return config
    privacy = config.privacy
    try:
        leakage = LeakageConfig.model_validate({**privacy.leakage.model_dump(), **thresholds})
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"]) or "leakage"
        raise ConfigError(f"privacy.leakage.{field}: {error['msg']}") from None
    return config.model_copy(update={"privacy": privacy.model_copy(update={"leakage": leakage})})


def check_run(
    run_dir: Path,
    against: Sequence[str | Path],
    *,
    embed: bool = True,
    thresholds: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``syndgen leakage``: the run's kept records against its sources and ``against``."""
    from syndgen.rundir import load_run_config

    store = RunStore.open_existing(run_dir)
    try:
        config = with_thresholds(load_run_config(store), thresholds or {})
        checker = checker_for(config, against, embed=embed, leak_checks=True)
        report = analyse(kept_records(store), checker)
    finally:
        store.close()
    return {"run_dir": str(run_dir), "against": [str(p) for p in against], **report}


def log_check(run_dir: Path, report: dict[str, Any]) -> bool:
    """A ``leakage_check`` audit event: the files compared (with their sha256) and the counts."""
    from syndgen.privacy.run_audit import log_events, sha256_file
    from syndgen.store import STORE_NAME

    against = [{"path": p, "sha256": sha256_file(Path(p).expanduser())} for p in report["against"]]
    payload = {k: report[k] for k in ("records", "sources", "eval_items", "leaks", "contaminated")}
    return log_events(run_dir / STORE_NAME, "leakage_check", [{"against": against, **payload}])
