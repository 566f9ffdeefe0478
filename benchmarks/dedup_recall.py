"""Near-dedup recall and precision on real text with planted copies, default verification against
``--no-verify``, in one run.

Documents: real texts (../shared/data/math_text and, when cached, Debian documentation pages
extracted by benchmarks/filters.py), each a *group* with copies at exact 5-gram Jaccard 0.97,
0.9, 0.8 and 0.76 to it (random words replaced), plus a far copy at 0.5 that must stay. Ids are
shuffled so that a group's smallest node is often a farther copy (the case that lost recall when
members were checked against the representative only).

- group recall: share of groups (a document and its copies at Jaccard >= 0.75) that end with
  exactly one kept document (among the group and its near copies: one just below 0.75 may be it);
- precision: share of removed documents that belong to a group (a far copy or another group's
  document removed is a false positive).

    python benchmarks/dedup_recall.py [--groups 400]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from pipelines import dedup as dd  # noqa: E402
from tests.dedup.corpus import plant, real_texts, write_pages  # noqa: E402

LEVELS = (0.97, 0.9, 0.8, 0.76)


def bases(shared: Path, n: int) -> list[str]:
    texts = real_texts(shared, chunk_words=200)
    cache = Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate")) / "bench-filters" / "debian" / "shards"
    if cache.exists():
        texts += [t for (t,) in duckdb.sql(f"SELECT text FROM read_parquet('{cache}/pages/*.parquet') "
                                          "WHERE len(string_split(text, ' ')) BETWEEN 150 AND 3000").fetchall()]
    seen, out = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out[:n]


def corpus(shared: Path, n: int, seed: int = 0) -> tuple[list[dict], dict, set]:
    rng = random.Random(seed)
    rows, groups, far = [], {}, set()
    for g, text in enumerate(bases(shared, n)):
        members = [("base", text, 1.0)] + [(f"c{lvl}", *plant(text, lvl, rng)) for lvl in LEVELS]
        far_text, _ = plant(text, 0.5, rng)
        ids = [f"g{g:05d}-{k}" for k in range(len(members) + 1)]
        rng.shuffle(ids)                                  # the smallest node: any member
        group = set()
        for doc_id, (_, t, j) in zip(ids, members):
            rows.append({"id": doc_id, "url": f"https://site{g}.example/{doc_id}", "text": t, "j": j})
            if j >= 0.75:
                group.add(doc_id)
        rows.append({"id": ids[-1], "url": f"https://far{g}.example/", "text": far_text, "j": 0.5})
        far.add(ids[-1])
        groups[g] = (group, set(ids[:-1]))
    rows.sort(key=lambda r: r["id"])
    return rows, groups, far


def score(out: Path, groups: dict, far: set) -> tuple[float, float, int]:
    """(group recall, precision, removed). A removal is right when the document is a copy of its
    group (any planted copy but the far one, each within the run's 0.7 threshold of its text)."""
    rows = duckdb.sql(f"SELECT id, keep, cluster_id FROM read_parquet('{out}/duplicates/*.parquet')").fetchall()
    kept = {i: k for i, k, _ in rows}
    cluster = {i: c for i, _, c in rows}
    kept_in: dict = {}
    for _, k, c in rows:
        kept_in[c] = kept_in.get(c, 0) + k
    # the group and its near copies end as one cluster with one kept document (a copy just below
    # 0.75 may be it; two real texts that are near-duplicates themselves merge their groups)
    ok = sum(len({cluster[i] for i in copies}) == 1 and kept_in[cluster[next(iter(copies))]] == 1
             for _, copies in groups.values())
    removed = [i for i, k in kept.items() if not k]
    good = sum(i not in far for i in removed)
    return ok / len(groups), good / max(1, len(removed)), len(removed)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--groups", type=int, default=400)
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    rows, groups, far = corpus(Path(args.shared), args.groups)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        half = len(rows) // 2
        docs = [{k: v for k, v in r.items() if k != "j"} for r in rows]
        write_pages(tmp / "in" / "pages" / "a.parquet", docs[:half])
        write_pages(tmp / "in" / "pages" / "b.parquet", docs[half:])
        print(f"{len(rows)} documents: {len(groups)} groups of a text and its copies at Jaccard >= 0.75 "
              f"({sum(len(g) for g, _ in groups.values())} documents), {len(far)} far copies at 0.5")
        table = ["| dedup | group recall | precision | removed | docs/s |", "| --- | --- | --- | --- | --- |"]
        for name, verify in (("default (pairs verified)", True), ("--no-verify", False)):
            t0 = time.monotonic()
            dd.run(dd.DedupConfig(inputs=(str(tmp / "in"),), out=str(tmp / name), verify=verify))
            seconds = time.monotonic() - t0
            recall, precision, removed = score(tmp / name, groups, far)
            if os.environ.get("DEBUG_DEDUP"):
                kept = dict(duckdb.sql(f"SELECT id, keep FROM read_parquet('{tmp / name}/duplicates/*.parquet')").fetchall())
                j = {r["id"]: r["j"] for r in rows}
                bad = [sorted((round(j[i], 3), kept[i]) for i in c) for m, c in groups.values() if sum(kept[i] for i in c) != 1]
                print(bad[:8])
            print(f"{name:26s} group recall {recall:.4f}  precision {precision:.4f}  removed {removed}  "
                  f"{len(rows) / seconds:,.0f} docs/s")
            table.append(f"| {name} | {recall:.4f} | {precision:.4f} | {removed} | {len(rows) / seconds:,.0f} |")
        from benchmarks._report import record

        record("dedup_recall", "Near-dedup recall and precision", [
            f"{len(rows)} documents of real text: {len(groups)} groups of a text and its copies at exact Jaccard "
            ">= 0.75, and a far copy (0.5) of each that must stay.", "", *table, ""])


if __name__ == "__main__":
    main()
