"""Ingest and dedup with their data on a real S3 server (moto, loopback) against local disk, one run.

Inputs: the real pages of ../shared/data/html packed into ``--files`` WARC files (each page
``--repeat`` times in all). Measured, best of ``--rounds`` (this machine's timings drift):

- ingest: the WARCs into a local root vs into ``s3://`` (shards and completion records), pages/s;
- dedup: reading the page shards from the local root vs from ``s3://`` (work files local);
  ``s3://`` to ``s3://`` on one machine (work files in its cache), and as on a cluster of
  machines (each step's work files shared with the next through S3);
- S3 requests per input file for each (counted from the server's request log), and bytes.

The target is >= 0.8x of local throughput on loopback. Rows are compared: both ingests must
give the same pages, both dedups the same decisions.

    python benchmarks/s3.py [--files 8] [--repeat 8] [--rounds 2]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Count(logging.Handler):
    """Counts the S3 server's request log lines (one per HTTP request)."""

    def __init__(self):
        super().__init__()
        self.n = 0

    def emit(self, record) -> None:
        self.n += 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=8)
    ap.add_argument("--repeat", type=int, default=8, help="copies of each shared page, over all files")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--shared", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()

    from moto.server import ThreadedMotoServer

    log = logging.getLogger("werkzeug")
    log.setLevel(logging.INFO)
    log.propagate = False
    counter = _Count()
    log.addHandler(counter)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    os.environ.update(AWS_ENDPOINT_URL=f"http://{host}:{port}", AWS_ACCESS_KEY_ID="bench",
                      AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
    import boto3

    from benchmarks.ingest import load_pages
    from curate.query import connect
    from pipelines import dedup as dd
    from pipelines._steps import execute
    from pipelines.ingest import IngestConfig, run
    from tests.conftest import warc_bytes

    s3 = boto3.client("s3")
    pages = load_pages(Path(args.shared)) * args.repeat
    tmp = Path(tempfile.mkdtemp(prefix="curate-s3-bench-"))
    try:
        sources = []
        for f in range(args.files):
            part = pages[f::args.files]
            path = tmp / f"in-{f:02d}.warc.gz"
            path.write_bytes(warc_bytes([{"url": f"https://bench.test/{f}/{i}", "body": p} for i, p in enumerate(part)]))
            sources.append(str(path))
        best: dict[str, float] = {}
        requests: dict[str, int] = {}
        for r in range(args.rounds):
            bucket = f"bench-{r}"
            s3.create_bucket(Bucket=bucket)
            local, remote = tmp / f"local-{r}", f"s3://{bucket}/shards"
            runs = {
                "ingest local": lambda: run(IngestConfig(sources=tuple(sources), out=str(local))),
                "ingest s3": lambda: run(IngestConfig(sources=tuple(sources), out=remote)),
                "dedup local": lambda: dd.run(dd.DedupConfig(inputs=(str(local),), out=str(tmp / f"dl-{r}"), run="b")),
                "dedup s3": lambda: dd.run(dd.DedupConfig(inputs=(remote,), out=str(tmp / f"dr-{r}"), run="b")),
                "dedup s3-to-s3": lambda: dd.run(dd.DedupConfig(inputs=(remote,), out=f"s3://{bucket}/dedup", run="b")),
                "dedup shared": lambda: execute(dd.STEPS, dd.DedupConfig(inputs=(remote,), out=f"s3://{bucket}/shared",
                                                                        run="b"), spread=True),
            }
            for name, job in runs.items():
                counter.n = 0
                t0 = time.perf_counter()
                job()
                best[name] = min(best.get(name, float("inf")), time.perf_counter() - t0)
                requests[name] = counter.n
            rows = "SELECT * EXCLUDE (warc_path) FROM pages ORDER BY id"
            assert connect(str(local)).sql(rows).fetchall() == connect(remote).sql(rows).fetchall(), "pages differ"
            dup = "SELECT id, keep, duplicate_of, reason FROM duplicates ORDER BY id"
            assert connect(str(tmp / f"dl-{r}")).sql(dup).fetchall() == \
                connect(str(tmp / f"dr-{r}")).sql(dup).fetchall() == \
                connect(f"s3://{bucket}/dedup").sql(dup).fetchall() == \
                connect(f"s3://{bucket}/shared").sql(dup).fetchall(), "dedup decisions differ"
        n = len(pages)
        shards = sum(o["Size"] for o in s3.list_objects_v2(Bucket=f"bench-{args.rounds - 1}", Prefix="shards/")
                     .get("Contents", []))
        print(f"{args.files} WARC files, {n} pages; S3 objects of one ingest: {shards / 1e6:.1f} MB")
        for job in ("ingest", "dedup"):
            lo, re_ = best[f"{job} local"], best[f"{job} s3"]
            print(f"{job:7s} local {lo:6.2f}s ({n / lo:7.0f} pages/s)   s3 {re_:6.2f}s ({n / re_:7.0f} pages/s)   "
                  f"ratio {lo / re_:.2f}x   S3 requests: {requests[f'{job} s3']} "
                  f"({requests[f'{job} s3'] / args.files:.1f} per input file)")
        for name, label in (("dedup s3-to-s3", "s3 to s3, one machine"), ("dedup shared", "s3 to s3, work shared")):
            both = best[name]
            print(f"dedup   {label}: {both:6.2f}s ({n / both:7.0f} pages/s)   ratio {best['dedup local'] / both:.2f}x   "
                  f"S3 requests: {requests[name]} ({requests[name] / args.files:.1f} per input file)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        server.stop()


if __name__ == "__main__":
    main()
