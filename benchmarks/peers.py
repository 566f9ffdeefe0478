"""curate side by side with datatrove 0.10.1, one run: ingest, near-dedup, tokenization and
quality filters on the same inputs, with the ratio (datatrove's time / ours), what each kept and
the quality figures; writes its section of docs/benchmarks.md (and the delegated benchmarks theirs).

- ingest: ``--ingest-records`` real HTML pages (the shared pages and the HTML responses of the
  shared WARCs) in 4 WARCs. curate: ``curate ingest --workers 0`` (in-process, as datatrove's one
  task) and ``--workers 1``. datatrove: WarcReader -> Trafilatura(markdown, what we write) ->
  ParquetWriter, one task; timed with the payload type taken from the HTTP header (like with
  like), counted also as shipped (libmagic guesses the type when a WARC has no
  WARC-Identified-Payload-Type). Then every shared WARC file as found (damaged ones too), one run
  per file each: what each keeps, and where it fails.
- dedup: real texts cut into ``--dedup-words``-word documents, each with copies at exact 5-gram
  Jaccard 0.97/0.9/0.8/0.76 and a far copy (0.5) that must stay (benchmarks/dedup_recall.py's
  construction); past the real pieces, far variants of them (Jaccard 0.3) as new groups, up to
  ``--dedup-docs``. curate: ``curate dedup --workers 2``. datatrove: its four MinHash stages on 2
  workers. Group recall and precision of both.
- tokenize, filters: benchmarks/tokenize_peer.py and benchmarks/filters.py, run from here.

Each timed pair runs ``--rounds`` times interleaved; the median counts. Without datatrove (its
venv cannot be made: no registry) it says so and prints our side only.

    python benchmarks/peers.py [--stages ingest,dedup,tokenize,filters] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STAGES = ("ingest", "dedup", "tokenize", "filters")

_DT_INGEST = """
import sys
import datatrove.pipeline.readers.warc as w
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.extractors import Trafilatura
from datatrove.pipeline.readers import WarcReader
from datatrove.pipeline.writers import ParquetWriter
src, out, logs, like = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "like"
shipped = w.process_record
def typed(record):
    # like with like: the payload type Common Crawl's WARCs carry, from the HTTP header
    if like and record.rec_type == "response" and record.http_headers is not None \\
            and not record.rec_headers.get("WARC-Identified-Payload-Type"):
        kind = (record.http_headers.get_header("Content-Type") or "").split(";")[0].strip().lower()
        if kind:
            record.rec_headers.add_header("WARC-Identified-Payload-Type", kind)
    return shipped(record)
w.process_record = typed
LocalPipelineExecutor(pipeline=[WarcReader(src), Trafilatura(output_format="markdown"), ParquetWriter(out)],
                      tasks=1, workers=1, logging_dir=logs).run()
"""

_DT_DEDUP = """
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster, MinhashDedupFilter, MinhashDedupSignature
from datatrove.pipeline.dedup.minhash import MinhashConfig
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
src, work, workers = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = MinhashConfig()
def run(name, pipeline, tasks):
    LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=min(workers, tasks),
                          logging_dir=f"{work}/logs/{name}").run()
run("sigs", [JsonlReader(src), MinhashDedupSignature(f"{work}/sigs", config=cfg)], 2)
run("buckets", [MinhashDedupBuckets(f"{work}/sigs", f"{work}/buckets", config=cfg)], cfg.num_buckets)
run("cluster", [MinhashDedupCluster(f"{work}/buckets", f"{work}/ids", config=cfg)], 1)
run("filter", [JsonlReader(src), MinhashDedupFilter(f"{work}/ids", exclusion_writer=JsonlWriter(f"{work}/removed"))], 2)
"""


def _timed(argv: list[str], **kw) -> float:
    t0 = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, **kw)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed: {done.stderr[-1200:]}")
    return time.monotonic() - t0


def _curate(*argv: str) -> list[str]:
    return [sys.executable, "-m", "curate", *argv]


def _median_pair(rounds: int, ours, theirs) -> tuple[float, float]:
    """Interleaved runs (this machine's speed drifts); the median of each."""
    a, b = [], []
    for r in range(rounds):
        a.append(ours(r))
        b.append(theirs(r))
    return statistics.median(a), statistics.median(b)


def ingest(args, python: Path | None, tmp: Path) -> dict:
    import duckdb

    from benchmarks.scale import _html_pages
    from tests.conftest import warc_bytes

    shared = Path(args.shared)
    pages = _html_pages(shared)
    src = tmp / "warcs"
    src.mkdir()
    per = -(-args.ingest_records // 4)
    for f in range(4):
        chosen = [pages[(f * per + i) % len(pages)] for i in range(per)]
        (src / f"part-{f}.warc.gz").write_bytes(
            warc_bytes([{"url": f"https://s{i % 97}.test/{f}/{i}", "body": b} for i, b in enumerate(chosen)]))
    ours0 = lambda r: _timed(_curate("ingest", str(src), "--out", str(tmp / f"o0-{r}"), "--workers", "0", "-q"))  # noqa: E731
    ours1 = lambda r: _timed(_curate("ingest", str(src), "--out", str(tmp / f"o1-{r}"), "--workers", "1", "-q"))  # noqa: E731
    dt = (lambda r: _timed([str(python), "-c", _DT_INGEST, str(src), str(tmp / f"d-{r}"), str(tmp / f"dl-{r}"),
                            "like"])) if python else (lambda r: float("nan"))
    q = duckdb.connect()
    t_ours, t_dt = _median_pair(args.rounds, ours0, dt)
    t_ours1 = statistics.median(ours1(r) for r in range(args.rounds))
    ours_rows = q.sql(f"SELECT url, has_math FROM read_parquet('{tmp}/o0-0/pages/*.parquet')").fetchall()
    out = {"stage": "ingest", "input": f"4 WARCs, {4 * per:,} real HTML pages (the shared pages and the shared "
                                       "WARCs' HTML responses)",
           "ours_s": t_ours, "ours_one_worker_s": t_ours1, "theirs_s": t_dt, "ours_kept": len(ours_rows)}
    if python:
        _timed([str(python), "-c", _DT_INGEST, str(src), str(tmp / "d-shipped"), str(tmp / "dl-shipped"), "as-shipped"])
        theirs = dict(q.sql(f"SELECT metadata.url, text FROM read_parquet('{tmp}/d-0/*.parquet')").fetchall())
        shipped = q.sql(f"SELECT count(*) FROM read_parquet('{tmp}/d-shipped/*.parquet')").fetchall()[0][0]
        math = [u for u, m in ours_rows if m]
        lost = sum(1 for u in math if u in theirs and not any(c in theirs[u] for c in ("\\", "$")))
        out.update(theirs_kept=len(theirs), theirs_kept_as_shipped=shipped,
                   quality=f"pages: ours {len(ours_rows)}, datatrove {len(theirs)} ({shipped} with libmagic's guess "
                           f"of the type); of our {len(math)} pages with formulas kept as LaTeX, datatrove's text of "
                           f"{lost} has none")
        out["robustness"] = _as_found(shared, python, tmp / "as-found")
    return out


def _as_found(shared: Path, python: Path, tmp: Path) -> str:
    """Each shared WARC file as it is (damaged ones too), one run per file for each tool."""
    import duckdb

    files = sorted(p for p in (shared / "warc").rglob("*") if p.name.endswith((".warc", ".warc.gz")))
    ours_pages = theirs_pages = 0
    failed = []
    for i, f in enumerate(files):
        folder = tmp / f"in-{i}"
        folder.mkdir(parents=True)
        (folder / f.name).symlink_to(f)
        _timed(_curate("ingest", str(folder), "--out", str(tmp / f"o-{i}"), "-q"))
        ours_pages += duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp}/o-{i}/pages/*.parquet')").fetchall()[0][0] \
            if list((tmp / f"o-{i}" / "pages").glob("*.parquet")) else 0
        done = subprocess.run([str(python), "-c", _DT_INGEST, str(folder), str(tmp / f"d-{i}"), str(tmp / f"dl-{i}"),
                               "like"], capture_output=True, text=True)
        if done.returncode != 0:
            failed.append(f.name)
        elif list((tmp / f"d-{i}").glob("*.parquet")):
            theirs_pages += duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp}/d-{i}/*.parquet')").fetchall()[0][0]
    said = (f"the {len(files)} shared WARC files as found, one run per file: curate kept {ours_pages} pages and "
            f"failed on none; datatrove kept {theirs_pages}" + (f" and its task failed on {', '.join(failed)}" if failed
                                                              else ""))
    print(f"   {said}", flush=True)
    return said


def _records(path: Path) -> tuple[int, bool]:
    """(records, intact): records read before any damage, every payload read to its end."""
    from warcio.archiveiterator import ArchiveIterator

    n = 0
    with open(path, "rb") as fh:
        try:
            for record in ArchiveIterator(fh):
                record.content_stream().read()
                n += 1
        except Exception:
            return n, False
    return n, True


def _dedup_corpus(shared: Path, words: int, docs: int = 0, seed: int = 0):
    from benchmarks.dedup_recall import LEVELS, bases
    from tests.dedup.corpus import plant

    rng = random.Random(seed)
    chunks = []
    for text in bases(shared, 100_000):
        w = text.split()
        chunks += [" ".join(w[i:i + words]) for i in range(0, len(w) - words + 1, words)]
    rows, groups, far = [], [], set()
    texts = _distinct(chunks)
    # past the real pieces (``docs``), each again as a far variant (Jaccard 0.3 to it and to the
    # others: below any dedup threshold), so that the corpus grows without new duplicates
    while 6 * len(texts) < docs:
        texts += [plant(t, 0.3, rng)[0] for t in texts[:(docs - 6 * len(texts)) // 6 + 1]]
    for g, text in enumerate(texts):
        members = [(text, 1.0)] + [plant(text, lvl, rng) for lvl in LEVELS]
        ids = [f"g{g:06d}-{k}" for k in range(len(members) + 1)]
        rng.shuffle(ids)                                  # the smallest id: any member
        rows += [{"id": i, "url": f"https://site{g}.example/{i}", "text": t} for i, (t, _) in zip(ids, members)]
        rows.append({"id": ids[-1], "url": f"https://far{g}.example/", "text": plant(text, 0.5, rng)[0]})
        groups.append(({i for i, (_, j) in zip(ids, members) if j >= 0.75}, set(ids[:-1])))
        far.add(ids[-1])
    rows.sort(key=lambda r: r["id"])
    return rows, groups, far


def _distinct(texts: list[str]) -> list[str]:
    """Texts sharing no more than a tenth of their 5-grams with an earlier one: real sources repeat
    boilerplate, and two bases that are copies of each other would merge their groups."""
    from tests.dedup.corpus import shingles

    seen: dict[int, int] = {}
    out = []
    for text in texts:
        grams = {hash(g) for g in shingles(text)}
        shared: dict[int, int] = {}
        for h in grams:
            if h in seen:
                shared[seen[h]] = shared.get(seen[h], 0) + 1
        if not grams or max(shared.values(), default=0) > len(grams) / 10:
            continue
        for h in grams:
            seen.setdefault(h, len(out))
        out.append(text)
    return out


def _score(removed: set, groups: list, far: set) -> tuple[float, float]:
    """(group recall, precision). A group (a text and its copies at exact Jaccard >= 0.75) must end
    with one kept document; a planted copy just below 0.75 may be that one. A removal is right when
    it is not a far copy."""
    recall = sum(len(strict - removed) == 1 or (not strict - removed and len(near - removed) == 1)
                 for strict, near in groups) / len(groups)
    return recall, sum(i not in far for i in removed) / max(1, len(removed))


def dedup(args, python: Path | None, tmp: Path) -> dict:
    import duckdb

    from tests.dedup.corpus import write_pages

    rows, groups, far = _dedup_corpus(Path(args.shared), args.dedup_words, args.dedup_docs)
    half = len(rows) // 2
    write_pages(tmp / "in" / "pages" / "a.parquet", rows[:half])
    write_pages(tmp / "in" / "pages" / "b.parquet", rows[half:])
    (tmp / "jsonl").mkdir()
    for name, part in (("a", rows[:half]), ("b", rows[half:])):
        with open(tmp / "jsonl" / f"{name}.jsonl", "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps({"id": r["id"], "text": r["text"]}) + "\n" for r in part)
    ours = lambda r: _timed(_curate("dedup", str(tmp / "in"), "--out", str(tmp / f"o-{r}"), "--workers", "2", "-q"))  # noqa: E731
    dt = (lambda r: _timed([str(python), "-c", _DT_DEDUP, str(tmp / "jsonl"), str(tmp / f"d-{r}"), "2"])) \
        if python else (lambda r: float("nan"))
    t_ours, t_dt = _median_pair(args.rounds, ours, dt)
    removed = {i for (i,) in duckdb.sql(f"SELECT id FROM read_parquet('{tmp}/o-0/duplicates/*.parquet') "
                                        "WHERE NOT keep").fetchall()}
    r_ours, p_ours = _score(removed, groups, far)
    out = {"stage": "dedup", "input": f"{len(rows):,} documents ({len(groups):,} groups of {args.dedup_words}-word "
                                      "real texts and copies, a far copy each)",
           "ours_s": t_ours, "theirs_s": t_dt, "ours_recall": r_ours, "ours_precision": p_ours,
           "quality": f"group recall / precision: ours {r_ours:.3f} / {p_ours:.3f}"}
    if python:
        theirs = {i for (i,) in duckdb.sql(f"SELECT id FROM read_json('{tmp}/d-0/removed/*.jsonl.gz')").fetchall()}
        r_dt, p_dt = _score(theirs, groups, far)
        out.update(theirs_recall=r_dt, theirs_precision=p_dt, quality=out["quality"] + f", datatrove {r_dt:.3f} / {p_dt:.3f}")
    return out


def delegated(name: str, argv: list[str]) -> dict:
    """Run benchmarks/<name>.py (it records its own section) and read its ``PEER {json}`` line."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / f"{name}.py"), *argv], capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    sys.stdout.write("".join(f"    {line}\n" for line in done.stdout.splitlines() if not line.startswith("PEER ")))
    if done.returncode != 0:
        raise SystemExit(f"benchmarks/{name}.py failed: {done.stderr[-1200:]}")
    return json.loads(next(line[5:] for line in reversed(done.stdout.splitlines()) if line.startswith("PEER ")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stages", default=",".join(STAGES))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--dedup-words", type=int, default=400,
                    help="words per dedup base document (a typical web page: 400-500)")
    ap.add_argument("--dedup-docs", type=int, default=100_000, help="documents at least (real pieces, then variants)")
    ap.add_argument("--ingest-records", type=int, default=3_600, help="HTML pages in the ingest WARCs")
    ap.add_argument("--tokenize-mb", type=int, default=60)
    ap.add_argument("--dtvenv", default=os.environ.get("CURATE_DTVENV", "/tmp/dtvenv"))
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    stages = [s for s in args.stages.split(",") if s]
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise SystemExit(f"peers.py: unknown stage(s) {', '.join(sorted(unknown))} (choose from {', '.join(STAGES)})")
    from benchmarks.filters import datatrove_venv

    python = datatrove_venv(Path(args.dtvenv))
    if python is None:
        print("datatrove could not be installed here: our side only, no ratios")
    results = []
    with tempfile.TemporaryDirectory(prefix="curate-peers-") as tmp:
        for stage in stages:
            print(f"== {stage}", flush=True)
            work = Path(tmp) / stage
            work.mkdir()
            if stage == "ingest":
                res = ingest(args, python, work)
            elif stage == "dedup":
                res = dedup(args, python, work)
            elif stage == "tokenize":
                res = delegated("tokenize_peer", ["--mb", str(args.tokenize_mb), "--dtvenv", args.dtvenv])
            else:
                res = delegated("filters", ["--dtvenv", args.dtvenv])
            res["ratio"] = res["theirs_s"] / res["ours_s"] if res.get("theirs_s") == res.get("theirs_s") else None
            print(f"   {res['input']}\n   curate {res['ours_s']:.1f}s, datatrove {res['theirs_s']:.1f}s: "
                  f"{res['ratio'] or float('nan'):.2f}x; {res.get('quality', '')}", flush=True)
            results.append(res)
    from benchmarks._report import record

    table = ["| stage | input | curate s | datatrove s | ratio | outputs |", "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        ratio = f"**{r['ratio']:.2f}x**" if r["ratio"] else "-"
        table.append(f"| {r['stage']} | {r['input']} | {r['ours_s']:.1f} | {r['theirs_s']:.1f} | {ratio} | "
                     f"{r.get('quality', '')} |")
    if any(r["stage"] == "ingest" for r in results):
        i = next(r for r in results if r["stage"] == "ingest")
        table += ["", f"Ingest with one extraction process (hard per-page timeout) instead of in-process: "
                      f"{i['ours_one_worker_s']:.1f}s ({i['theirs_s'] / i['ours_one_worker_s']:.2f}x)."]
        if i.get("robustness"):
            table += ["", f"Ingest, {i['robustness']}."]
    if set(stages) != set(STAGES):
        print("(some stages only: docs/benchmarks.md keeps the last full run)")
        return
    record("peers", "Side by side with datatrove 0.10.1",
           [f"Ratio: datatrove's time / ours, median of {args.rounds} interleaved runs (tokenize, filters: one run "
            "each, by their own benchmarks below).", "", *table, ""])


if __name__ == "__main__":
    main()
