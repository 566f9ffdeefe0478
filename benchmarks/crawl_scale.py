"""The crawl-scale figure: pages per CPU-second for full extraction and for fast math recall on a
WARC of realistic size, and what one Common Crawl crawl (3 billion pages) would cost in core-hours.

WARC: the crawl-like mix of benchmarks/math_fast.py (the shared real pages, dolma Common Crawl
texts, forum threads) repeated to ``--records`` records with math thinned to ``--math-share``.
CPU seconds (this process and its extraction workers, user + system), not wall time: the figure a
cluster is sized by. The cheap scoring path (the fast mode's gate: marker scan, cheap text,
fastText score) is timed alone, per page.

    python benchmarks/crawl_scale.py [--records 30000] [--math-share 0.005]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.math_fast import thin  # noqa: E402
from curate.classify import MathGate, train_with_validation  # noqa: E402
from curate.extract import Rejected  # noqa: E402
from tests.conftest import warc_bytes  # noqa: E402
from tests.pipelines.math_corpus import html_records, training_texts  # noqa: E402

CRAWL_PAGES = 3_000_000_000


def cpu() -> float:
    """CPU seconds of the finished child processes (and theirs: each waits for its workers)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def ingest(warc: Path, out: Path, workers: int, extra: dict) -> tuple[float, float, dict]:
    """(CPU seconds, wall seconds, summary counts) of one ``curate ingest`` in a process of its own."""
    import json
    import subprocess

    code = ("import json, sys; from pipelines.ingest import IngestConfig, run; "
            f"s = run(IngestConfig(sources=({str(warc)!r},), out={str(out)!r}, workers={workers}, **{extra!r})); "
            "print(json.dumps({'records': s.records, 'pages': s.pages}))")
    c0, t0 = cpu(), time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return cpu() - c0, time.monotonic() - t0, json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=30_000)
    ap.add_argument("--math-share", type=float, default=0.005)
    ap.add_argument("--threshold", type=float, default=0.1)
    ap.add_argument("--full-sample", type=int, default=3_000, help="records of the mix extracted in full")
    ap.add_argument("--workers", type=int, default=0, help="extraction processes; 0: in this process (the default: forkserver workers are not children, so their CPU time would not be counted)")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    shared = Path(args.shared)
    work = Path(tempfile.mkdtemp(prefix="curate-crawl-scale-"))
    base = html_records(shared, copies=4)
    model = train_with_validation(*training_texts(shared, base), work / "math.bin", None, chunk_words=15,
                                  train_words=50, max_fpr=0.01)
    base = thin(base, args.math_share)
    records = []
    while len(records) < args.records:
        k = len(records) // len(base)
        records += [{**r, "url": r["url"].replace("://", f"://c{k}.", 1)} for r in base]
    records = records[:args.records]
    warc = work / "crawl.warc.gz"
    warc.write_bytes(warc_bytes(records))
    math = sum(r["label"] == "math" for r in records)
    print(f"WARC: {len(records):,} records ({warc.stat().st_size / 1e6:.0f} MB gzipped), {math / len(records):.2%} math")

    gate = MathGate(model["model"], args.threshold)
    t0 = time.process_time()
    passed = 0
    for r in records:
        try:
            gate(r["body"], None)
            passed += 1
        except Rejected:
            pass
    cheap_ms = (time.process_time() - t0) * 1000 / len(records)
    print(f"cheap scoring path alone: {cheap_ms:.3f} ms/page CPU ({passed:,} pages passed to extraction)")

    sample = work / "sample.warc.gz"               # full extraction is timed on a sample (same mix)
    sample.write_bytes(warc_bytes(records[:args.full_sample]))
    lines = []
    for name, source, extra in (("full extraction", sample, {}),
                                ("fast math recall", warc, {"math_prefilter": model["model"],
                                                            "math_prefilter_threshold": args.threshold})):
        seconds, wall, summary = ingest(source, work / name.replace(" ", "-"), args.workers, extra)
        per_core = summary["records"] / seconds
        hours = CRAWL_PAGES / per_core / 3600
        lines.append(f"| {name} | {summary['records']:,} | {summary['pages']:,} | {per_core:,.0f} | {hours:,.0f} |")
        print(f"{name}: {summary['records']:,} records, {summary['pages']:,} pages written, {seconds:.0f} CPU-s "
              f"({wall:.0f}s wall): {per_core:,.0f} pages/s/core; one crawl (3B pages): {hours:,.0f} core-hours "
              f"({hours / 1000:,.1f} hours on 1,000 cores)")
    from benchmarks._report import record

    record("crawl_scale", "The crawl-scale figure", [
        f"{len(records):,} records ({math / len(records):.2%} math), CPU seconds of the process and its workers.", "",
        "| mode | records | pages written | pages/s/core | core-hours per crawl (3B pages) |",
        "| --- | --- | --- | --- | --- |", *lines, "",
        f"Cheap scoring path alone: {cheap_ms:.3f} ms/page.", ""])


if __name__ == "__main__":
    main()
