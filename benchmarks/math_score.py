"""Math scoring throughput: curate's scoring stage against bare fastText ``predict``, and training time.

Same model and texts in one run (one core): texts are ~3 KB pages built from the
shared corpora (../shared/data/math_text and the extracted html pages), scored
by ``curate.classify.score`` (normalisation + batched predict + label lookup)
and by ``model.predict`` on the texts made single-line (the least it accepts). Prints docs/s of both
and the ratio, then the time to train on ``--train`` examples.

    python benchmarks/math_score.py [--docs 20000] [--train 100000]
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

from curate.classify import TrainParams, load, load_texts, score, train  # noqa: E402


def corpus(shared: Path, n: int, chars: int = 3000, seed: int = 0) -> tuple[list[str], list[str]]:
    pos = load_texts([shared / "math_text" / "positive"], chunk_words=450)
    neg = load_texts([shared / "math_text" / "negative"], chunk_words=450)
    rng = np.random.default_rng(seed)

    def make(pool, k):
        return [" ".join(pool[i] for i in rng.integers(0, len(pool), 3))[:chars] for _ in range(k)]

    return make(pos, n // 2), make(neg, n - n // 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--train", type=int, default=100_000)
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    pos, neg = corpus(Path(args.shared), args.docs)
    texts = pos + neg
    model_path = Path(tempfile.mkdtemp(prefix="curate-math-")) / "math.bin"
    train(pos[:2000], neg[:2000], model_path, TrainParams())
    model = load(str(model_path))
    one_line = [t.replace("\n", " ") for t in texts]       # the least bare predict needs (one line per text)
    best = {"curate": float("inf"), "bare": float("inf"), "windows": float("inf")}
    for _ in range(3):
        t0 = time.perf_counter()
        score(model_path, texts)
        best["curate"] = min(best["curate"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        score(model_path, texts, chunk_words=15)          # the recall default: best 15-word window
        best["windows"] = min(best["windows"], time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(one_line, k=2)
        best["bare"] = min(best["bare"], time.perf_counter() - t0)
    kb = sum(map(len, texts)) / len(texts) / 1000
    print(f"{len(texts)} texts of ~{kb:.1f} KB, 1 process, best of 3")
    print(f"  curate score (normalise + predict): {len(texts) / best['curate']:8.0f} docs/s")
    print(f"  bare fastText predict (one line):   {len(texts) / best['bare']:8.0f} docs/s")
    print(f"  curate score, best 15-word window:  {len(texts) / best['windows']:8.0f} docs/s")
    print(f"  curate / bare: {best['bare'] / best['curate']:.2f}x whole text, {best['bare'] / best['windows']:.2f}x "
          "windows (lower-casing and TeX spacing included on our side)")
    big_pos, big_neg = corpus(Path(args.shared), args.train, seed=1)
    t0 = time.perf_counter()
    train(big_pos, big_neg, model_path, TrainParams())
    print(f"  training on {args.train} examples (dim 256, wordNgrams 3, epoch 3, bucket 200k): "
          f"{time.perf_counter() - t0:.1f}s")


if __name__ == "__main__":
    main()
