"""Tokenized output: curate's Megatron writer against the ``tokenizers`` batch encoder alone.

Texts: the shared real texts (pages, textbook, repositories), repeated to ``--mb`` MB. Tokenizer: a
byte-level BPE trained here on them (``--vocab`` ids). Both sides run on one core, same texts:

- baseline: ``Tokenizer.encode_batch`` (ids only, nothing written);
- curate: ``HFTokenizer.encode`` + an end-of-document token per document + the ``.bin``/``.idx``
  files written (curate.mix.write_indexed), i.e. the mixture's tokenize step without Parquet.

    python benchmarks/tokens.py [--mb 20] [--vocab 32000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from curate.mix import HFTokenizer, write_indexed  # noqa: E402
from curate.mix._megatron import dtype_for  # noqa: E402
from tests.dedup.corpus import real_texts  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--mb", type=float, default=20)
    ap.add_argument("--vocab", type=int, default=32_000)
    args = ap.parse_args()
    os.environ["RAYON_NUM_THREADS"] = "1"                  # one core for both sides
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    base = real_texts(Path(args.shared))
    texts, size = [], 0
    while size < args.mb * 1e6:
        for t in base:
            texts.append(t)
            size += len(t.encode())
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(base, trainers.BpeTrainer(vocab_size=args.vocab, show_progress=False,
                                                      special_tokens=["<|endoftext|>"],
                                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tokenizer.json"
        tok.save(str(path))
        ours = HFTokenizer(path)
        arr = pa.array(texts, pa.string())
        best_base = best_ours = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            enc = tok.encode_batch(texts, add_special_tokens=False)
            n_tokens = sum(len(e.ids) for e in enc)
            best_base = min(best_base, time.perf_counter() - t0)
            t0 = time.perf_counter()
            eod = ours.eod_id()
            docs = [np.append(ids, eod) for ids in ours.encode(arr)]
            write_indexed(Path(tmp) / "part-00000", docs, dtype_for(ours.vocab_size))
            best_ours = min(best_ours, time.perf_counter() - t0)
    print(f"{len(texts):,} documents, {size / 1e6:.1f} MB, {n_tokens:,} tokens, vocabulary {ours.vocab_size:,}, 1 core")
    print(f"  tokenizers encode_batch (ids only)     : {n_tokens / best_base / 1e6:6.2f} M tokens/s")
    print(f"  curate encode + EOD + .bin/.idx written: {n_tokens / best_ours / 1e6:6.2f} M tokens/s")
    print(f"  curate / baseline: {best_base / best_ours:.2f}x (target >= 0.8x)")


if __name__ == "__main__":
    main()
