"""A submitted config, as pure functions: parse it, keep its files inside the allowed folders,
take its secrets out.

The body is YAML or JSON (JSON is YAML); errors are the CLI's one-line :class:`ConfigError`.
Every file a config can name is checked before anything reads it: it resolves (``..`` and
symbolic links followed) inside one of the allowed folders, or the job is refused. Relative
paths are taken from the first allowed folder and written back absolute, so the job process
reads the file that was checked. API keys never reach the job folder: the stored config is the
public one, and the keys go to the job process in memory only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syndgen.config import RunConfig
from syndgen.config.load import apply_overrides, load_config_data, parse_yaml_text
from syndgen.errors import ConfigError, InputError

PATH_FIELDS: tuple[tuple[str, ...], ...] = (
    ("task", "examples", "path"),
    ("task", "dp_seed", "path"),
    ("task", "dp_seed", "types"),
    ("task", "dp_seed", "ledger"),
    ("grounding", "index"),
    ("validation", "reference"),
    ("validation", "bias_terms"),
)
"""Config keys that name a file or folder."""
MODEL_SIDES: tuple[tuple[str, ...], ...] = (("generator",), ("critic",), ("student", "model"))
SECRET_SIDES = ("generator", "critic")
_PACKAGED_MODELS = {"smollm2"}


@dataclass(frozen=True)
class Submission:
    config: RunConfig
    public: dict[str, Any]
    """The config as submitted (paths made absolute) without its secrets: what the job folder
    stores. Not the filled-in config: the checks that ask which keys were set see the same keys
    when the job process validates it again."""
    secrets: dict[str, str]
    """side -> API key, handed to the job process only."""


def parse_body(body: bytes) -> dict[str, Any]:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("config: not UTF-8 text") from None
    return parse_yaml_text(text, "config")


def _node(data: dict[str, Any], keys: tuple[str, ...]) -> tuple[dict[str, Any], str] | None:
    node: Any = data
    for key in keys[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, dict) and isinstance(node.get(keys[-1]), str):
        return node, keys[-1]
    return None


def confine(value: str, allowed: tuple[Path, ...], where: str) -> str:
    """``value`` as an absolute path inside an allowed folder, or one clear error."""
    if not allowed:
        raise InputError(f"{where}: this server accepts no files", hint="start it with --allow DIR")
    raw = Path(value).expanduser()
    path = (raw if raw.is_absolute() else allowed[0] / raw).resolve()
    if not any(path == root or path.is_relative_to(root) for root in allowed):
        folders = ", ".join(str(d) for d in allowed)
        raise InputError(
            f"{where}: {value} is outside the folders this server may read",
            hint=f"put the file under {folders}",
        )
    return str(path)


def _file_slots(data: dict[str, Any]) -> list[tuple[dict[str, Any], str, str]]:
    slots = []
    for keys in PATH_FIELDS:
        found = _node(data, keys)
        if found:
            slots.append((*found, ".".join(keys)))
    prompts = data.get("prompts")
    if isinstance(prompts, dict):
        slots += [(prompts, k, f"prompts.{k}") for k, v in prompts.items() if isinstance(v, str)]
    for side in MODEL_SIDES:
        found = _node(data, (*side, "model"))
        owner = _node(data, (*side, "backend"))
        backend = owner[0][owner[1]] if owner else ("llamacpp" if side == ("generator",) else None)
        if found and backend == "llamacpp" and found[0][found[1]].lower() not in _PACKAGED_MODELS:
            slots.append((*found, ".".join((*side, "model"))))
    return slots


def apply_path_policy(data: dict[str, Any], allowed: tuple[Path, ...]) -> dict[str, Any]:
    """A copy of ``data`` whose file paths are checked and absolute."""
    import copy

    result = copy.deepcopy(data)
    for node, key, where in _file_slots(result):
        node[key] = confine(node[key], allowed, where)
    return result


def take_secrets(config: RunConfig) -> dict[str, str]:
    secrets: dict[str, str] = {}
    for side in SECRET_SIDES:
        model = getattr(config, side, None)
        key = getattr(model, "api_key", None)
        if key is not None:
            secrets[side] = key.get_secret_value()
    return secrets


def without_secrets(data: dict[str, Any]) -> dict[str, Any]:
    import copy

    public = copy.deepcopy(data)
    for side in SECRET_SIDES:
        if isinstance(public.get(side), dict):
            public[side].pop("api_key", None)
    return public


def with_secrets(public: dict[str, Any], secrets: dict[str, str]) -> RunConfig:
    """The job process's config: the stored public one plus the keys handed over in memory,
    validated as at submission."""
    import copy

    data = copy.deepcopy(public)
    for side, key in secrets.items():
        if isinstance(data.get(side), dict):
            data[side]["api_key"] = key
    return load_config_data(data)


def submit(body: bytes, allowed: tuple[Path, ...], overrides: dict[str, Any] | None = None) -> Submission:
    """Everything a ``POST /v1/jobs`` body must pass before a job exists."""
    data = apply_overrides(apply_path_policy(parse_body(body), allowed), overrides or {})
    config = load_config_data(data)
    return Submission(config=config, public=without_secrets(data), secrets=take_secrets(config))


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``extra`` laid over ``base``: mappings merge key by key, anything else replaces (pure)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def submit_template(name: str, body: bytes, allowed: tuple[Path, ...]) -> Submission:
    """A job from a template of the library (``domain/task``), with the body's keys (a YAML
    mapping, may be empty) laid over the template's config. The template's own files come from
    the server's library and are trusted; files the body names obey the path policy."""
    from syndgen.templates_lib import get_template

    if name.endswith((".yaml", ".yml")):
        raise InputError(f"template {name}: give a template's name (domain/task), not a file")
    template = get_template(name)
    extra = apply_path_policy(parse_body(body), allowed) if body.strip() else {}
    data = _merge(template.data, extra)
    config = load_config_data(data, source=f"template {template.name}")
    return Submission(config=config, public=without_secrets(data), secrets=take_secrets(config))
