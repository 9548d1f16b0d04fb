"""Exporter registry: the built-in row adapters and those of the ``syndgen.exporters`` entry-point
group. An exporter is ``(outcomes, reasoning, system_prompt, with_context) -> rows``; its rows
are written as JSONL or Parquet like the built-in ones."""

from __future__ import annotations

from difflib import get_close_matches
from typing import cast

from syndgen.errors import ConfigError
from syndgen.export.formats import ADAPTERS, Adapter
from syndgen.plugins import discovered, load_callable

GROUP = "syndgen.exporters"


def exporter_names() -> list[str]:
    return [*ADAPTERS, *(n for n in discovered(GROUP) if n not in ADAPTERS)]


def get_exporter(name: str) -> Adapter:
    if name in ADAPTERS:
        return ADAPTERS[name]
    if name in discovered(GROUP):
        return cast(Adapter, load_callable(GROUP, name))
    names = exporter_names()
    close = get_close_matches(name, names, n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(names)}"
    raise ConfigError(f"unknown export format '{name}'", hint=hint)
