"""``syndgen eval``: each model answers the held-out problems through a syndgen backend.

A model spec is ``smollm2``, a GGUF path, a ``train`` output folder (its ``student.gguf``),
``ollama:NAME``, ``openai:MODEL@BASE_URL`` or ``BACKEND:MODEL`` for any registered backend
(plugins included). Sample ``j`` of problem ``i`` uses seed ``seed * 1000003 + i * 101 + j``; one
sample is greedy, more are drawn at the given temperature (pass@k).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from syndgen.backends.base import ChatRequest
from syndgen.backends.registry import backend_module, backend_names, create_backend
from syndgen.distill.scores import Score, ratio, score
from syndgen.distill.tasks import EvalItem, passes
from syndgen.errors import ConfigError, InputError

STUDENT_GGUF = "student.gguf"


def parse_models(spec: str) -> dict[str, str]:
    """``base=smollm2,student=out/`` -> {"base": "smollm2", "student": "out/"} (order kept)."""
    models: dict[str, str] = {}
    for part in spec.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or not name or not value:
            raise ConfigError(
                f"--models {spec!r}: {part!r} is not NAME=SPEC", hint="e.g. base=smollm2,student=out"
            )
        models[name] = value
    return models


def model_config(spec: str, settings: dict[str, Any]) -> Any:
    """The backend config a model spec names, with the sampling ``settings`` on top."""
    fields: dict[str, Any]
    path = Path(spec).expanduser()
    if spec.lower() == "smollm2" or spec.endswith(".gguf") or path.is_file():
        fields = {"backend": "llamacpp", "model": spec}
    elif path.is_dir():
        if not (path / STUDENT_GGUF).is_file():
            raise InputError(
                f"{path} holds no {STUDENT_GGUF}",
                hint="evaluate a `syndgen train` output (it writes student.gguf) or give a .gguf file",
            )
        fields = {"backend": "llamacpp", "model": str(path / STUDENT_GGUF)}
    elif spec.startswith("openai:") and "@" in spec:
        model, _, url = spec.removeprefix("openai:").rpartition("@")
        fields = {"backend": "openai", "model": model, "base_url": url}
    else:
        backend, sep, model = spec.partition(":")
        if not sep or backend not in backend_names():
            raise InputError(
                f"model spec {spec!r} is not a file, folder or BACKEND:MODEL",
                hint=f"backends: {', '.join(backend_names())}; or smollm2, a .gguf path, a train output",
            )
        fields = {"backend": backend, "model": model}
    module = backend_module(fields["backend"])
    known = module.Config.model_fields
    return module.Config.model_validate({**fields, **{k: v for k, v in settings.items() if k in known}})


def sample_seed(seed: int, index: int, sample: int) -> int:
    return (seed * 1000003 + index * 101 + sample) % 2**31


def answer_all(
    config: Any,
    items: list[EvalItem],
    samples: int,
    seed: int,
    on_done: Callable[[], None] = lambda: None,
) -> list[list[bool]]:
    """``outcomes[i][j]``: whether sample ``j`` of item ``i`` passed."""
    backend = create_backend(config)
    temperature = 0.0 if samples == 1 else config.temperature

    def one(job: tuple[int, int]) -> bool:
        i, j = job
        item = items[i]
        request = ChatRequest(
            messages=item.messages,
            max_tokens=config.max_tokens,
            temperature=temperature,
            seed=sample_seed(seed, item.index, j),
        )
        ok = passes(item, backend.chat(request).text)
        on_done()
        return ok

    jobs = [(i, j) for i in range(len(items)) for j in range(samples)]
    try:
        with ThreadPoolExecutor(max_workers=max(1, backend.capabilities.parallel)) as pool:
            results = list(pool.map(one, jobs))
    finally:
        backend.close()
    outcomes: list[list[bool]] = [[] for _ in items]
    for (i, _), ok in zip(jobs, results, strict=True):
        outcomes[i].append(ok)
    return outcomes


class Report(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    seed: int
    scores: list[Score]
    ratios: dict[str, float | None]
    """task -> student pass@1 / teacher pass@1 (when both are evaluated)."""


def by_task(items: list[EvalItem]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(item.task, []).append(i)
    return groups


def build_report(seed: int, outcomes: dict[str, list[list[bool]]], items: list[EvalItem], k: int) -> Report:
    """Scores per model and task, and the student/teacher ratio (pure)."""
    scores = [
        score(model, task, [results[i] for i in indexes], k)
        for model, results in outcomes.items()
        for task, indexes in by_task(items).items()
    ]
    ratios: dict[str, float | None] = {}
    if "student" in outcomes and "teacher" in outcomes:
        cell = {(s.model, s.task): s.pass_at_1 for s in scores}
        ratios = {t: ratio(cell[("student", t)], cell[("teacher", t)]) for t in by_task(items)}
    return Report(seed=seed, scores=scores, ratios=ratios)


def plot(report: Report, path: Path) -> None:
    """Pass@1 per task, one bar per model, with the 95% intervals as error bars (PNG)."""
    from syndgen.extras import require

    require("train", "syndgen eval --plot")
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    models = list(dict.fromkeys(s.model for s in report.scores))
    tasks = list(dict.fromkeys(s.task for s in report.scores))
    cell = {(s.model, s.task): s for s in report.scores}
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 * len(tasks) * len(models) / 2), 3.2))
    width = 0.8 / max(1, len(models))
    for m, model in enumerate(models):
        xs = [t + (m - (len(models) - 1) / 2) * width for t in range(len(tasks))]
        values = [cell[(model, task)].pass_at_1 for task in tasks]
        low = [max(0.0, v - cell[(model, t)].pass_at_1_ci.low) for v, t in zip(values, tasks, strict=True)]
        high = [max(0.0, cell[(model, t)].pass_at_1_ci.high - v) for v, t in zip(values, tasks, strict=True)]
        ax.bar(xs, values, width, yerr=[low, high], capsize=3, label=model)
    ax.set_xticks(range(len(tasks)), tasks)
    ax.set_ylabel("pass@1 (95% Wilson interval)")
    ax.set_ylim(0, 1)
    ax.legend()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
