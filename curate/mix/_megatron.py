"""Megatron-LM's indexed dataset (``.bin`` + ``.idx``), the token files trainers read.

``.bin``: every document's token ids back to back, in one integer dtype. ``.idx`` (all little
endian; Megatron-core ``indexed_dataset.py``, version 1):

- magic ``b"MMIDIDX\\x00\\x00"``, version ``<Q`` = 1, dtype code ``<B``;
- sequence count ``<Q``, document count ``<Q`` (sequences + 1);
- sequence lengths (int32, tokens), sequence pointers (int64, byte offsets into ``.bin``);
- document indices (int64): where each document starts, in sequences, plus the end. One
  document is one sequence here, so they are ``0, 1, ..., n``.

The dtype follows the vocabulary: uint16 below 65,500 ids (Megatron's own cut), else int32.
"""

from __future__ import annotations

import os
import struct
from array import array
from pathlib import Path
from typing import Iterable

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
VERSION = 1
#: Megatron's dtype codes
DTYPE_CODES = {np.dtype(np.uint8): 1, np.dtype(np.int8): 2, np.dtype(np.int16): 3, np.dtype(np.int32): 4,
               np.dtype(np.int64): 5, np.dtype(np.float64): 6, np.dtype(np.float32): 7, np.dtype(np.uint16): 8}


def dtype_for(vocab_size: int) -> np.dtype:
    """Megatron's choice: uint16 when every id fits with room to spare, else int32."""
    return np.dtype(np.uint16) if vocab_size < 65_500 else np.dtype(np.int32)


def write_indexed(prefix: Path, documents: Iterable[np.ndarray], dtype: np.dtype) -> tuple[int, int]:
    """Write ``prefix.bin`` and ``prefix.idx`` (each under a temporary name, then renamed: the
    ``.idx`` last, so a present ``.idx`` means a complete pair). ``documents`` is read once, as
    it comes (a generator encoding batch by batch keeps memory to one batch plus 4 bytes per
    document). Returns (documents, tokens)."""
    dtype = np.dtype(dtype)
    prefix.parent.mkdir(parents=True, exist_ok=True)
    bin_tmp, idx_tmp = (prefix.with_name(f".{prefix.name}.{os.getpid()}{ext}.tmp") for ext in (".bin", ".idx"))
    sizes = array("i")
    try:
        with open(bin_tmp, "wb") as fh:
            for doc in documents:
                data = np.asarray(doc, dtype=dtype)
                fh.write(data.tobytes())
                sizes.append(len(data))
            fh.flush()
            os.fsync(fh.fileno())
        lengths = np.frombuffer(sizes, dtype=np.int32) if len(sizes) else np.zeros(0, np.int32)
        pointers = np.zeros(len(lengths), dtype=np.int64)
        if len(lengths) > 1:
            pointers[1:] = np.cumsum(lengths[:-1].astype(np.int64)) * dtype.itemsize
        with open(idx_tmp, "wb") as fh:
            fh.write(MAGIC)
            fh.write(struct.pack("<Q", VERSION))
            fh.write(struct.pack("<B", DTYPE_CODES[dtype]))
            fh.write(struct.pack("<Q", len(lengths)))
            fh.write(struct.pack("<Q", len(lengths) + 1))
            fh.write(lengths.astype("<i4").tobytes())
            fh.write(pointers.astype("<i8").tobytes())
            fh.write(np.arange(len(lengths) + 1, dtype="<i8").tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(bin_tmp, prefix.with_suffix(".bin"))
        os.replace(idx_tmp, prefix.with_suffix(".idx"))
    finally:
        bin_tmp.unlink(missing_ok=True)
        idx_tmp.unlink(missing_ok=True)
    return len(lengths), int(lengths.sum())


def index_sizes(prefix: Path) -> np.ndarray:
    """The sequence lengths recorded in ``prefix.idx`` (tokens per document)."""
    data = prefix.with_suffix(".idx").read_bytes()
    if data[:9] != MAGIC:
        raise ValueError(f"{prefix}.idx is not a Megatron index")
    count = struct.unpack_from("<Q", data, 18)[0]
    return np.frombuffer(data, dtype=np.int32, count=count, offset=34)
