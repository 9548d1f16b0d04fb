"""Loading a run config: YAML (no aliases), ``--set`` overrides, one-line errors that name the
key and suggest the closest valid one, and the checks that need more than the schema (verifier
params, prompt override files)."""

from __future__ import annotations

import json
from difflib import get_close_matches
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from syndgen.backends.registry import BACKENDS
from syndgen.config.schema import RunConfig, models_in
from syndgen.errors import ConfigError, InputError


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The config class that owns the last element of an error location.

    List indices in the location (``task.axes.0.valuez``) are stepped over: the item's class is
    the list's element class.
    """
    cls: type[BaseModel] = RunConfig
    parts = [p for p in loc[:-1] if not isinstance(p, int)]
    i = 0
    while i < len(parts):
        field = cls.model_fields.get(str(parts[i]))
        if field is None:
            return None
        candidates = models_in(field.annotation)
        if not candidates:
            return None
        if len(candidates) == 1:
            cls = candidates[0]
        else:
            tag = parts[i + 1] if i + 1 < len(parts) else None
            match = [c for c in candidates if c.model_fields["backend"].default == tag]
            if not match:
                match = [c for c in candidates if tag in BACKENDS and str(tag) in str(c.__module__)]
            if not match:
                return None
            cls = match[0]
            i += 1  # skip the discriminator tag pydantic puts in the location
        i += 1
    return cls


def _format_loc(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif str(part) not in BACKENDS:
            text += f".{part}" if text else str(part)
    return text or "(top level)"


def _format_error(err: Any) -> str:
    loc = tuple(err["loc"])
    where = _format_loc(loc)
    if err["type"] == "extra_forbidden":
        key = str(loc[-1])
        owner = _model_at(loc)
        valid = list(owner.model_fields) if owner else []
        close = get_close_matches(key, valid, n=1, cutoff=0.5)
        parent = _format_loc(loc[:-1])
        place = "at the top level" if parent == "(top level)" else f"in '{parent}'"
        if close:
            suggestion = f" (did you mean '{close[0]}'?)"
        else:
            suggestion = f" (valid keys: {', '.join(valid)})" if valid else ""
        return f"unknown key '{key}' {place}{suggestion}"
    if err["type"] in ("union_tag_invalid", "literal_error") and loc and loc[-1] == "backend":
        return f"{where}: unknown backend (choose one of {', '.join(BACKENDS)})"
    if err["type"] == "union_tag_invalid":
        tag = err.get("ctx", {}).get("tag", "?")
        close = get_close_matches(str(tag), list(BACKENDS), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"choose one of {', '.join(BACKENDS)}"
        return f"{where}.backend: unknown backend '{tag}' ({hint})"
    return f"{where}: {err['msg']}"


def parse_config(data: dict[str, Any], source: str = "config") -> RunConfig:
    """Validate plain data into a :class:`RunConfig`; errors become one :class:`ConfigError`."""
    try:
        return RunConfig.model_validate(data)
    except ValidationError as exc:
        messages = [_format_error(e) for e in exc.errors()]
        raise ConfigError(f"{source}: " + "; ".join(messages)) from None


class _NoAliasLoader(yaml.SafeLoader):
    """A SafeLoader that refuses anchors and aliases: a config never needs them, and aliases
    nested in aliases (a "billion laughs" file) expand into unbounded memory."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None,
                None,
                "YAML anchors and aliases (&name, *name) are not allowed in a config; write the values out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


def _load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_NoAliasLoader)


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputError(f"config file not found: {path}", hint="check the path")
    if path.is_dir():
        raise InputError(f"config path is a folder, not a file: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise InputError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    return parse_yaml_text(text, str(path))


def parse_yaml_text(text: str, source: str) -> dict[str, Any]:
    """A config's YAML (or JSON) text as a mapping; errors name ``source`` in one line."""
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: invalid YAML{where}: {problem}") from None
    if data is None:
        raise ConfigError(
            f"config {source} is empty",
            hint="write at least one key, e.g. count: 10; `syndgen config` prints every key with its default",
        )
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys, got {type(data).__name__}")
    return data


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Set dotted keys (``generator.temperature``) on a copy of ``data``; a None value is skipped
    (a flag that was not given)."""
    result: dict[str, Any] = json.loads(json.dumps(data))
    for dotted, value in overrides.items():
        if value is None:
            continue
        parts = dotted.split(".")
        if not all(part.strip() for part in parts):
            raise ConfigError(f"--set {dotted!r}: empty key part", hint="write KEY.SUB=VALUE")
        node = result
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return result


def parse_set_option(item: str) -> tuple[str, Any]:
    """``key.sub=value`` from ``--set``; the value is read as YAML (numbers, lists, ...) and then
    validated like the same value in the config file."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. generator.temperature=0.2")
    key, raw = item.split("=", 1)
    if not key.strip():
        raise ConfigError(f"--set {item!r}: the key is empty, e.g. generator.temperature=0.2")
    try:
        value = _load_yaml(raw)
    except yaml.YAMLError:
        value = raw
    return key.strip(), value


def check_config(config: RunConfig) -> None:
    """Checks beyond the schema that need files or registries: prompt override files (UTF-8,
    valid Jinja) and verifier params. Run at load time, before any run folder is made."""
    from syndgen.prompts import check_overrides
    from syndgen.verify.registry import check_params

    check_overrides(config.prompts)
    if config.task.record_schema is not None:
        from syndgen.structured import resolve_schema

        resolve_schema(config.task.record_schema)
    for number, spec in enumerate(config.verifiers):
        try:
            check_params(spec.name, spec.params)
        except ConfigError as exc:
            raise ConfigError(f"verifiers[{number}]: {exc.message}", hint=exc.hint) from None


def load_config(path: Path | None, overrides: dict[str, Any] | None = None) -> RunConfig:
    data = read_yaml(path) if path is not None else {}
    return load_config_data(data, overrides, source=str(path) if path else "config")


def load_config_data(
    data: dict[str, Any], overrides: dict[str, Any] | None = None, *, source: str = "config"
) -> RunConfig:
    """Validate config data as :func:`load_config` does a file (the same one-line errors)."""
    data = apply_overrides(data, overrides or {})
    config = parse_config(data, source=source)
    try:
        check_config(config)
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc.message}", hint=exc.hint) from None
    return config
