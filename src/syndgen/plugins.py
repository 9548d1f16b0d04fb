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
