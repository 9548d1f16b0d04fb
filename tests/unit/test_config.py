from pathlib import Path

import pytest

from syndgen.config import RunConfig, apply_overrides, load_config, parse_config, parse_set_option
from syndgen.errors import ConfigError, InputError


def error_of(data):
    with pytest.raises(ConfigError) as info:
        parse_config(data, source="cfg.yaml")
    return str(info.value)


def test_defaults_are_embedded_and_critic_follows_generator():
    cfg = RunConfig()
    assert cfg.generator.backend == "llamacpp"
    assert cfg.generator.model == "smollm2"
    assert cfg.critic_model.model == "smollm2"
    assert cfg.critic_model.temperature == 0.0
    assert cfg.attempt_cap == 8 * cfg.count


def test_misspelt_top_level_key_names_it_and_suggests():
    msg = error_of({"cuont": 3})
    assert msg == "cfg.yaml: unknown key 'cuont' at the top level (did you mean 'count'?)"


def test_misspelt_nested_key_suggests_within_section():
    msg = error_of({"quality": {"treshold": 3}})
    assert msg == "cfg.yaml: unknown key 'treshold' in 'quality' (did you mean 'threshold'?)"


def test_backend_specific_key_is_checked_against_that_backend():
    msg = error_of({"generator": {"backend": "ollama", "model": "x", "num_cxt": 100}})
    assert "unknown key 'num_cxt' in 'generator' (did you mean 'num_ctx'?)" in msg
    msg = error_of({"generator": {"backend": "llamacpp", "base_url": "http://x"}})
    assert "unknown key 'base_url' in 'generator'" in msg


def test_unknown_backend_suggests_closest():
    msg = error_of({"generator": {"backend": "olama", "model": "x"}})
    assert "unknown backend 'olama'" in msg
    assert "did you mean 'ollama'?" in msg


def test_bad_value_names_the_key():
    msg = error_of({"quality": {"threshold": 9}})
    assert msg.startswith("cfg.yaml: quality.threshold:")
    assert "5" in msg


def test_openai_requires_model():
    assert "generator.model: Field required" in error_of({"generator": {"backend": "openai"}})


def test_yaml_errors_name_file_and_line(tmp_path: Path):
    path = tmp_path / "bad.yaml"
    path.write_text("count: 3\ngenerator: [unclosed\n")
    with pytest.raises(ConfigError, match=r"bad.yaml: invalid YAML at line \d+"):
        load_config(path)


def test_top_level_must_be_mapping(tmp_path: Path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(ConfigError, match="top level must be a mapping"):
        load_config(path)


def test_missing_file_is_input_error(tmp_path: Path):
    with pytest.raises(InputError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file_is_refused(tmp_path: Path, text: str):
    path = tmp_path / "empty.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=f"config {path} is empty"):
        load_config(path)


def test_explicit_empty_mapping_gives_defaults(tmp_path: Path):
    path = tmp_path / "defaults.yaml"
    path.write_text("{}\n")
    assert load_config(path) == RunConfig()


def test_cli_overrides_win_and_none_is_ignored(tmp_path: Path):
    path = tmp_path / "c.yaml"
    path.write_text("count: 3\nseed: 1\ngenerator:\n  temperature: 0.3\n")
    cfg = load_config(path, {"count": 7, "seed": None, "generator.temperature": 0.0})
    assert (cfg.count, cfg.seed, cfg.generator.temperature) == (7, 1, 0.0)


def test_set_option_parses_yaml_values():
    assert parse_set_option("quality.threshold=3") == ("quality.threshold", 3)
    assert parse_set_option("task.topics=[a, b]") == ("task.topics", ["a", "b"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        parse_set_option("novalue")


def test_apply_overrides_does_not_mutate_input():
    data = {"a": {"b": 1}}
    out = apply_overrides(data, {"a.c": 2})
    assert data == {"a": {"b": 1}}
    assert out == {"a": {"b": 1, "c": 2}}


def test_config_hash_ignores_count_and_export_but_not_model():
    base = RunConfig(count=5)
    assert base.config_hash() == RunConfig(count=50, max_attempts=9).config_hash()
    assert base.config_hash() == RunConfig(export={"reasoning": "strip"}).config_hash()
    assert base.config_hash() != RunConfig(seed=1).config_hash()
    assert base.config_hash() != RunConfig(generator={"temperature": 0.1}).config_hash()


def test_api_key_never_in_public_dict_or_hash(monkeypatch):
    cfg = parse_config({"generator": {"backend": "openai", "model": "m", "api_key": "sk-secret-123"}})
    assert "sk-secret-123" not in str(cfg.public_dict())
    assert "sk-secret-123" not in repr(cfg)
    other = parse_config({"generator": {"backend": "openai", "model": "m", "api_key": "sk-other"}})
    assert cfg.config_hash() == other.config_hash()


@pytest.mark.parametrize("path", sorted(Path(__file__).parents[2].joinpath("examples").glob("*.yaml")))
def test_shipped_examples_are_valid(path: Path):
    config = load_config(path)
    assert config.count >= 1
