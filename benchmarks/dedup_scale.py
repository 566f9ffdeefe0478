"""End-to-end dedup at scale: N synthetic documents of ~2 KB on 2 worker processes.

Generates ``--docs`` documents (words drawn from the vocabulary of
../shared/data/math_text) in shards of ``--shard-docs``, with ``--dup-rate`` of
them exact copies, the same share near copies (2% of words changed, Jaccard ~0.82) and the
same share far copies (7% changed, Jaccard ~0.53: not near-duplicates) of earlier documents,
then runs the dedup pipeline (sketch, number, bucket, cluster, write) without and with
verification (each in its own process) and prints documents/s, peak RSS of the main process
and of the worker processes, and what was removed of each planted kind. Run it at two sizes to see
that memory does not grow with the corpus (it is bounded by the shard size and
DuckDB's memory limit):

    python benchmarks/dedup_scale.py --docs 1000000 [--workers 2] [--data DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from benchmarks.minhash import vocabulary  # noqa: E402
from pipelines.dedup import DedupConfig, run  # noqa: E402
from schemas import PAGES  # noqa: E402

WORDS = 330   # ~2 KB of text


def _kind(doc: int, dup_rate: float) -> str:
    r = np.random.default_rng(doc).random()
    if doc < 1000 or r >= 3 * dup_rate:
        return "unique"
    return "exact" if r < dup_rate else ("near" if r < 2 * dup_rate else "far")


def _shard(args) -> None:
    k, n, start, dup_rate, vocab, folder = args
    rng = np.random.default_rng(k)
    vocab = np.array(vocab, dtype=object)
    texts, ids, kinds = [], [], []
    for i in range(n):
        doc = start + i
        kind = _kind(doc, dup_rate)
        if kind == "unique":
            words = np.random.default_rng(doc + 10**9).choice(vocab, WORDS)
        else:
            # a copy of an earlier unique document (regenerated from its seed), exact or ~2% of words changed
            src = int(rng.integers(0, doc))
            while _kind(src, dup_rate) != "unique":
                src = int(rng.integers(0, doc))
            words = np.random.default_rng(src + 10**9).choice(vocab, WORDS)
            if kind in ("near", "far"):
                # near: 2% of words changed (Jaccard ~0.82); far: 7% (Jaccard ~0.53: not a near-duplicate,
                # but LSH proposes about 7% of such pairs at 14 bands of 8)
                hit = rng.random(WORDS) < (0.02 if kind == "near" else 0.07)
                words[hit] = rng.choice(vocab, int(hit.sum()))
        kinds.append(kind)
        texts.append(" ".join(words))
        ids.append(f"{doc:09d}")
    table = pa.table({"id": ids, "url": [f"https://h{int(x) % 5000}.example/{x}" for x in ids],
                      "crawl": ["CC-MAIN-2024-10"] * n, "text": texts}).cast(
        pa.schema([PAGES.field(c) for c in ("id", "url", "crawl", "text")]))
    tmp = folder / f".{k:05d}.tmp"
    pq.write_table(table, tmp, compression="zstd", row_group_size=5_000)   # like ingest shards: small row groups
    tmp.rename(folder / f"{k:05d}.parquet")
    with open(folder / f"{k:05d}.kinds", "w") as fh:
        fh.write("\n".join(kinds))


def generate(folder: Path, docs: int, shard_docs: int, dup_rate: float, vocab: list[str], workers: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    jobs = [(k, min(shard_docs, docs - s), s, dup_rate, vocab, folder)
            for k, s in enumerate(range(0, docs, shard_docs)) if not (folder / f"{k:05d}.parquet").exists()]
    with multiprocessing.get_context("forkserver").Pool(workers) as pool:
        pool.map(_shard, jobs)


class _RssWatch:
    """Largest RSS of any descendant process (pool workers are forkserver children, which
    getrusage(RUSAGE_CHILDREN) does not see), sampled every 0.2 s."""

    def __init__(self):
        import threading

        import psutil

        self.workers = 0
        self._done = threading.Event()
        me = psutil.Process()

        def watch():
            while not self._done.wait(0.2):
                for child in me.children(recursive=True):
                    try:
                        self.workers = max(self.workers, child.memory_info().rss)
                    except psutil.Error:
                        pass

        self._thread = threading.Thread(target=watch, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=1_000_000)
    ap.add_argument("--shard-docs", type=int, default=50_000)
    ap.add_argument("--dup-rate", type=float, default=0.05, help="share of exact copies (same share of near copies)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit of the grouping steps")
    ap.add_argument("--data", help="folder for the generated shards (kept and reused); default a temp folder")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--mode", choices=("verify", "no-verify"), help=argparse.SUPPRESS)   # one measured run
    args = ap.parse_args()
    if args.mode:
        return _measure(args)
    vocab = sorted(set(vocabulary(Path(args.shared))))
    data = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="curate-dedup-data-"))
    t0 = time.monotonic()
    if not list((data / "pages").glob("*.parquet")):
        generate(data / "pages", args.docs, args.shard_docs, args.dup_rate, vocab, args.workers)
    size = sum(f.stat().st_size for f in (data / "pages").glob("*.parquet")) / 1e9
    print(f"data: {args.docs} documents in {data / 'pages'} ({size:.2f} GB zstd), generated in "
          f"{time.monotonic() - t0:.0f}s", flush=True)
    runs = {}
    try:
        # each mode in its own process, so that peak RSS is that run's
        for mode in ("no-verify", "verify"):
            line = subprocess.run([sys.executable, __file__, "--data", str(data), "--mode", mode, "--docs",
                                   str(args.docs), "--shard-docs", str(args.shard_docs), "--workers",
                                   str(args.workers), "--memory-limit", args.memory_limit],
                                  check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
            runs[mode] = json.loads(line)
    finally:
        if not args.data:
            shutil.rmtree(data, ignore_errors=True)
    for mode, r in runs.items():
        removed = ", ".join(f"{k} {r['removed'][k]}/{r['planted'][k]} ({r['removed'][k] / max(r['planted'][k], 1):.1%})"
                            for k in ("exact", "near", "far", "unique"))
        print(f"{mode:9s}: {args.docs} documents in {r['seconds']:.1f}s = {args.docs / r['seconds']:.0f} docs/s on "
              f"{args.workers} workers; peak RSS main {r['rss_main']:.0f} MB, largest worker {r['rss_workers']:.0f} MB")
        print(f"           removed of planted: {removed}")
    a, b = runs["no-verify"], runs["verify"]
    print(f"verification costs {100 * (b['seconds'] / a['seconds'] - 1):+.1f}% time, "
          f"{b['rss_main'] - a['rss_main']:+.0f} MB main RSS; far copies (Jaccard ~0.53) merged: "
          f"{a['removed']['far']} without, {b['removed']['far']} with")


def _measure(args) -> None:
    """One dedup run over ``--data`` (the parent generated it); prints a JSON line."""
    data = Path(args.data)
    out = Path(tempfile.mkdtemp(prefix="curate-dedup-out-"))
    try:
        config = DedupConfig(inputs=(str(data / "pages"),), out=str(out), run="bench",
                             memory_limit=args.memory_limit, verify=args.mode == "verify")
        peak = _RssWatch()
        t0 = time.monotonic()
        run(config, workers=args.workers)
        secs = time.monotonic() - t0
        peak.stop()
        kinds = np.concatenate([np.array((data / "pages" / f"{k:05d}.kinds").read_text().split("\n"))
                                for k in range(len(list((data / "pages").glob("*.parquet"))))])
        removed = duckdb.sql(f"SELECT source_shard, source_row FROM read_parquet('{out}/duplicates/*.parquet') "
                             "WHERE NOT keep ORDER BY ALL").fetchall()
        flat = {int(Path(s).stem) * args.shard_docs + r for s, r in removed}
        planted = {k: np.flatnonzero(kinds == k) for k in ("exact", "near", "far", "unique")}
        print(json.dumps({"seconds": secs, "rss_main": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                          "rss_workers": peak.workers / 2**20,
                          "planted": {k: len(v) for k, v in planted.items()},
                          "removed": {k: sum(int(i) in flat for i in v) for k, v in planted.items()}}))
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
