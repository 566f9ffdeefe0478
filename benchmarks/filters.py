"""Quality filters on real pages: the share of math and non-math pages each rule drops, ours
(math-aware, and as plain text) beside datatrove's four filters, agreement on non-math English
pages, and throughput in pages/s, all on the same extracted pages in one run.

Pages: Debian's documentation packages (Sphinx sites; a page is labelled math by its formula
markup, see tests/debian_docs.py), the shared HTML pages (labelled by hand in INDEX.tsv) and the
shared WARCs, all extracted by ``curate ingest``. datatrove 0.10.1 runs in a venv of its own
(``--dtvenv``, made when missing; skipped with a reason when it cannot be installed).

    python benchmarks/filters.py [--per-package 60] [--dtvenv /tmp/dtvenv]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from curate.quality import FAMILIES, judge  # noqa: E402
from tests import debian_docs  # noqa: E402

MATH = ("python-sympy-doc", "python-mpmath-doc", "python-scipy-doc", "python-sklearn-doc", "python-statsmodels-doc")
PLAIN = ("python3.11-doc", "python-pandas-doc", "r-doc-html")

_DT_SCRIPT = r"""
import json, sys, time
from datatrove.data import Document
from datatrove.pipeline.filters import GopherQualityFilter, GopherRepetitionFilter, C4QualityFilter, FineWebQualityFilter
docs = [json.loads(l) for l in open(sys.argv[1])]
make = lambda: [("gopher_quality", GopherQualityFilter()), ("gopher_repetition", GopherRepetitionFilter()),
                ("c4", C4QualityFilter()), ("fineweb", FineWebQualityFilter())]
def verdict(f, d):
    r = f.filter(Document(text=d["text"], id=d["id"]))
    return (True, None) if r is True else (False, r[1] if isinstance(r, tuple) else "dropped")
filters = make()
for d in docs[:20]:                      # warm up spaCy
    for _, f in filters: verdict(f, d)
t0 = time.perf_counter()
kept = 0
for d in docs:                           # the pipeline a user runs: the four filters in a row
    ok = True
    for _, f in make() if False else filters:
        if not verdict(f, d)[0]:
            ok = False
            break
    kept += ok
seconds = time.perf_counter() - t0
out = {}
for d in docs:                           # every filter on every page, for the per-rule table
    out[d["id"]] = {name: verdict(f, d) for name, f in filters}
json.dump({"seconds": seconds, "kept": kept, "decisions": out}, sys.stdout)
"""


def datatrove_venv(path: Path) -> Path | None:
    python = path / "bin" / "python"
    if python.exists():
        return python
    try:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-qq", "-U", "pip"], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-qq", "datatrove[processing]==0.10.1", "lxml_html_clean",
                        "spacy", "python-magic", "faust-cchardet", "warcio", "orjson", "tokenizers", "pyarrow"], check=True, timeout=900)
        return python
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"datatrove: cannot be installed here ({exc}); its columns are skipped")
        return None


def corpus(cache: Path, per_package: int, shared: Path) -> list[dict]:
    """(id, text, lang, label, source) of every extracted page."""
    from pipelines.ingest import IngestConfig, run

    chosen = {p: {"math": per_package} for p in MATH} | {p: {"non_math": per_package} for p in PLAIN}
    try:
        pages = debian_docs.sample(chosen)
    except debian_docs.Unavailable as exc:
        print(f"Debian pages unavailable ({exc}); shared pages only")
        pages = []
    rows = []
    if pages:
        shards = debian_docs.ingest(pages, cache / "debian")
        label = {p["url"]: ("math" if p["label"] == "math" else "non_math") for p in pages}
        for id_, text, lang, url in duckdb.sql(f"SELECT id, text, lang, url FROM read_parquet('{shards}/pages/*.parquet')").fetchall():
            rows.append({"id": id_, "text": text, "lang": lang, "label": label.get(url, "non_math"), "source": "debian"})
    index = {}
    for line in (shared / "html" / "INDEX.tsv").read_text().splitlines()[1:]:
        parts = line.split("\t")
        index[parts[0]] = parts[3]
    run(IngestConfig(sources=(str(shared / "html" / "trafilatura-cache"), str(shared / "html" / "colah-blog")),
                     out=str(cache / "html")))
    for id_, text, lang, path in duckdb.sql(f"SELECT id, text, lang, warc_path FROM read_parquet('{cache}/html/pages/*.parquet')").fetchall():
        rel = "/".join(Path(path).parts[-2:])
        lab = index.get(rel, "non_math")
        rows.append({"id": id_, "text": text, "lang": lang, "label": "math" if lab == "math" else
                     ("some" if lab == "some_math" else "non_math"), "source": "shared-html"})
    warcs = sorted(str(p) for p in (shared / "warc").rglob("*.warc.gz") if "clipped" not in p.name)
    run(IngestConfig(sources=tuple(warcs), out=str(cache / "warc")))
    for id_, text, lang, has_math in duckdb.sql(f"SELECT id, text, lang, has_math FROM read_parquet('{cache}/warc/pages/*.parquet')").fetchall():
        rows.append({"id": id_, "text": text, "lang": lang, "label": "some" if has_math else "non_math",
                     "source": "shared-warc"})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--per-package", type=int, default=60)
    ap.add_argument("--dtvenv", default=os.environ.get("CURATE_DTVENV", "/tmp/dtvenv"))
    ap.add_argument("--cache", default=str(debian_docs.CACHE / "bench-filters"))
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    rows = corpus(Path(args.cache), args.per_package, Path(args.shared))
    by = Counter((r["label"], r["lang"] == "en") for r in rows)
    print(f"pages: {len(rows)} ({by[('math', True)] + by[('math', False)]} math, "
          f"{by[('non_math', True)]} non-math English, {by[('non_math', False)]} non-math other languages, "
          f"{by[('some', True)] + by[('some', False)]} with some math)")

    ours, plain = {}, {}
    t0 = time.perf_counter()
    for r in rows:
        ours[r["id"]] = judge(r["text"], r["lang"])
    ours_seconds = time.perf_counter() - t0
    for r in rows:
        plain[r["id"]] = judge(r["text"], r["lang"], math_aware=False)

    dt = None
    python = datatrove_venv(Path(args.dtvenv))
    if python:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "docs.jsonl"
            src.write_text("".join(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in rows))
            (Path(tmp) / "dt.py").write_text(_DT_SCRIPT)
            done = subprocess.run([str(python), str(Path(tmp) / "dt.py"), str(src)], capture_output=True, text=True)
            if done.returncode == 0:
                dt = json.loads(done.stdout)
            else:
                print(f"datatrove failed: {done.stderr[-500:]}")

    def share(pred, group) -> str:
        group = list(group)
        return f"{100 * sum(pred(r) for r in group) / max(1, len(group)):5.1f}%"

    groups = {"math": [r for r in rows if r["label"] == "math"],
              "non-math en": [r for r in rows if r["label"] == "non_math" and r["lang"] == "en"],
              "non-math other": [r for r in rows if r["label"] == "non_math" and r["lang"] != "en"]}
    print("\nshare of pages dropped, per rule family (ours math-aware | ours as plain text | datatrove)")
    print(f"{'rule':18s} " + " ".join(f"{g + f' ({len(v)})':>30s}" for g, v in groups.items()))
    for fam in (*FAMILIES, "any"):
        cells = []
        for g, members in groups.items():
            if fam == "any":
                a, p = share(lambda r: not ours[r["id"]].keep, members), share(lambda r: not plain[r["id"]].keep, members)
                d = share(lambda r: not all(v[0] for v in dt["decisions"][r["id"]].values()), members) if dt else "   - "
            else:
                a = share(lambda r: fam in ours[r["id"]].failed, members)
                p = share(lambda r: fam in plain[r["id"]].failed, members)
                d = share(lambda r: not dt["decisions"][r["id"]][fam][0], members) if dt else "   - "
            cells.append(f"{a} | {p} | {d}")
        print(f"{fam:18s} " + " ".join(f"{c:>30s}" for c in cells))
    math_kept = sum(ours[r["id"]].keep for r in groups["math"]) / max(1, len(groups["math"]))
    print(f"\nmath pages kept by the default (math-aware) filters: {100 * math_kept:.1f}% (target >= 95%)")
    table = ["| pages dropped by any rule | " + " | ".join(f"{g} ({len(v)})" for g, v in groups.items()) + " |",
             "| --- | " + " | ".join("---" for _ in groups) + " |"]
    for label, verdicts in (("curate (math-aware)", ours), ("the same rules on plain text", plain)):
        table.append(f"| {label} | " + " | ".join(share(lambda r: not verdicts[r["id"]].keep, v).strip()
                                                 for v in groups.values()) + " |")
    if dt:
        table.append("| datatrove's four filters | " + " | ".join(
            share(lambda r: not all(x[0] for x in dt["decisions"][r["id"]].values()), v).strip()
            for v in groups.values()) + " |")
    if dt:
        en = groups["non-math en"]
        agree = sum(ours[r["id"]].keep == all(v[0] for v in dt["decisions"][r["id"]].values()) for r in en) / max(1, len(en))
        fam_agree = {f: sum((f not in ours[r["id"]].failed) == dt["decisions"][r["id"]][f][0] for r in en) / max(1, len(en))
                     for f in FAMILIES}
        print(f"agreement with datatrove's four filters on non-math English pages: {100 * agree:.1f}% "
              f"(per family: " + ", ".join(f"{f} {100 * v:.1f}%" for f, v in fam_agree.items()) + ")")
        print(f"throughput: ours {len(rows) / ours_seconds:,.0f} pages/s (all four families measured on every page), "
              f"datatrove {len(rows) / dt['seconds']:,.0f} pages/s (four filters in a row, stopping at the first "
              f"drop): {dt['seconds'] / ours_seconds:.2f}x")
        reasons = Counter(ours[r["id"]].reason for r in groups["math"] if not ours[r["id"]].keep)
        print(f"math pages we drop, by reason: {dict(reasons.most_common(6))}")
        table += ["", f"Agreement with datatrove on non-math English pages: {100 * agree:.1f}%. Throughput: "
                  f"{len(rows) / ours_seconds:,.0f} pages/s against datatrove's {len(rows) / dt['seconds']:,.0f} "
                  f"({dt['seconds'] / ours_seconds:.2f}x)."]
    from benchmarks._report import record

    peer = {"stage": "filters", "input": f"{len(rows)} extracted pages ({len(groups['math'])} math)",
            "ours_s": ours_seconds, "theirs_s": dt["seconds"] if dt else float("nan"),
            "quality": f"math pages kept: ours {100 * math_kept:.0f}%" + (
                f", datatrove {share(lambda r: all(x[0] for x in dt['decisions'][r['id']].values()), groups['math']).strip()}"
                if dt else "")}
    print("PEER " + json.dumps(peer))
    record("filters", "Quality filters on real pages", [f"{len(rows)} extracted pages (Debian documentation, the "
                                                          "shared HTML pages and WARCs).", "", *table, ""])


if __name__ == "__main__":
    main()
