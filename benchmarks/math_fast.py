"""Fast math recall mode against extract-everything-then-score, on the same pages in one run.

Pages: a crawl-like mix written to a WARC at run time: the real pages of
../shared/data/html ``--copies`` times, dolma Common Crawl texts as blog pages,
forum threads of MATH-500 and GSM8K problems. The math model is a round-2-like
model: the textbook seed plus MATH-500 and GSM8K problems not on the forum, against
the shared negatives, the real Common Crawl pages of ../shared/data/warc/{dolma,
resiliparse} and every other non-math page of html/, all extracted by curate (so
negatives look like what is scored); the other half of html/ stays unseen.

- baseline: ``curate ingest`` extracts every page (trafilatura + math pass), then every
  page is scored and pages at or above ``--select`` are selected;
- fast: the same ingest with ``math_prefilter`` (cheap text scored, only candidates
  extracted), then the extracted pages are scored and selected the same way.

Prints input pages/s of both (wall time of ingest + scoring + selection, one
extraction worker), the ratio, the share of the baseline selection the fast mode
still selects, and a calibration: the highest prefilter threshold that keeps 99% and
99.5% of the selection on half of the distinct pages, judged on the other half.

    python benchmarks/math_fast.py [--copies 8] [--threshold 0.1] [--select 0.5]
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

from curate.classify import (MathGate, cheap_text, math_markup, recall_safe_threshold, score,  # noqa: E402
                             train_with_validation)
from curate.extract import decode_html  # noqa: E402
from curate.query import connect  # noqa: E402
from pipelines.ingest import IngestConfig, run  # noqa: E402
from tests.conftest import warc_bytes  # noqa: E402
from tests.pipelines.math_corpus import html_records, training_texts  # noqa: E402


def timed_run(sources: list[str], out: Path, model: dict, **prefilter) -> tuple[float, dict, object]:
    """(seconds, {url: score} of selected pages, ingest summary) for one ingest + score + select,
    selection as deployed: best-window scores at the round's operating threshold."""
    t0 = time.perf_counter()
    summary = run(IngestConfig(sources=tuple(sources), out=str(out), workers=1, **prefilter))
    rows = connect(str(out)).sql("SELECT url, text FROM pages ORDER BY id").fetchall()
    scores = score(model["model"], [t for _, t in rows], model["chunk_words"])
    selected = {url: float(s) for (url, _), s in zip(rows, scores) if s >= model["operating_threshold"]}
    seconds = time.perf_counter() - t0
    if summary.failed:
        raise SystemExit(f"ingest failed: {summary.failed}")
    return seconds, selected, summary


def site(url: str) -> str:
    """A page's site, copies folded together (blog3.test -> blog.test)."""
    host = url.split("/")[2]
    return "".join(c for c in host if not c.isdigit()) + ("/" + url.split("/")[3] if host == "forum.test" else "")


def thin(records: list[dict], share: float) -> list[dict]:
    """``records`` with math pages dropped evenly until they are ``share`` of the whole."""
    math = [i for i, r in enumerate(records) if r["label"] == "math"]
    others = len(records) - len(math)
    keep_n = min(len(math), int(round(share * others / (1 - share))))
    keep = {math[int(k * len(math) / keep_n)] for k in range(keep_n)} if keep_n else set()
    return [r for i, r in enumerate(records) if r["label"] != "math" or i in keep]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--copies", type=int, default=8, help="copies of the real html/ pages and dolma blog pages")
    ap.add_argument("--threshold", type=float, default=0.1, help="prefilter threshold of the fast mode")
    ap.add_argument("--math-share", type=float, default=0.02,
                    help="share of math pages in the mix (math pages thinned evenly; 0: all kept)")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    shared = Path(args.shared)
    work = Path(tempfile.mkdtemp(prefix="curate-math-fast-"))

    records = html_records(shared, copies=args.copies)
    # the model as a recall round makes it (defaults: windows, operating threshold), trained
    # before thinning so that the math pages left out do not change it
    model = train_with_validation(*training_texts(shared, records), work / "math.bin", None, chunk_words=15,
                                  train_words=50, max_fpr=0.01)
    if args.math_share:
        records = thin(records, args.math_share)
    (work / "mix.warc.gz").write_bytes(warc_bytes(records))
    sources = [str(work / "mix.warc.gz")]

    base_s, base_sel, base = timed_run(sources, work / "all", model)
    fast_s, fast_sel, fast = timed_run(sources, work / "fast", model, math_prefilter=model["model"],
                                       math_prefilter_threshold=args.threshold)
    n, base_pages, fast_pages = base.records, base.pages, fast.pages
    kept = len(set(base_sel) & set(fast_sel)) / len(base_sel) if base_sel else 1.0
    math_share = sum(r["label"] == "math" for r in records) / len(records)
    print(f"pages: {n} ({math_share:.1%} labelled math), "
          f"{base_pages} extractable, {len(base_sel)} selected at the operating threshold "
          f"{model['operating_threshold']:.4f}")
    print(f"extract everything + score: {base_s:6.1f}s  {n / base_s:7.1f} pages/s")
    print(f"fast mode (prefilter {args.threshold:g}): {fast_s:6.1f}s  {n / fast_s:7.1f} pages/s  "
          f"({fast_pages} pages extracted, {fast_pages / base_pages:.1%})")
    print(f"ratio: {base_s / fast_s:.2f}x   selection kept: {kept:.2%} ({len(set(base_sel) & set(fast_sel))}"
          f"/{len(base_sel)})")
    missed = sorted(set(base_sel) - set(fast_sel))
    if missed:
        print("missed:", ", ".join(f"{u} ({base_sel[u]:.2f})" for u in missed[:10]))

    # calibration (not timed): cheap-text score and markup of every written page
    gate = MathGate(model["model"], args.threshold)
    cheap, marked, chosen = [], [], []
    for r in records:
        page = decode_html(r["body"], None)
        text = cheap_text(page)
        cheap.append(gate.score(text))
        marked.append(math_markup(page, text) is not None)
        chosen.append(r["url"] in base_sel)
    cheap_a, marked_a, chosen_a = np.array(cheap), np.array(marked), np.array(chosen)
    # Held out: the threshold is chosen on half of the sites (copies of a page share a half)
    # and judged on the other half, never on the pages it was fitted to.
    import hashlib

    fit = np.array([hashlib.blake2b(site(r["url"]).encode(), digest_size=2).digest()[0] % 2 == 0 for r in records])
    for target in (0.99, 0.995):
        t = recall_safe_threshold(cheap_a[fit], chosen_a[fit], marked_a[fit], target=target)
        test = ~fit
        passed = (cheap_a >= t) | marked_a
        kept = (passed & chosen_a & test).sum() / max((chosen_a & test).sum(), 1)
        print(f"calibration (fitted on half the pages, judged on the other half): threshold {t:.3f} for "
              f">= {target:.1%} keeps {kept:.1%} of the held-out selection, extracts {passed[test].mean():.1%} of pages")

if __name__ == "__main__":
    main()
