"""``syndgen privacy check`` as one function: anonymity, optional generalisation, synthetic risk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndgen.errors import InputError
from syndgen.extras import require
from syndgen.tabular.anonymity import anonymity
from syndgen.tabular.frame import read_table, write_table
from syndgen.tabular.generalise import generalise as generalise_table
from syndgen.tabular.risk import distance_to_closest, exact_match_share
from syndgen.tabular.workflow import parse_columns

GeneraliseOptions = tuple[bool, float, str | None, Path | None]


def run_check(
    data: str | Path,
    quasi_identifiers: str | list[str],
    *,
    k: int = 5,
    l: int | None = None,  # noqa: E741
    sensitive: str | None = None,
    generalise: GeneraliseOptions = (False, 0.05, None, None),
    real: str | Path | None = None,
    holdout: str | Path | None = None,
) -> dict[str, Any]:
    """The report as a JSON-ready dict: ``report`` (k, l, classes below), and where asked
    ``generalised`` (its report and the information lost) and ``risk`` (match share, DCR)."""
    require("tabular", "syndgen privacy check")
    qis = (
        quasi_identifiers
        if isinstance(quasi_identifiers, list)
        else parse_columns(quasi_identifiers, "--quasi-identifiers")
    )
    if l is not None and sensitive is None:
        raise InputError("--l needs --sensitive COLUMN")
    if holdout is not None and real is None:
        raise InputError("--holdout needs --real (the table the synthesizer was fit on)")
    frame = read_table(data)
    payload: dict[str, Any] = {
        "data": str(data),
        "report": anonymity(frame, qis, k=k, sensitive=sensitive, l=l).to_dict(),
    }
    enabled, max_suppression, truncate, out = generalise
    if enabled:
        result = generalise_table(
            frame, qis, k, max_suppression=max_suppression, truncate=parse_columns(truncate, "--truncate")
        )
        payload["generalised"] = {
            "report": anonymity(result.frame, qis, k=k, sensitive=sensitive, l=l).to_dict(),
            "info_lost": result.to_dict(),
        }
        if out is not None:
            write_table(result.frame, out)
            payload["generalised"]["path"] = str(out)
    if real is not None:
        real_frame = read_table(real)
        risk: dict[str, Any] = {"exact_qi_match_share": round(exact_match_share(frame, real_frame, qis), 4)}
        if holdout is not None:
            risk["dcr"] = distance_to_closest(frame, real_frame, read_table(holdout))
        payload["risk"] = risk
    return payload
