"""Train a byte-level BPE tokenizer (Hugging Face ``tokenizers``) on a dataset's text, offline.

Megatron token files need an exact tokenizer. A model's own ``tokenizer.json`` is the usual
one (any Hugging Face tokenizer saved to a file works, with no hub access at run time); where
none is at hand, this trains one here from the data itself. Byte-level BPE (GPT-2's scheme)
covers every byte, so no text is ever unknown. Special tokens (the end-of-document token first)
get the lowest ids.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow.parquet as pq

from curate.errors import FatalError

DEFAULT_SPECIALS = ("<|endoftext|>",)


@dataclass
class TrainedTokenizer:
    """What :func:`train_tokenizer` wrote."""

    path: str
    vocab_size: int
    documents: int
    name: str


def parquet_texts(files: Iterable[str], column: str = "text", limit: int | None = None,
                  batch_rows: int = 2_000) -> Iterator[str]:
    """The non-null values of ``column`` of each Parquet file, in order, batch by batch (memory
    follows one batch); at most ``limit`` texts. A file without the column, or with a column
    that is not text, is a one-line error naming it."""
    seen = 0
    for f in files:
        pf = pq.ParquetFile(f)
        field = pf.schema_arrow.field(column) if column in pf.schema_arrow.names else None
        if field is None:
            raise FatalError(f"{f}: no column {column!r}")
        if str(field.type) not in ("string", "large_string"):
            raise FatalError(f"{f}: column {column!r} is {field.type}, not text")
        for batch in pf.iter_batches(batch_size=batch_rows, columns=[column]):
            for text in batch.column(0).to_pylist():
                if text:
                    yield text
                    seen += 1
                    if limit is not None and seen >= limit:
                        return


def train_tokenizer(texts: Iterable[str], out: str | Path, *, vocab_size: int = 32_000,
                    special_tokens: tuple[str, ...] = DEFAULT_SPECIALS, min_frequency: int = 2) -> TrainedTokenizer:
    """Train byte-level BPE on ``texts`` and write ``out`` (a tokenizer.json) atomically."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from curate.mix._tokens import HFTokenizer

    if vocab_size < 256 + len(special_tokens):
        raise FatalError(f"vocab_size must be at least {256 + len(special_tokens)} (256 bytes plus the special "
                         f"tokens), not {vocab_size}")
    count = 0

    def counted():
        nonlocal count
        for t in texts:
            count += 1
            yield t

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency, show_progress=False,
                                  special_tokens=list(special_tokens),
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(counted(), trainer)
    if count == 0:
        raise FatalError("no text to train a tokenizer on")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tok.save(str(tmp))
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    loaded = HFTokenizer(out)
    return TrainedTokenizer(str(out), loaded.vocab_size, count, loaded.name)
