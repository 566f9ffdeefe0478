"""Exact Jaccard for duplicate pairs: optional verification and the quality report.

MinHash only estimates Jaccard similarity. Verification recomputes it exactly
(same shingles, as sets of 64-bit n-gram hashes) for every removed document
against its representative, and keeps documents below ``jaccard_threshold``.
The quality report samples removed documents and estimates

* precision: the share of sampled pairs whose exact Jaccard reaches the threshold
  (with a 95% Wilson interval), and
* recall: each found pair of Jaccard ``s`` stands for ``1/P(s)`` true pairs, where
  ``P(s) = 1-(1-s^r)^b`` is the LSH candidate probability; recall is then
  ``found / sum(1/P(s))`` over sampled pairs at or above the threshold
  (inverse-probability weighting under the S-curve). It does not see pairs that
  LSH never proposed and that no chain links, which is what it estimates.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict

import numpy as np
import pyarrow as pa

from curate.dedup import candidate_probability, ngrams, words
from curate.io import committed, parquet_file, write_file
from curate.query import files_sql, reader


def shingle_sets(locations: list[tuple[str, int]], ngram: int, batch: int = 2_000) -> dict[tuple[str, int], np.ndarray]:
    """Sorted unique n-gram hashes of the documents at (shard path, row), one shard read at a time."""
    by_shard: dict[str, list[int]] = defaultdict(list)
    for shard, row in set(locations):
        by_shard[shard].append(row)
    out = {}
    for shard in sorted(by_shard):
        rows = np.array(sorted(by_shard[shard]), np.int64)
        pf = parquet_file(shard)                   # local or s3://
        bounds = np.cumsum([0] + [pf.metadata.row_group(g).num_rows for g in range(pf.metadata.num_row_groups)])
        group_of = np.searchsorted(bounds, rows, side="right") - 1
        # one row group at a time, each read once, only those holding wanted rows: memory stays
        # flat (words() needs 16 bytes per text byte while it hashes) however large the run
        for g in np.unique(group_of):
            part = rows[group_of == g]
            column = pf.read_row_group(int(g), columns=["text"]).column("text")
            for start in range(0, len(part), batch):
                some = part[start:start + batch]
                keys, counts, _ = ngrams(words(column.take(pa.array(some - bounds[g]))), ngram)
                ends = np.cumsum(counts)
                for row, end, count in zip(some.tolist(), ends, counts):
                    out[(shard, row)] = np.unique(keys[end - count:end])
    return out


def pair_jaccards(pairs: list[tuple[str, int, str, int]], ngram: int, chunk: int = 10_000) -> list[float]:
    """Exact Jaccard of each (shard, row, other shard, other row) pair, in chunks of ``chunk`` pairs."""
    result = []
    for start in range(0, len(pairs), chunk):
        part = pairs[start:start + chunk]
        sets = shingle_sets([(s, r) for s, r, _, _ in part] + [(s, r) for _, _, s, r in part], ngram)
        for s, r, s2, r2 in part:
            a, b = sets[(s, r)], sets[(s2, r2)]
            inter = len(np.intersect1d(a, b, assume_unique=True))
            union = len(a) + len(b) - inter
            result.append(inter / union if union else 1.0)
    return result


def _wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 1.0)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def quality_report(out: str, run: str, *, bands: int, rows: int, ngram: int, threshold: float,
                   sample: int = 400, seed: int = 0) -> dict:
    """Precision and estimated recall of run ``run``'s near-duplicate decisions (see module doc).

    Written to ``<out>/_reports/dedup-<run>.json`` and returned.
    """
    con = reader([out])
    dup = f"read_parquet({files_sql(committed(out, 'duplicates'))})"
    pairs = con.execute(f"""
        SELECT d.source_shard, d.source_row, r.source_shard, r.source_row
        FROM {dup} d JOIN {dup} r ON r.node = d.cluster_id AND r.run = d.run
        WHERE d.run = ? AND d.reason = 'near_duplicate'
        ORDER BY hash(d.node + ?), d.node LIMIT ?""", [run, seed, sample]).fetchall()
    total = con.execute(f"SELECT count(*) FROM {dup} WHERE run = ? AND reason = 'near_duplicate'",
                        [run]).fetchall()[0][0]
    con.close()
    js = np.array(pair_jaccards(pairs, ngram)) if pairs else np.zeros(0)
    good = int((js >= threshold).sum())
    above = js[js >= threshold]
    weights = 1.0 / np.maximum(candidate_probability(above, bands, rows), 1e-9)
    report = {
        "run": run, "threshold": threshold, "bands": bands, "rows": rows,
        "near_duplicates": int(total), "sampled": len(js),
        "precision": good / len(js) if len(js) else None,
        "precision_95": list(_wilson(good, len(js))),
        "estimated_recall": float(len(above) / weights.sum()) if len(above) else None,
        "jaccard_histogram": {f"{lo:.1f}": int(((js >= lo) & (js < lo + 0.1)).sum())
                              for lo in np.round(np.arange(0.0, 1.0, 0.1), 1)},
        "mean_jaccard": float(js.mean()) if len(js) else None,
    }
    write_file(out, f"_reports/dedup-{run}.json", json.dumps(report, indent=1).encode())
    return report


def format_report(report: dict) -> str:
    if not report["sampled"]:
        return f"quality report {report['run']}: no near-duplicates to sample"
    lo, hi = report["precision_95"]
    hist = " ".join(f"{k}:{v}" for k, v in report["jaccard_histogram"].items() if v)
    return (f"quality report {report['run']} ({report['sampled']} of {report['near_duplicates']} near-duplicates "
            f"sampled, exact Jaccard vs representative):\n"
            f"  precision at {report['threshold']}: {report['precision']:.3f} (95% {lo:.3f}-{hi:.3f})\n"
            f"  estimated recall (S-curve weighting): {report['estimated_recall'] or 0:.3f}\n"
            f"  Jaccard histogram: {hist}")
