"""The executor section: strict, outside the config hash; --executor ray without Ray installed
says how to install it (the Ray runs themselves are in tests/ray)."""

import importlib.util

import pytest
import yaml

from syndgen.cli import main
from syndgen.config import RunConfig, load_config
from syndgen.errors import ConfigError, MissingExtraError
from syndgen.runner.run import run_pipeline

DRYRUN = {"backend": "dryrun"}


def test_where_seeds_run_does_not_change_the_config_hash():
    local = RunConfig(count=3, generator=DRYRUN)
    remote = RunConfig(
        count=3,
        generator=DRYRUN,
        executor={"kind": "ray", "address": "ray://10.0.0.1:10001", "workers_per_node": 4},
    )
    assert remote.executor.kind == "ray" and local.executor.kind == "local"
    assert remote.config_hash() == local.config_hash()


def test_the_executor_section_is_strict(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"executor": {"kind": "ray", "workers_per_nod": 2}}))
    with pytest.raises(ConfigError, match="workers_per_node"):
        load_config(path)
    path.write_text(yaml.safe_dump({"executor": {"kind": "spark"}}))
    with pytest.raises(ConfigError, match=r"executor\.kind"):
        load_config(path)


@pytest.fixture
def no_ray(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "ray" else real(name, *a)
    )


def test_without_ray_the_ray_executor_names_the_pip_command(no_ray, tmp_path):
    config = RunConfig(count=2, generator=DRYRUN, executor={"kind": "ray"})
    with pytest.raises(MissingExtraError) as err:
        run_pipeline(config, tmp_path / "run")
    assert str(err.value) == (
        "--executor ray needs the 'ray' extra (ray==2.60.0 not installed) (pip install 'syndgen[ray]')"
    )
    assert not (tmp_path / "run").exists()  # refused before the run folder is made


def test_the_cli_flags_set_the_executor_section(no_ray, tmp_path, capsys):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"count": 2, "generator": DRYRUN}))
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(path), "--out", str(tmp_path / "out"), "--executor", "ray", "--ray-address", "auto"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error: --executor ray needs the 'ray' extra" in err and "pip install 'syndgen[ray]'" in err
