"""Ingestion throughput on Dask with 1 and 2 workers, and Prefect's per-task overhead.

Input: ``--files`` WARCs, each holding every HTML page of ../shared/data/html
``--repeat`` times (larger files amortise per-task costs, as real 1 GB WARCs do).
Runs the ingest flow (real Prefect server on 127.0.0.1, DaskTaskRunner on a
LocalCluster) with 1 and then 2 workers on the same input, and the plain
pipeline on many tiny inputs with and without Prefect to isolate per-task cost.

    python benchmarks/scale.py [--files 4]
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

from tests.conftest import warc_bytes  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--repeat", type=int, default=4, help="copies of the shared pages per file")
    ap.add_argument("--tiny", type=int, default=20, help="tiny inputs for the per-task overhead")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()

    from curate.cli._flows import prefect_api

    with prefect_api(start_local=True), tempfile.TemporaryDirectory() as tmp:
        from flows._runner import task_runner
        from flows.ingest import ingest_flow
        from pipelines.ingest import IngestConfig, run

        pages = [p.read_bytes() for p in sorted((Path(args.shared) / "html").rglob("*.html"))] * args.repeat
        inputs = Path(tmp) / "in"
        inputs.mkdir()
        for f in range(args.files):
            (inputs / f"part-{f}.warc.gz").write_bytes(
                warc_bytes([{"url": f"https://s.test/{f}/{i}", "body": p} for i, p in enumerate(pages)]))
        n = len(pages) * args.files
        rates = {}
        import dask
        from distributed import LocalCluster

        for workers in (1, 2):
            t0 = time.perf_counter()
            with dask.config.set({"distributed.worker.daemon": False}), \
                    LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                 dashboard_address=None) as cluster:
                start = time.perf_counter() - t0
                cfg = IngestConfig(sources=(str(inputs),), out=f"{tmp}/out{workers}", workers=1, timeout=120)
                t0 = time.perf_counter()
                result = ingest_flow.with_options(task_runner=task_runner(cluster.scheduler_address))(cfg)
                secs = time.perf_counter() - t0
            assert result["pages"] > 0 and not result["failed"]
            rates[workers] = n / secs
            print(f"flow, {workers} Dask worker(s): {n} pages in {secs:6.1f}s = {rates[workers]:6.1f} pages/s "
                  f"(cluster start-up {start:.1f}s not included)")
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x")

        tiny = Path(tmp) / "tiny"
        tiny.mkdir()
        for i in range(args.tiny):
            (tiny / f"t-{i}.warc.gz").write_bytes(warc_bytes([{"url": f"https://t.test/{i}", "body": pages[0]}]))
        cfg = IngestConfig(sources=(str(tiny),), out=f"{tmp}/tiny-plain", workers=1)
        t0 = time.perf_counter()
        run(cfg)
        plain = time.perf_counter() - t0
        cfg = IngestConfig(sources=(str(tiny),), out=f"{tmp}/tiny-flow", workers=1)
        t0 = time.perf_counter()
        ingest_flow.with_options(task_runner=task_runner(workers=1))(cfg)
        flowed = time.perf_counter() - t0
        print(f"{args.tiny} tiny inputs: plain pipeline {plain:.1f}s, Prefect flow on 1 Dask worker {flowed:.1f}s: "
              f"overhead {(flowed - plain) / args.tiny * 1000:.0f} ms per task (cluster start-up included)")


if __name__ == "__main__":
    main()
