"""Entry points: how third-party packages add backends, kinds, verifiers and exporters.

A package declares, in its ``pyproject.toml``::

    [project.entry-points."syndgen.kinds"]
    poem = "mypkg.poems:KIND"

and syndgen finds ``poem`` beside its built-in kinds. The groups are ``syndgen.backends`` (a
module with ``Config`` and ``create(config)``), ``syndgen.kinds`` (a :class:`~syndgen.kinds.base.Kind`),
``syndgen.verifiers`` (a ``(record, params) -> VerifierResult`` callable) and ``syndgen.exporters``
(a row adapter, see :mod:`syndgen.export.formats`). Names are read without loading anything;
an entry point is loaded only when its name is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from syndgen.errors import ConfigError

GROUPS = ("syndgen.backends", "syndgen.kinds", "syndgen.verifiers", "syndgen.exporters")


@cache
def discovered(group: str) -> dict[str, EntryPoint]:
    """The entry points installed for ``group``, by name (first one wins on a clash)."""
    found: dict[str, EntryPoint] = {}
    for point in entry_points(group=group):
        found.setdefault(point.name, point)
    return found


def load(group: str, name: str) -> Any:
    """Load the entry point ``name`` of ``group``; a broken plugin is one clear error."""
    point = discovered(group)[name]
    try:
        return point.load()
    except Exception as exc:  # noqa: BLE001 - whatever a plugin raises on import is reported as config
        raise ConfigError(
            f"the {group} plugin {name!r} ({point.value}) failed to load: {type(exc).__name__}: {exc}",
            hint="reinstall or fix the package that provides it",
        ) from None


def load_callable(group: str, name: str) -> Callable[..., Any]:
    """Load the entry point ``name`` of ``group`` and check that it is a callable."""
    found = load(group, name)
    if not callable(found):
        raise ConfigError(f"the {group} plugin {name!r} is a {type(found).__name__}, not a callable")
    loaded: Callable[..., Any] = found
    return loaded


def import_callable(path: str, what: str, signature: str) -> Callable[..., Any]:
    """The callable a config names as ``package.module:function`` (``what`` says whose it is,
    ``signature`` what it must take and return); each mistake is one clear error."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ConfigError(
            f"{what} {path!r} is not of the form 'package.module:function'",
            hint=f"name a callable {signature} as 'package.module:function'",
        )
    try:
        target: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"{what} {path!r}: cannot import module {module_name!r} ({exc})",
            hint="check the module name and that its package is installed or on PYTHONPATH",
        ) from exc
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(
                f"{what} {path!r}: module {module_name!r} has no attribute {attribute!r}",
                hint=f"define {attribute}{signature} in {module_name} or fix the name",
            )
        target = getattr(target, part)
    if not callable(target):
        raise ConfigError(
            f"{what} {path!r}: {attribute!r} is a {type(target).__name__}, not a callable",
            hint=f"point at a function {signature}",
        )
    found: Callable[..., Any] = target
    return found
