"""A third-party package adds a backend, a record kind and an exporter through entry points.

The package is ``tests/plugin`` (``syndgen-testplugin``), installed in the test environment by
the README's test command.
"""

import json
from importlib.metadata import PackageNotFoundError, version

import pytest

from syndgen.backends.registry import backend_names
from syndgen.config import parse_config
from syndgen.errors import ConfigError
from syndgen.export.registry import exporter_names
from syndgen.export.run_export import export_run
from syndgen.kinds.registry import kind_names
from syndgen.runner.run import run_pipeline
from syndgen.verify.registry import registered


@pytest.fixture(autouse=True)
def plugin_installed():
    try:
        version("syndgen-testplugin")
    except PackageNotFoundError:
        pytest.fail("install the test plugin: pip install -e tests/plugin (the README's test command does)")


def test_the_plugin_names_are_known_to_the_registries():
    assert "echo" in backend_names() and backend_names()[:4] == ["llamacpp", "ollama", "openai", "dryrun"]
    assert "slogan" in kind_names() and "plaintext" in exporter_names()
    assert "shouts" in registered()


def test_a_run_uses_the_plugin_backend_kind_and_exporter(tmp_path):
    config = parse_config(
        {
            "count": 3,
            "task": {"kind": "slogan", "topics": ["tea", "bikes", "maps"]},
            "generator": {"backend": "echo"},
            "dedup": {"semantic_threshold": None, "near_threshold": None},
            "verifiers": [{"name": "shouts"}],
            "export": {"formats": ["sft", "plaintext"], "to": ["jsonl"]},
        }
    )
    result = run_pipeline(config, tmp_path / "run")
    assert result.samples == 3
    files = {f.kind: f for f in export_run(tmp_path / "run")}
    assert set(files) == {"sft", "plaintext"}
    text_rows = [
        json.loads(line) for line in (tmp_path / "run" / files["plaintext"].path).read_text().splitlines()
    ]
    assert text_rows[0]["text"].startswith("Which slogan sells") and "Echo:" in text_rows[0]["text"]
    sft = [json.loads(line) for line in (tmp_path / "run" / files["sft"].path).read_text().splitlines()]
    assert sft[0]["generator_model"] == "echo-1" and sft[0]["slogan_words"] >= 2
    assert sft[0]["verifiers"] == {"shouts": {"status": "pass", "detail": ""}}


def test_a_misspelt_plugin_name_gets_a_suggestion():
    with pytest.raises(ConfigError, match="did you mean 'slogan'"):
        parse_config({"task": {"kind": "slogn"}})
