"""The template library: ready-to-run run configs for a domain's task, shipped as package data.

A template is a run config (YAML, validated like any other) with one extra top-level block,
``template``: its ``domain``, ``task`` and ``description``. It is configuration over the
existing record kinds (``structured``, ``conversation``, ``code``, ...), never a code path of its
own: its axes, prompts (``system_prompt``, ``instructions``), record schema and domain
validators (``verifiers``) are all config. ``prompts`` paths and ``task.examples.path`` are
relative to the template's file.

Templates are found in three places, the first one of a name winning: the folders named by
``SYNDGEN_TEMPLATES`` (``os.pathsep``-separated) or ``--dir``; the ``syndgen.templates``
entry-point group (each entry point names a module whose folder holds ``<domain>/<task>.yaml``
files); and the shipped library beside this file.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.config.load import apply_overrides, check_config, parse_config, read_yaml
from syndgen.config.schema import RunConfig
from syndgen.errors import ConfigError, InputError
from syndgen.plugins import discovered

SHIPPED = Path(__file__).parent
GROUP = "syndgen.templates"
ENV = "SYNDGEN_TEMPLATES"
META_KEYS = frozenset({"domain", "task", "description"})


@dataclass(frozen=True)
class Template:
    """One template: its name (``domain/task``), where it lives, and its run config data."""

    domain: str
    task: str
    description: str
    path: Path
    origin: str
    """``shipped``, ``user`` (a folder) or ``plugin:NAME`` (an entry point)."""
    data: dict[str, Any]
    """The run config, without the ``template`` block, its relative paths resolved."""

    @property
    def name(self) -> str:
        return f"{self.domain}/{self.task}"

    @property
    def kind(self) -> str:
        return str(self.data.get("task", {}).get("kind", "qa"))

    @property
    def axes(self) -> list[str]:
        return [str(a.get("name")) for a in self.data.get("task", {}).get("axes", [])]


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """``prompts`` files and ``task.examples.path`` relative to the template's folder (pure)."""
    out = dict(data)
    if isinstance(out.get("prompts"), dict):
        out["prompts"] = {k: str((base / str(v)).resolve()) for k, v in out["prompts"].items()}
    task = out.get("task")
    if isinstance(task, dict) and isinstance(task.get("examples"), dict) and "path" in task["examples"]:
        examples = {**task["examples"], "path": str((base / str(task["examples"]["path"])).resolve())}
        out["task"] = {**task, "examples": examples}
    return out


def read_template(path: Path, origin: str = "user") -> Template:
    """The template in ``path``; a file without a valid ``template`` block is one error."""
    data = read_yaml(path)
    meta = data.pop("template", None)
    if not isinstance(meta, dict) or not {"domain", "task"} <= set(meta):
        raise ConfigError(
            f"{path}: not a template: it needs a 'template' block with domain, task and description"
        )
    unknown = sorted(set(meta) - META_KEYS)
    if unknown:
        raise ConfigError(
            f"{path}: unknown key 'template.{unknown[0]}' (valid: {', '.join(sorted(META_KEYS))})"
        )
    return Template(
        domain=str(meta["domain"]),
        task=str(meta["task"]),
        description=str(meta.get("description", "")),
        path=path,
        origin=origin,
        data=_resolve_paths(data, path.parent),
    )


def _folder_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*.yaml") if p.is_file())


def _plugin_folders() -> list[tuple[str, Path]]:
    folders = []
    for name, point in discovered(GROUP).items():
        try:
            module = importlib.import_module(point.value.split(":")[0])
        except ImportError as exc:
            raise ConfigError(f"the {GROUP} plugin {name!r} failed to load: {exc}") from None
        if module.__file__ is not None:
            folders.append((f"plugin:{name}", Path(module.__file__).parent))
    return folders


def user_folders(extra: Iterable[Path] = ()) -> list[Path]:
    """The user template folders: ``extra`` (``--dir``), then those ``SYNDGEN_TEMPLATES`` names."""
    named = [Path(p).expanduser() for p in os.environ.get(ENV, "").split(os.pathsep) if p.strip()]
    return [*extra, *named]


def all_templates(extra: Iterable[Path] = ()) -> list[Template]:
    """Every template, user ones first; a later one with a name already seen is left out."""
    sources: list[tuple[str, Path]] = [("user", f) for f in user_folders(extra)]
    sources += [*_plugin_folders(), ("shipped", SHIPPED)]
    found: dict[str, Template] = {}
    for origin, folder in sources:
        if not folder.is_dir():
            raise InputError(f"template folder not found: {folder}", hint=f"check --dir or {ENV}")
        for path in _folder_files(folder):
            template = read_template(path, origin)
            found.setdefault(template.name, template)
    return sorted(found.values(), key=lambda t: (t.origin == "shipped", t.name))


def get_template(name: str, extra: Iterable[Path] = ()) -> Template:
    """The template called ``domain/task``, or a file path to one."""
    if name.endswith((".yaml", ".yml")) and Path(name).is_file():
        return read_template(Path(name))
    templates = {t.name: t for t in all_templates(extra)}
    if name in templates:
        return templates[name]
    from difflib import get_close_matches

    close = get_close_matches(name, list(templates), n=1, cutoff=0.5)
    hint = f"did you mean '{close[0]}'?" if close else "see: syndgen templates list"
    raise InputError(f"unknown template '{name}'", hint=hint)


def template_config(template: Template, overrides: dict[str, Any] | None = None) -> RunConfig:
    """The template's run config with ``overrides`` (``--set`` keys) applied, checked."""
    data = apply_overrides(template.data, overrides or {})
    config = parse_config(data, source=f"template {template.name}")
    try:
        check_config(config)
    except ConfigError as exc:
        raise ConfigError(f"template {template.name}: {exc.message}", hint=exc.hint) from None
    return config
