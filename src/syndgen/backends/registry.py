"""Backend registry: name -> module. Each module defines ``Config`` and ``create(config)``.

Modules import their heavy client libraries lazily inside ``create``, so importing the registry
(and validating a config) costs nothing. Adding a backend is its module plus a line in
:data:`BACKENDS`, or, from another package, an entry point in the ``syndgen.backends`` group
naming its module (:mod:`syndgen.plugins`).
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches
from types import ModuleType
from typing import Any

from syndgen.backends.base import Backend
from syndgen.errors import ConfigError
from syndgen.plugins import discovered

GROUP = "syndgen.backends"

BACKENDS: dict[str, str] = {
    "llamacpp": "syndgen.backends.llamacpp",
    "ollama": "syndgen.backends.ollama",
    "openai": "syndgen.backends.openai_compat",
    "dryrun": "syndgen.backends.dryrun",
}


def backend_names() -> list[str]:
    """Every backend a config may name: the built-in ones, then the installed plugins."""
    return [*BACKENDS, *(n for n in discovered(GROUP) if n not in BACKENDS)]


def backend_module(name: str) -> ModuleType:
    path = BACKENDS.get(name) or (discovered(GROUP)[name].value if name in discovered(GROUP) else None)
    if path is None:
        close = get_close_matches(name, backend_names(), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(backend_names())}"
        raise ConfigError(f"unknown backend '{name}'", hint=hint)
    try:
        return importlib.import_module(path.partition(":")[0])
    except ImportError as exc:
        raise ConfigError(
            f"backend '{name}': cannot import {path} ({exc})", hint="reinstall the package that provides it"
        ) from None


def create_backend(config: Any) -> Backend:
    """Build the backend a model config names (``config.backend``)."""
    module = backend_module(config.backend)
    backend: Backend = module.create(config)
    return backend
