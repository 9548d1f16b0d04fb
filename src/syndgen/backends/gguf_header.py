"""Check a GGUF file's header and size before llama.cpp loads it (pure reading, no llama.cpp).

llama.cpp reports a truncated or damaged file with lines of its own log on stderr before it
fails; reading the header here first turns that into one clear error. The check walks the
metadata and the tensor table (the layout of the GGUF spec, versions 2 and 3) and refuses a file
shorter than the end of its last tensor's data. Tensor types whose size this table does not know
are only checked for their start offset.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO

from syndgen.errors import InputError

MAGIC = b"GGUF"
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
# ggml type -> (elements per block, bytes per block)
_TYPE_SIZES: dict[int, tuple[int, int]] = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 40), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 16: (256, 66), 17: (256, 74), 18: (256, 98), 19: (256, 50), 20: (32, 18),
    21: (256, 110), 22: (256, 82), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4), 27: (1, 8),
    28: (1, 8), 29: (256, 56), 30: (1, 2), 34: (256, 54), 35: (256, 66), 39: (32, 17), 40: (64, 36),
    41: (128, 18),
}  # fmt: skip


class _Truncated(Exception):
    pass


class _Reader:
    def __init__(self, fh: BinaryIO, size: int) -> None:
        self.fh = fh
        self.size = size

    def take(self, n: int) -> bytes:
        if n < 0 or self.fh.tell() + n > self.size:
            raise _Truncated
        return self.fh.read(n)

    def skip(self, n: int) -> None:
        if n < 0 or self.fh.tell() + n > self.size:
            raise _Truncated
        self.fh.seek(n, 1)

    def unpack(self, fmt: str) -> int:
        value: int = struct.unpack("<" + fmt, self.take(struct.calcsize(fmt)))[0]
        return value

    def string(self) -> str:
        return self.take(self.unpack("Q")).decode("utf-8", "replace")

    def value(self, kind: int) -> object:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item, count = self.unpack("I"), self.unpack("Q")
            if item in _SCALARS:
                self.skip(count * struct.calcsize(_SCALARS[item]))
            else:
                for _ in range(count):
                    self.value(item)
            return None
        raise ValueError(f"unknown metadata value type {kind}")


def expected_size(fh: BinaryIO, size: int) -> int:
    """The fewest bytes a GGUF file with this header must have; ValueError or _Truncated if bad."""
    reader = _Reader(fh, size)
    if reader.take(4) != MAGIC:
        raise ValueError("no GGUF magic")
    version = reader.unpack("I")
    if version not in (2, 3):
        raise ValueError(f"GGUF version {version} is not supported (2 or 3)")
    tensors, entries = reader.unpack("Q"), reader.unpack("Q")
    alignment = 32
    for _ in range(entries):
        key = reader.string()
        value = reader.value(reader.unpack("I"))
        if key == "general.alignment" and isinstance(value, int) and value > 0:
            alignment = value
    end = 0
    for _ in range(tensors):
        reader.string()
        dims = [reader.unpack("Q") for _ in range(reader.unpack("I"))]
        kind, offset = reader.unpack("I"), reader.unpack("Q")
        elements = 1
        for dim in dims:
            elements *= dim
        block, nbytes = _TYPE_SIZES.get(kind, (1, 0))
        end = max(end, offset + -(-elements // block) * nbytes)
    data_start = -(-fh.tell() // alignment) * alignment
    return data_start + end


def check_gguf(path: Path) -> None:
    """Refuse a GGUF file whose header is damaged or that is shorter than its tensors need."""
    size = path.stat().st_size
    fix = "download or copy the model file again"
    try:
        with path.open("rb") as fh:
            needed = expected_size(fh, size)
    except _Truncated:
        raise InputError(
            f"model file {path} is truncated: its header ends past the file's end", hint=fix
        ) from None
    except (ValueError, struct.error) as exc:
        raise InputError(f"model file {path} is not a valid GGUF file: {exc}", hint=fix) from None
    except OSError as exc:
        raise InputError(f"cannot read model file {path}: {exc.strerror or exc}") from None
    if size < needed:
        raise InputError(f"model file {path} is truncated: {size} bytes, its tensors need {needed}", hint=fix)
