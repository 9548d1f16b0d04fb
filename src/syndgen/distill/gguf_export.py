"""Write the merged student as a GGUF file llama.cpp loads, with the PyPI ``gguf`` package's writer.

The metadata (architecture sizes, tokenizer, chat template) is copied from the GGUF file the
student came from: a LoRA merge or a full fine-tune changes weights, not shapes. Tensors are
renamed with gguf's name map, q/k projections get llama.cpp's rotary permutation back (the
transformers loader undid it), 2-D weights are stored as F16 and norms as F32.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from syndgen.errors import ExportError

_SKIP = ("GGUF.", "general.architecture", "general.file_type", "general.quantization_version")


def permute(weights: Any, n_head: int) -> Any:
    """llama.cpp's q/k row order (convert_hf_to_gguf's ``permute``), from numpy ``weights``."""
    return (
        weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def _copy_field(writer: Any, field: Any) -> None:
    import gguf

    kind = field.types[0]
    value = field.contents()
    if kind == gguf.GGUFValueType.ARRAY:
        writer.add_key_value(field.name, value, kind, sub_type=field.types[-1])
    else:
        writer.add_key_value(field.name, value, kind)


def hf_tensors(state: dict[str, Any], config: Any) -> dict[str, Any]:
    """GGUF tensor name -> numpy array, from a llama-architecture state dict."""
    import gguf

    arch = gguf.MODEL_ARCH.LLAMA
    names = gguf.get_tensor_name_map(arch, config.num_hidden_layers)
    heads, kv_heads = config.num_attention_heads, config.num_key_value_heads
    out: dict[str, Any] = {}
    for key, tensor in state.items():
        name = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if name is None:
            continue
        array = tensor.detach().float().cpu().numpy()
        if key.endswith("q_proj.weight"):
            array = permute(array, heads)
        elif key.endswith("k_proj.weight"):
            array = permute(array, kv_heads)
        out[name] = array
    return out


def write_gguf(model: Any, source: Path, target: Path, name: str) -> Path:
    """Write ``model`` (merged, llama architecture) to ``target`` with ``source``'s metadata."""
    import gguf
    import numpy as np

    if getattr(model.config, "model_type", "") != "llama":
        raise ExportError(
            f"GGUF conversion supports llama-architecture students, not {model.config.model_type}"
        )
    reader = gguf.GGUFReader(source)
    arch = reader.fields["general.architecture"].contents()
    tensors = hf_tensors(model.state_dict(), model.config)
    writer = gguf.GGUFWriter(str(target), arch)
    for key, field in reader.fields.items():
        if key.startswith(_SKIP) or key == "general.name":
            continue
        _copy_field(writer, field)
    writer.add_name(name)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    for info in reader.tensors:
        if info.name not in tensors:
            raise ExportError(f"GGUF conversion: the student has no tensor for {info.name}")
        array = tensors[info.name]
        array = array.astype(np.float16) if array.ndim >= 2 else array.astype(np.float32)
        writer.add_tensor(info.name, array)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return target
