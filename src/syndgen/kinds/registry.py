"""Kind registry: name -> the module attribute that holds the kind, plus entry points.

Built-in kinds are named here as import paths and loaded only when used, so importing the
registry (and validating a config) costs nothing and imports no kind module. A third-party kind
comes from the ``syndgen.kinds`` entry-point group (:mod:`syndgen.plugins`).
"""

from __future__ import annotations

import importlib
from difflib import get_close_matches

from syndgen.errors import ConfigError
from syndgen.plugins import discovered, load

GROUP = "syndgen.kinds"

BUILTIN: dict[str, str] = {
    "qa": "syndgen.kinds.qa:KIND",
    "conversation": "syndgen.kinds.conversation:KIND",
    "math": "syndgen.kinds.verified:MATH",
    "code": "syndgen.kinds.verified:CODE",
    "grounded": "syndgen.kinds.grounded:KIND",
    "structured": "syndgen.kinds.structured:KIND",
}


def kind_names() -> list[str]:
    """Every kind a config may name: the built-in ones, then the installed plugins."""
    return [*BUILTIN, *(n for n in discovered(GROUP) if n not in BUILTIN)]


def unknown_kind(name: str) -> ConfigError:
    names = kind_names()
    close = get_close_matches(name, names, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(names)}"
    return ConfigError(f"unknown task.kind '{name}'", hint=hint)


def get_kind(name: str) -> object:
    """The kind object named ``name`` (a :class:`~syndgen.kinds.base.Kind`)."""
    if name in BUILTIN:
        module, _, attribute = BUILTIN[name].partition(":")
        return getattr(importlib.import_module(module), attribute)
    if name in discovered(GROUP):
        return load(GROUP, name)
    raise unknown_kind(name)
