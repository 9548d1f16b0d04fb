"""The output folder: ``adapter/`` (LoRA), ``merged/`` (a full model), ``student.gguf``, ``README.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndgen.distill.card import model_card
from syndgen.distill.settings import TrainSettings


def write_artifacts(
    settings: TrainSettings, model: Any, tokenizer: Any, summary: dict[str, Any]
) -> list[str]:
    from syndgen.distill.gguf_export import write_gguf
    from syndgen.distill.student import source_gguf

    out = Path(settings.out)
    files: list[str] = []
    if settings.method == "lora":
        model.save_pretrained(out / "adapter")
        tokenizer.save_pretrained(out / "adapter")
        files.append("adapter")
        merged = model.merge_and_unload()
    else:
        merged = model
    merged.save_pretrained(out / "merged")
    tokenizer.save_pretrained(out / "merged")
    files.append("merged")
    source = source_gguf(settings.student)
    if settings.gguf and source is not None:
        write_gguf(merged, source, out / "student.gguf", f"syndgen student of {Path(settings.student).name}")
        files.append("student.gguf")
    (out / "README.md").write_text(model_card(settings, summary, files))
    files.append("README.md")
    return files
