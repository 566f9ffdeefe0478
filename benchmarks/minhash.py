"""MinHash signature throughput: curate against datasketch (and rensa if installed).

Same documents, same settings (5-word shingles, ``--num-perm`` permutations),
one process, one core, text in -> signatures out for every implementation
(each does its own normalisation and shingling). Documents: ``--docs`` texts of
about ``--words`` words drawn from the vocabulary of ../shared/data/math_text
(or a synthetic vocabulary without it). Prints docs/s and the ratios, best of
``--repeat`` interleaved runs.

    python benchmarks/minhash.py [--docs 4000] [--words 400] [--num-perm 128]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from curate.dedup import MinHasher, ngrams, words  # noqa: E402

WORD = re.compile(r"[^\W_]+")


def vocabulary(shared: Path) -> list[str]:
    found = []
    for f in sorted((shared / "math_text").rglob("*")):
        if f.is_file():
            found += WORD.findall(f.read_text(encoding="utf-8", errors="replace"))
    return found or [f"w{i}" for i in range(30_000)]


def make_docs(n: int, n_words: int, vocab: list[str], seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(vocab, k=n_words)).capitalize() + "." for _ in range(n)]


def ours(docs: list[str], num_perm: int, batch: int = 1000) -> None:
    hasher = MinHasher(num_perm, 1)
    for i in range(0, len(docs), batch):
        w = words(pa.array(docs[i:i + batch]))
        keys, counts, _ = ngrams(w, 5)
        hasher.signatures(keys, counts)


def _shingles(doc: str) -> list[bytes]:
    toks = WORD.findall(doc.lower())
    return [" ".join(toks[i:i + 5]).encode() for i in range(max(len(toks) - 4, 1))]


def datasketch_bulk(docs: list[str], num_perm: int) -> None:
    from datasketch import MinHash

    MinHash.bulk([_shingles(d) for d in docs], num_perm=num_perm)


def rensa_minhash(docs: list[str], num_perm: int) -> None:
    from rensa import RMinHash

    for d in docs:
        toks = WORD.findall(d.lower())
        m = RMinHash(num_perm=num_perm, seed=1)
        m.update([" ".join(toks[i:i + 5]) for i in range(max(len(toks) - 4, 1))])
        m.digest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=4000)
    ap.add_argument("--words", type=int, default=400)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    docs = make_docs(args.docs, args.words, vocabulary(Path(args.shared)))
    mb = sum(len(d) for d in docs) / 1e6
    impls = {"curate": ours, "datasketch MinHash.bulk": datasketch_bulk}
    try:
        import rensa  # noqa: F401  (availability check)

        impls["rensa RMinHash"] = rensa_minhash
    except ImportError:
        print("rensa not installed: skipped")
    ours(docs[:200], args.num_perm)                      # warm caches and allocator
    best = {name: float("inf") for name in impls}
    for _ in range(args.repeat):
        for name, fn in impls.items():
            t0 = time.perf_counter()
            fn(docs, args.num_perm)
            best[name] = min(best[name], time.perf_counter() - t0)
    print(f"{args.docs} documents of {args.words} words ({mb:.1f} MB), {args.num_perm} permutations, "
          f"5-word shingles, 1 core, best of {args.repeat}")
    for name, secs in best.items():
        print(f"  {name:26s} {args.docs / secs:9.0f} docs/s  {mb / secs:6.1f} MB/s")
    for name, secs in best.items():
        if name != "curate":
            print(f"  curate / {name}: {secs / best['curate']:.1f}x")


if __name__ == "__main__":
    main()
