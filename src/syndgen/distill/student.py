"""Load the student: ``smollm2`` (the embedded model), a GGUF file, or a Hugging Face model folder.

transformers reads a GGUF file offline and dequantises it to fp32; the quantiser it leaves on the
model would make ``save_pretrained`` fail, so it is cleared here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndgen.errors import InputError


def source_gguf(model: str) -> Path | None:
    """The GGUF file the student comes from (for the GGUF conversion), or None for an HF folder."""
    from syndgen.backends.llamacpp import resolve_model_path

    if model.lower() == "smollm2" or model.endswith(".gguf") or Path(model).is_file():
        return resolve_model_path(model)
    return None


def load_student(model: str, dtype: Any) -> tuple[Any, Any]:
    """``(model, tokenizer)`` in ``dtype``, offline."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = source_gguf(model)
    if gguf is not None:
        kwargs: dict[str, Any] = {"gguf_file": gguf.name}
        where = str(gguf.parent)
    else:
        folder = Path(model)
        if not (folder / "config.json").is_file():
            raise InputError(
                f"--student {model}: not a GGUF file nor a Hugging Face model folder (no config.json)",
                hint="give smollm2, a .gguf file or a folder written by save_pretrained",
            )
        kwargs, where = {}, str(folder)
    tokenizer = AutoTokenizer.from_pretrained(where, **kwargs)
    loaded: Any = AutoModelForCausalLM.from_pretrained(where, dtype=dtype, **kwargs)
    loaded.hf_quantizer = None
    loaded.is_quantized = False
    if hasattr(loaded.config, "quantization_config"):
        del loaded.config.quantization_config
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return loaded, tokenizer
