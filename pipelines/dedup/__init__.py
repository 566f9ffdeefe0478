"""Dedup job: page shards in, a ``duplicates`` dataset out (one row per document).

Steps, each resumable (its output file is written atomically and skipped when
present), and each small enough to map on Dask (see flows/dedup.py):

1. ``sketch_shard``   per input shard: exact hash, URL hash, MinHash band hashes
                      -> ``_dedup/<run>/sketch/{docs,keys/kind=<k>}/<shard>.parquet``
2. ``number_nodes``   global document numbers in representative order (earliest
                      crawl, then smallest id, by default), after any earlier run
3. ``bucket_edges``   per key kind (each band, exact, url): documents sharing a
                      bucket, including documents of earlier runs from the index
4. ``decide``         connected components (DuckDB, out of core), the duplicates
                      dataset, the index generation, the completion record.

Run without Prefect: ``curate dedup INPUT... --out DIR`` or
``python -m pipelines.dedup --config dedup.toml``.
"""

from __future__ import annotations

import sys
import time

from pipelines._common import config_main, pool_map, progress_bar
from pipelines.dedup._decide import decide
from pipelines.dedup._plan import ORDER, DedupConfig, DedupSummary, Plan, input_shards, is_done, plan
from pipelines.dedup._steps import bucket_edges, number_nodes, sketch_shard
from pipelines.dedup._verify import format_report, quality_report
from curate.io._lock import config_out, holds_root

__all__ = ["ORDER", "DedupConfig", "DedupSummary", "Plan", "bucket_edges", "decide", "input_shards", "is_done",
           "execute", "main", "number_nodes", "plan", "quality", "run", "sketch_shard", "format_report"]


def quality(config: DedupConfig, run_name: str | None = None, sample: int = 400) -> dict:
    """The quality report of a finished run (see pipelines/dedup/_verify.py)."""
    return quality_report(config.out, run_name or plan(config).run, bands=config.bands, rows=config.rows,
                          ngram=config.ngram, threshold=config.jaccard_threshold, sample=sample, seed=config.seed)


def execute(config: DedupConfig, *, progress: bool = False, workers: int = 1, log=None) -> DedupSummary:
    """Run every step not yet done; ``workers`` processes share the per-shard and
    per-kind steps (flows/dedup.py maps the same steps on Dask instead). The caller holds
    the output root (:func:`run` does; the code job's dedup task runs under its flow's hold)."""
    t0 = time.monotonic()
    p = plan(config)
    if is_done(config, p):
        return DedupSummary(run=p.run, skipped=True)
    say = log or (lambda msg: print(msg, file=sys.stderr) if progress else None)
    bar = progress_bar(progress, total=len(p.shards), unit=" shard", desc="sketch")
    docs = 0
    for n in pool_map(sketch_shard, [(config, p, i) for i in range(len(p.shards))], workers):
        docs += n
        bar.update()
        bar.set_postfix(docs=docs, rate=f"{docs / (time.monotonic() - t0):.0f}/s")
    bar.close()
    say(f"numbered {number_nodes(config, p)} documents ({time.monotonic() - t0:.1f}s)")
    edges = sum(pool_map(bucket_edges, [(config, p, kind) for kind in config.kinds], workers))
    say(f"{edges} candidate edges ({time.monotonic() - t0:.1f}s); clustering")
    summary = decide(config, p, log=say)
    summary.seconds = time.monotonic() - t0
    return summary


run = holds_root("dedup", config_out)(execute)


def main(argv: list[str] | None = None) -> int:
    return config_main(argv, "dedup", __doc__, DedupConfig, run)


if __name__ == "__main__":
    sys.exit(main())
