"""How ingest and dedup scale with worker processes, step by step, and dedup on a cluster whose
machines share nothing but object storage; one run, the same input each time.

- ingest: ``--files`` WARCs of real pages (the shared HTML pages and every HTML response of the
  shared WARCs, repeated to ``--pages`` per file), with 1, 2 and 4 extraction processes;
- dedup: ``--shards`` shards of ``--docs`` documents each (real texts cut into 300-word pieces,
  each with copies that have 2-50% of their words replaced), the local executor with 1, 2 and 4
  worker processes;
- efficiency per step: speed-up over 1 process / processes. This machine has ``os.cpu_count()``
  cores: beyond them, more processes cannot help, so 4 processes on 2 cores are at most 0.5;
- cluster: the same dedup as ``curate run dedup --dask-address`` on a ``dask scheduler`` and two
  ``dask worker`` processes, each in a folder and cache of its own (nothing shared but S3), with
  inputs, work files and output on S3 (moto, 127.0.0.1), against ``curate dedup --workers 2`` on
  local disk. Target: >= 0.8x. The decisions of both must be the same.

    python benchmarks/scale.py [--files 4] [--pages 600] [--shards 4] [--docs 10000] [--no-cluster]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PROCESSES = (1, 2, 4)


def _html_pages(shared: Path) -> list[bytes]:
    """The shared HTML pages and every HTML response body of the shared WARCs."""
    from warcio.archiveiterator import ArchiveIterator

    pages = [p.read_bytes() for p in sorted((shared / "html").rglob("*.html"))]
    for warc in sorted((shared / "warc").rglob("*.warc.gz")):
        with open(warc, "rb") as fh:
            try:
                for rec in ArchiveIterator(fh):
                    kind = rec.http_headers.get_header("Content-Type", "") if rec.http_headers else ""
                    if rec.rec_type == "response" and "html" in kind:
                        body = rec.content_stream().read()
                        if len(body) > 2000:
                            pages.append(body)
            except Exception:                   # a damaged sample: the pages before the damage
                pass
    return pages


def _docs(shared: Path, n: int, words: int = 300, seed: int = 0) -> list[dict]:
    """``n`` documents of ``words`` words: pieces of real text, each with copies that have 2%,
    5%, 20% and 50% of their words replaced (past the pieces: further copies, new texts)."""
    from benchmarks.dedup_recall import bases

    rng = random.Random(seed)
    pieces = []
    for text in bases(shared, 100_000):
        w = text.split()
        pieces += [w[i:i + words] for i in range(0, len(w) - words + 1, words)]
    vocabulary = sorted({x for p in pieces for x in p})
    rows, k = [], 0
    while len(rows) < n:
        base = pieces[k % len(pieces)]
        for share in (0.0, 0.02, 0.05, 0.2, 0.5):
            if share == 0.0 and k >= len(pieces):
                share = 0.7                                  # a new text, far from every earlier one
            text = [rng.choice(vocabulary) if rng.random() < share else x for x in base]
            rows.append({"id": f"d{len(rows):08d}", "url": f"https://s{k % 997}.example/{len(rows)}",
                         "text": " ".join(text)})
        k += 1
    return rows[:n]


def _table(name: str, timings: dict[int, dict[str, float]], unit: int, what: str) -> list[str]:
    steps = [s for s in timings[1] if timings[1][s] >= 0.05] + ["total"]
    for t in timings.values():
        t["total"] = sum(v for k, v in t.items() if k != "total")
    head = f"| {name} step | " + " | ".join(f"{p} proc. s (eff.)" for p in PROCESSES) + " |"
    lines = [head, "| --- |" + " --- |" * len(PROCESSES)]
    for s in steps:
        cells = [f"{timings[p].get(s, 0):.1f} ({timings[1][s] / (p * timings[p][s]):.2f})" if timings[p].get(s) else "-"
                 for p in PROCESSES]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    rates = ", ".join(f"{p}: {unit / timings[p]['total']:,.0f}" for p in PROCESSES)
    return lines + ["", f"{what}/s by processes: {rates}."]


def ingest(args, tmp: Path) -> list[str]:
    from pipelines.ingest import STEPS, IngestConfig
    from pipelines._steps import execute
    from tests.conftest import warc_bytes

    pages = _html_pages(Path(args.shared))
    folder = tmp / "warcs"
    folder.mkdir()
    for f in range(args.files):
        chosen = [pages[(f * args.pages + i) % len(pages)] for i in range(args.pages)]
        (folder / f"part-{f}.warc.gz").write_bytes(
            warc_bytes([{"url": f"https://s{i % 50}.test/{f}/{i}", "body": b} for i, b in enumerate(chosen)]))
    timings: dict[int, dict[str, float]] = {}
    for p in PROCESSES:
        timings[p] = {}
        summary = execute(STEPS, IngestConfig(sources=(str(folder),), out=str(tmp / f"ingest-{p}"), workers=p,
                                              timeout=120), timings=timings[p])
        assert not summary.failed and summary.pages > 0
        print(f"ingest, {p} extraction process(es): {timings[p]['ingest']:.1f}s, {summary.pages} pages", flush=True)
    return [f"Ingest: {args.files} WARCs of {args.pages} real HTML pages each; processes = extraction "
            "processes.", "", *_table("ingest", timings, args.files * args.pages, "records")]


def dedup(args, tmp: Path) -> tuple[list[str], Path, float]:
    from pipelines import dedup as dd
    from pipelines._steps import execute
    from tests.dedup.corpus import write_pages

    docs = _docs(Path(args.shared), args.shards * args.docs)
    for s in range(args.shards):
        write_pages(tmp / "in" / "pages" / f"s{s}.parquet", docs[s * args.docs:(s + 1) * args.docs])
    timings: dict[int, dict[str, float]] = {}
    for p in PROCESSES:
        timings[p] = {}
        execute(dd.STEPS, dd.DedupConfig(inputs=(str(tmp / "in"),), out=str(tmp / f"dedup-{p}")), workers=p,
                timings=timings[p])
        print(f"dedup, {p} process(es): {sum(timings[p].values()):.1f}s", flush=True)
    return ([f"Dedup: {args.shards} shards of {args.docs:,} documents (real text and planted copies).", "",
             *_table("dedup", timings, len(docs), "documents")], tmp / "in", sum(timings[2].values()))


def cluster(args, tmp: Path, inputs: Path) -> list[str]:
    """Dedup on standalone workers sharing only S3, against the same run on local disk."""
    import boto3
    import duckdb

    from curate.cli._flows import prefect_api
    from curate.query import connect
    from tests.flows.test_object_store_cluster import Cluster
    from tests.s3_server import S3Server

    s3 = S3Server()
    try:
        bucket = s3.bucket()
        client = boto3.client("s3", endpoint_url=s3.endpoint)
        names = [f"pages/{f.name}" for f in sorted((inputs / "pages").glob("*.parquet"))]
        for name in names:
            client.upload_file(str(inputs / name), bucket, f"in/{name}")
        from curate.io import DONE, Completion, Ledger

        # an output root on S3 as ingest leaves one: the shards, then the record that lists them
        Ledger(f"s3://{bucket}/in").record(Completion(key="pages", source=str(inputs), status=DONE,
                                                      shards={"pages": names}))
        env = {**os.environ, "PYTHONPATH": str(ROOT)}

        def timed(argv: list[str], **kw) -> float:
            t0 = time.monotonic()
            done = subprocess.run([sys.executable, "-m", "curate", *argv], capture_output=True, text=True, env=env, **kw)
            if done.returncode != 0:
                raise SystemExit(f"curate {argv[0]} failed: {done.stderr[-1500:]}")
            return time.monotonic() - t0

        local = timed(["dedup", str(inputs), "--out", str(tmp / "local"), "--workers", "2", "-q"])
        with prefect_api(start_local=True):
            env["PREFECT_API_URL"] = os.environ["PREFECT_API_URL"]
            (tmp / "cluster").mkdir()
            found = Cluster(tmp / "cluster")
            try:
                found.add_worker()
                found.add_worker()
                found.wait(2)
                config = tmp / "dedup.yaml"
                config.write_text(json.dumps({"inputs": [f"s3://{bucket}/in"],
                                              "out": f"s3://{bucket}/dedup"}))
                remote = timed(["run", "dedup", "--config", str(config), "--dask-address", found.address])
            finally:
                found.stop()
        rows = "SELECT id, keep, duplicate_of, reason FROM duplicates ORDER BY id"
        same = connect(str(tmp / "local")).sql(rows).fetchall() == connect(f"s3://{bucket}/dedup").sql(rows).fetchall()
        n = duckdb.sql(f"SELECT count(*) FROM read_parquet('{inputs}/pages/*.parquet')").fetchall()[0][0]
        print(f"dedup local (2 processes) {local:.1f}s; on the cluster through S3 {remote:.1f}s: "
              f"{local / remote:.2f}x; decisions {'identical' if same else 'DIFFER'}", flush=True)
        return [f"Cluster: `curate run dedup` on a `dask scheduler` and 2 `dask worker` processes that share only S3 "
                f"(moto on 127.0.0.1; inputs, work files and output there) against `curate dedup --workers 2` on "
                f"local disk, {n:,} documents: {remote:.1f}s against {local:.1f}s, **{local / remote:.2f}x** "
                f"(target 0.8x), decisions {'identical' if same else 'different'}. Both times include starting the "
                "run (the flow's: Prefect task submission)."]
    finally:
        s3.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--pages", type=int, default=600, help="pages per WARC file")
    ap.add_argument("--shards", type=int, default=4)
    ap.add_argument("--docs", type=int, default=12_500, help="documents per dedup shard")
    ap.add_argument("--no-cluster", action="store_true")
    ap.add_argument("--no-ingest", action="store_true", help="dedup and cluster only (printed, not recorded)")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="curate-scale-"))
    try:
        lines = [f"Seconds per step with 1, 2 and 4 worker processes on {os.cpu_count()} cores; in brackets the "
                 "efficiency (speed-up over 1 process / processes).", ""]
        lines += ingest(args, tmp) + [""] if not args.no_ingest else []
        dd_lines, inputs, _ = dedup(args, tmp)
        lines += dd_lines + [""]
        if not args.no_cluster:
            lines += cluster(args, tmp, inputs) + [""]
        from benchmarks._report import record

        if not args.no_ingest:
            record("scale", "Scaling with worker processes, and a cluster sharing only S3", lines)
        print("\n".join(lines))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
