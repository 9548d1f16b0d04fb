"""The model card of a training output (pure)."""

from __future__ import annotations

from typing import Any

from syndgen.distill.settings import TrainSettings


def model_card(settings: TrainSettings, summary: dict[str, Any], files: list[str]) -> str:
    """Markdown with Hub front matter: what was trained on what, how, and the losses."""
    lines = [
        "---",
        "library_name: peft" if settings.method == "lora" else "library_name: transformers",
        f"base_model: {settings.student}",
        "tags: [syndgen, trl, " + settings.objective + "]",
        "---",
        "",
        f"# syndgen student ({settings.method}, {settings.objective})",
        "",
        f"Fine-tuned from `{settings.student}` on syndgen data: "
        + ", ".join(f"`{d}`" for d in settings.data),
        "",
        "| setting | value |",
        "| --- | --- |",
    ]
    shown = (
        "method",
        "objective",
        "epochs",
        "max_steps",
        "lr",
        "rank",
        "alpha",
        "max_seq_len",
        "batch_size",
        "eval_split",
        "mix",
        "seed",
    )
    lines += [f"| {k} | {getattr(settings, k)} |" for k in shown]
    lines += ["", "| result | value |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in summary.items() if k != "files"]
    lines += ["", "## Files", ""]
    lines += [f"- `{f}`" for f in files]
    lines += [
        "",
        "## Use",
        "",
        "```yaml",
        "generator: {backend: llamacpp, model: student.gguf}",
        "```",
        "",
        "Losses and eval loss are logged to MLflow (`mlruns/` in this folder unless a tracking URI "
        "was given).",
        "",
    ]
    return "\n".join(lines)
