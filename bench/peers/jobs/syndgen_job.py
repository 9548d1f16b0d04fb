"""The job in syndgen: ``syndgen_job.yaml`` run on a server or embedded.

``--base-url embedded`` runs the generator and critic in process (the ``llamacpp`` backend);
``--base-url dryrun`` on scripted replies (the ``dryrun`` backend, no model). The
run goes through ``build_context`` and ``run_pipeline`` (what ``syndgen run`` does) so that the
embedded engine's own counters (prompt tokens actually read) can be reported.
"""

from __future__ import annotations

import os
from pathlib import Path

import jobkit
import yaml

from syndgen.backends.llamacpp import LlamaCppBackend
from syndgen.config import RunConfig
from syndgen.kpis import compute_kpis
from syndgen.runner.build import build_context
from syndgen.runner.run import run_pipeline
from syndgen.store import RunStore

opts = jobkit.args()
job = jobkit.load(opts.job)
data = yaml.safe_load((Path(__file__).with_name("syndgen_job.yaml")).read_text())
data["count"] = job["count"]
data["seed"] = int(os.environ.get("SYNDGEN_SEED", "0"))  # a new seed per repeat
data["task"]["topics"] = job["topics"]
data["generator"]["max_tokens"] = job["answer_max_tokens"]
data["critic"]["max_tokens"] = job["judge_max_tokens"]
for side in ("generator", "critic"):
    if opts.base_url == "dryrun":  # scripted replies, no model: the pipeline's own cost
        data[side] = {"backend": "dryrun", "parallel": job["concurrency"]}
    elif opts.base_url == "embedded":
        keep = {k: data[side][k] for k in ("temperature", "max_tokens")}
        data[side] = {"backend": "llamacpp", "model": opts.model, "n_threads": job["threads"], **keep}
        data[side]["parallel"] = job["concurrency"]
    else:
        data[side].update(base_url=opts.base_url, model=opts.model, concurrency=job["concurrency"])
        data[side]["structured_output"] = os.environ.get("SYNDGEN_STRUCTURED_OUTPUT", "json_schema")

if __name__ == "__main__":
    config = RunConfig.model_validate(data)
    ctx = build_context(config)
    try:
        run_pipeline(config, opts.out / "run", context=ctx)
        engine = ctx.generator.engine.stats.as_dict() if isinstance(ctx.generator, LlamaCppBackend) else {}
    finally:
        for backend in ctx.backends:
            backend.close()
    store = RunStore.open_existing(opts.out / "run")
    kpis = compute_kpis(store)
    store.close()
    report = {
        "kept": kpis["samples"] or 0,
        "attempts": kpis["attempts"],
        "rejections": kpis["rejections_by_reason"],
        "completion_tokens": engine.get("generated_tokens", kpis["completion_tokens"]),
    }
    if engine:
        report["prompt_tokens_read"] = engine.get("prompt_tokens")
    (opts.out / "report.json").write_text(jobkit.json.dumps(report))
