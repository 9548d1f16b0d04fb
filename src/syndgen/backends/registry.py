"""Backend registry: name -> module. Each module defines ``Config`` and ``create(config)``.

Modules import their heavy client libraries lazily inside ``create``, so importing the registry
(and validating a config) costs nothing. Adding a backend touches its module, this table and
one test file.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from syndgen.backends.base import Backend
from syndgen.errors import ConfigError

BACKENDS: dict[str, str] = {
    "llamacpp": "syndgen.backends.llamacpp",
    "ollama": "syndgen.backends.ollama",
    "openai": "syndgen.backends.openai_compat",
    "dryrun": "syndgen.backends.dryrun",
}


def backend_module(name: str) -> ModuleType:
    try:
        path = BACKENDS[name]
    except KeyError:
        from difflib import get_close_matches

        close = get_close_matches(name, list(BACKENDS), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(BACKENDS)}"
        raise ConfigError(f"unknown backend '{name}'", hint=hint) from None
    return importlib.import_module(path)


def create_backend(config: Any) -> Backend:
    """Build the backend a model config names (``config.backend``)."""
    module = backend_module(config.backend)
    backend: Backend = module.create(config)
    return backend
