"""Validation in the dataset card: when the run config names ``validation.reference``, each
export validates the run's SFT data against it and writes ``RUN/validation.json`` and
``RUN/validation.html``; the card shows the overall score, the verdict and the component scores.

A reference that cannot be read, or a missing ``validate`` extra, does not stop the export: the
card says why there is no validation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndgen.errors import SyndgenError


def card_validation(run_dir: Path, config: Any) -> dict[str, Any] | None:
    """The card's validation section (None when the config names no reference)."""
    settings = config.validation
    if settings.reference is None:
        return None
    from syndgen.rundir import VALIDATION_NAMES
    from syndgen.validation.html import write_html
    from syndgen.validation.report import write_json
    from syndgen.validation.run import Options, validate_sets

    options = Options(label_field=settings.label_field, text_field=settings.text_field, seed=config.seed)
    try:
        result = validate_sets(run_dir, Path(settings.reference), options)
    except SyndgenError as exc:
        return {"reference": settings.reference, "error": str(exc)}
    write_json(result.report, run_dir / VALIDATION_NAMES[0])
    write_html(result.report, result.plots, run_dir / VALIDATION_NAMES[1])
    report = result.report
    return {
        "reference": settings.reference,
        "overall": report["overall"],
        "verdict": report["verdict"]["summary"],
        "passed": report["verdict"]["passed"],
        "scores": report["scores"],
        "files": list(VALIDATION_NAMES),
    }
