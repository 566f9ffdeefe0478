"""Math recall quality from a small real seed, with the defaults, on real labelled pages.

Corpus: Debian's documentation packages (tests/debian_docs.py): Sphinx sites whose HTML marks
every formula. A page with >= 3 formulas is ``math``, one with none (and no MathJax/MathML) is
``non_math``; pages with 1-2 formulas stay in the pool but out of every figure. The pages are
written to a WARC and ingested by ``curate ingest``; a fixed 40% of them (by URL hash) is kept
out of the recall inputs altogether: the figures are measured on those, pages no round trained
on or selected from.

Seed: the real-analysis textbook chapters of ../shared/data/math_text/positive (LaTeX, cut
into chunks of 400 words: about 200 texts). Recall runs with the defaults (``policy = "auto"``)
for one and two rounds; each round's model scores the held-out pages and is judged at its
operating threshold. The baseline is the same loop at DeepSeekMath's fixed settings (dim 256,
lr 0.1, epoch 3, bucket 200k, threshold 0.5, whole-page scores, classes balanced by sampling
down), i.e. what the README's defaults were.

    python benchmarks/math_quality.py [--rounds 2] [--large 100000]

``--large N`` also trains on N examples per class (windows of the pool's pages and the seed,
sampled with replacement) to show DeepSeekMath's settings in force at scale, with its time.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402

from curate import classify  # noqa: E402
from pipelines.math_recall import MathRecallConfig, run  # noqa: E402
from tests import debian_docs  # noqa: E402
from tests.conftest import SHARED  # noqa: E402

#: pages per package and label (all math pages of the math sites, a spread of plain ones)
SPEC = {"python-sympy-doc": {"math": 118, "non_math": 120, "some": 20},
        "python-mpmath-doc": {"math": 26, "non_math": 7},
        "python-scipy-doc": {"math": 477, "non_math": 600, "some": 60},
        "python-sklearn-doc": {"math": 127, "non_math": 7, "some": 60},
        "python3.11-doc": {"non_math": 500},
        "python-pandas-doc": {"non_math": 800, "math": 8},
        "r-doc-html": {"non_math": 14}}
EVAL_SHARE = 0.4
BASELINE = dict(dim=256, lr=0.1, epoch=3, bucket=200_000, threshold=0.5, score_chunk_words=None, negative_ratio=1.0,
                train_words=None, allow_weak_model=True)


def corpus(work: Path, spec: dict) -> tuple[Path, Path, dict]:
    """(inputs shard root, eval shard root, labels by url): ingested once, reused from ``work``."""
    labels_file = work / "labels.json"
    if not labels_file.exists():
        pages = debian_docs.sample(spec)
        held = [p for p in pages if debian_docs.split(p, EVAL_SHARE)]
        pool = [p for p in pages if not debian_docs.split(p, EVAL_SHARE)]
        debian_docs.ingest(pool, work / "pool")
        debian_docs.ingest(held, work / "eval")
        labels_file.write_text(json.dumps({p["url"]: p["label"] for p in pages}))
    return work / "pool" / "shards", work / "eval" / "shards", json.loads(labels_file.read_text())


def judge(model_record: dict, threshold: float, eval_root: Path, labels: dict) -> dict:
    rows = duckdb.sql(f"SELECT url, text FROM '{eval_root}/pages/*.parquet' ORDER BY url").fetchall()
    rows = [r for r in rows if labels.get(r[0]) in ("math", "non_math")]
    scores = classify.score(model_record["model"], [r[1] for r in rows], model_record.get("chunk_words"))
    truth = np.array([labels[r[0]] == "math" for r in rows])
    return classify.metrics(scores, truth, threshold)


def recall(name: str, work: Path, pool: Path, rounds: int, **settings) -> list[dict]:
    config = MathRecallConfig(inputs=(str(pool),), out=str(work / name), seed_files=(str(SHARED / "math_text" / "positive"),),
                          policy="auto", max_rounds=rounds, **settings)
    t0 = time.perf_counter()
    try:
        summary = run(config)
    except Exception as exc:                          # a weak model stops the loop: that is a result too
        print(f"  {name}: stopped: {exc}")
        return []
    print(f"  {name}: {len(summary.rounds)} round(s) in {time.perf_counter() - t0:.1f}s")
    out = []
    for row in summary.rounds:
        record = json.loads((Path(config.out) / f"round-{row['round']}" / "model.bin.json").read_text())
        out.append({"row": row, "record": record})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--work", default=str(debian_docs.CACHE / "bench-math-quality"))
    ap.add_argument("--large", type=int, default=0, help="also train on N examples per class")
    args = ap.parse_args(argv)
    work = Path(args.work)
    t0 = time.perf_counter()
    pool, held, labels = corpus(work, SPEC)
    n_eval = duckdb.sql(f"SELECT count(*) FROM '{held}/pages/*.parquet'").fetchall()[0][0]
    counts = {k: sum(1 for u, v in labels.items() if v == k) for k in ("math", "non_math", "some")}
    print(f"corpus: {len(labels)} real pages {counts}, {n_eval} held out of every round "
          f"({time.perf_counter() - t0:.0f}s to build or load)")
    import shutil

    head = f"{'run':<10} {'round':>5} {'model MB':>8} {'train s':>7} {'thresh':>7} {'hold-out P/R':>12} " \
           f"{'| held-out pages: AUC':>21} {'precision':>9} {'recall':>7} {'FPR':>6}"
    lines = [head]
    for name, settings in (("defaults", {}), ("baseline", BASELINE)):
        shutil.rmtree(work / name, ignore_errors=True)
        for r in recall(name, work, pool, args.rounds, **settings):
            row, record = r["row"], r["record"]
            m = judge(record, row["threshold"], held, labels)
            v = record["validation"]
            lines.append(f"{name:<10} {row['round']:>5} {record['model_bytes'] / 1e6:>8.1f} {record['train_seconds']:>7.1f} "
                         f"{row['threshold']:>7.4f} {v['precision']:>6.3f}/{v['recall']:.3f} "
                         f"| {m['auc']:>19.4f} {m['precision']:>9.3f} {m['recall']:>7.3f} {m['fpr']:>6.3f}")
    print("\n".join(lines))
    print("targets on held-out pages (defaults): AUC >= 0.98, FPR <= 0.02, recall >= 0.8")
    if args.large:
        large(args.large, pool)
    return 0


def large(n: int, pool: Path) -> None:
    """DeepSeekMath's settings at ``n`` examples per class: windows of real texts, with replacement."""
    rng = np.random.default_rng(0)
    pos = classify.load_texts([SHARED / "math_text" / "positive"], chunk_words=50)
    neg = [t for (t,) in duckdb.sql(f"SELECT text FROM '{pool}/pages/*.parquet' WHERE NOT has_math").fetchall()]
    neg = [c for t in neg for c in classify.chunk_text(t, 50)]

    total = int(np.ceil(n / 0.9))                       # n per class left after the 10% hold-out

    def windows(texts):
        picks = rng.integers(0, len(texts), total)
        return [texts[i] + " " + texts[(i + 1) % len(texts)] for i in picks]

    import tempfile

    t0 = time.perf_counter()
    record = classify.train_with_validation(windows(pos), windows(neg),
                                            Path(tempfile.mkdtemp(prefix="curate-large-")) / "model.bin", None)
    v = record["validation"]
    print(f"large: {record['train']['per_class']} per class -> {record['params']} (chosen: {record['auto_params']}); "
          f"model {record['model_bytes'] / 1e6:.0f} MB, trained in {record['train_seconds']:.0f}s "
          f"({time.perf_counter() - t0:.0f}s with validation); hold-out AUC {v['auc']}, precision {v['precision']}, "
          f"recall {v['recall']} at {v['threshold']:.4f}")


if __name__ == "__main__":
    sys.exit(main())
