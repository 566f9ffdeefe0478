"""Mixing throughput: ``curate mix`` on N rows (default 10M) with 2 workers, against DuckDB.

Generates ``--rows`` pages-like rows of about ``--row-bytes`` of text (real words from
../shared/data/math_text) in ``--shards`` shards, a quarter flagged ``has_math``, then
builds a two-source mixture (56% math up-sampled to at most 4 epochs, 44% the rest)
as large as the input (about as many rows out as in), and prints rows/s and GB/s
(text bytes written).
Baseline, same rows and machine: one DuckDB query that samples by a document rate
and shuffles by a hash (what a count-based mix does), written with DuckDB's COPY.

    python benchmarks/mix.py [--rows 10000000] [--workers 2] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
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
from pipelines.mix._spec import spec_from_mapping  # noqa: E402
from pipelines.mix import run  # noqa: E402
from schemas import PAGES  # noqa: E402


def generate(folder: Path, rows: int, shards: int, row_bytes: int, shared: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    base = " ".join(w for w in vocabulary(shared) if w.isascii()).encode()   # byte slices stay valid UTF-8
    per = -(-rows // shards)
    schema = pa.schema([PAGES.field("id"), PAGES.field("text"), PAGES.field("has_math")])
    for k in range(shards):
        path = folder / f"s{k:04d}.parquet"
        n = min(per, rows - k * per)
        if path.exists() or n <= 0:
            continue
        rng = np.random.default_rng(k)
        lengths = rng.integers(row_bytes // 2, row_bytes * 3 // 2, n)
        need = int(lengths.sum())
        reps = -(-need // len(base)) + 1
        start = int(rng.integers(0, len(base)))
        data = (base * reps)[start:start + need]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        text = pa.LargeStringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data)).cast(pa.string())
        ids = pa.array([f"{k:04d}-{i:08d}" for i in range(n)])
        table = pa.table({"id": ids, "text": text, "has_math": pa.array(rng.random(n) < 0.25)}, schema=schema)
        pq.write_table(table, path.with_suffix(".tmp"), compression="zstd", row_group_size=100_000)
        path.with_suffix(".tmp").rename(path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--shards", type=int, default=20)
    ap.add_argument("--row-bytes", type=int, default=200)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--data", help="folder for the generated root (kept and reused)")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    root = Path(args.data) if args.data else Path(tempfile.mkdtemp(prefix="curate-mix-data-"))
    t0 = time.monotonic()
    generate(root / "pages", args.rows, args.shards, args.row_bytes, Path(args.shared))
    gb_in = sum(p.stat().st_size for p in (root / "pages").glob("*.parquet")) / 1e9
    print(f"data: {args.rows} rows in {args.shards} shards ({gb_in:.2f} GB zstd), ready in {time.monotonic() - t0:.0f}s",
          flush=True)
    available = args.rows * args.row_bytes // 4
    spec = spec_from_mapping({"name": "bench", "root": str(root), "total_tokens": available, "seed": 1,
                              "checksums": False, "sources": [
                                  {"name": "math", "dataset": "pages", "where": "has_math", "share": 0.56,
                                   "max_epochs": 4},
                                  {"name": "rest", "dataset": "pages", "where": "NOT has_math", "share": 0.44}]})
    out = Path(tempfile.mkdtemp(prefix="curate-mix-out-"))
    try:
        t0 = time.monotonic()
        manifest = run(spec, out, workers=args.workers, progress=True)
        ours = time.monotonic() - t0
        text_gb = duckdb.sql(f"SELECT sum(strlen(text)) FROM read_parquet('{out}/mixture/*.parquet')").fetchall()[0][0] / 1e9
        rate = manifest["rows"] / args.rows
        con = duckdb.connect()
        con.execute(f"SET threads = {args.workers}")
        t0 = time.monotonic()
        # the baseline writes the reference columns a mixture row carries too (source_shard, source_row)
        con.execute(f"""COPY (SELECT * EXCLUDE (filename, file_row_number), filename AS source_shard,
                                     file_row_number AS source_row
                              FROM read_parquet('{root}/pages/*.parquet', filename=true, file_row_number=true)
                              WHERE hash(id || 'x') % 1000000 < {int(rate * 1_000_000)} ORDER BY hash(id))
                        TO '{out}/baseline.parquet' (FORMAT parquet, COMPRESSION zstd)""")
        base = time.monotonic() - t0
        shares = ", ".join(f"{s['name']} {s['share']:.4f}" for s in manifest["sources"])
        print(f"input: {args.rows:,} rows; curate mix: {manifest['rows']:,} rows ({text_gb:.2f} GB of text) in {ours:.1f}s = "
              f"{manifest['rows'] / ours:,.0f} rows/s, {text_gb / ours:.3f} GB/s on {args.workers} workers; "
              f"shares {shares}")
        print(f"baseline (DuckDB sample by rate + hash shuffle, no token budget, no manifest): {base:.1f}s = "
              f"{manifest['rows'] / base:,.0f} rows/s")
        print(f"curate / baseline: {base / ours:.2f}x")
        from benchmarks._report import record

        record("mix", "Mixing throughput", [
            f"{args.rows:,} input rows, {manifest['rows']:,} mixture rows ({text_gb:.2f} GB of text), {args.workers} workers.",
            "", "| | seconds | rows/s |", "| --- | --- | --- |",
            f"| curate mix | {ours:.1f} | {manifest['rows'] / ours:,.0f} |",
            f"| DuckDB: sample by rate, hash shuffle, same columns plus the two reference columns | {base:.1f} | "
            f"{manifest['rows'] / base:,.0f} |", "", f"curate / baseline: {base / ours:.2f}x.", ""])
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if not args.data:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
