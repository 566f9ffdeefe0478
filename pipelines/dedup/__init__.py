"""Dedup job: page shards in, a ``duplicates`` dataset out (one row per document).

Steps, each resumable (its output file is written atomically and skipped when
present), and each small enough to map on Dask (its flow: flows/jobs.py):

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

import logging

from curate.io import DIRECT
from pipelines._job import Job, Param
from pipelines._steps import Map, Single, Steps, execute as execute_steps
from pipelines.dedup._decide import decide
from pipelines.dedup._plan import ORDER, DedupConfig, DedupSummary, Plan, input_shards, is_done, plan, retire
from pipelines.dedup._steps import bucket_edges, number_nodes, read_batches, sketch_shard
from pipelines.dedup._verify import format_report, quality_report

__all__ = ["JOB", "ORDER", "STEPS", "DedupConfig", "DedupSummary", "Plan", "bucket_edges", "decide", "execute",
           "input_shards", "is_done", "number_nodes", "plan", "quality", "read_batches", "run", "sketch_shard",
           "format_report"]

log = logging.getLogger(__name__)


def quality(config: DedupConfig, run_name: str | None = None, sample: int = 400) -> dict:
    """The quality report of a finished run (see pipelines/dedup/_verify.py)."""
    return quality_report(config.out, run_name or plan(config).run, bands=config.bands, rows=config.rows,
                          ngram=config.ngram, threshold=config.jaccard_threshold, sample=sample, seed=config.seed)


def _plan(config: DedupConfig, state: dict) -> dict:
    p = plan(config, spread=state.get("spread", False))      # set by flows on a cluster of machines
    skip = is_done(config, p)
    if skip and p.supersedes:                # killed after its commit, before the earlier run went
        retire(config, p.supersedes)
    return {"plan": p, "skip": skip}


def _sketch(config: DedupConfig, ctx: dict, shard: int, tick) -> int:
    return sketch_shard(config, ctx["plan"], shard)


def _number(config: DedupConfig, state: dict) -> int:
    return number_nodes(config, state["plan"])


def _bucket(config: DedupConfig, ctx: dict, kind: str, tick) -> int:
    return bucket_edges(config, ctx["plan"], kind)


def _decide(config: DedupConfig, state: dict) -> DedupSummary:
    log.info("%d candidate edges; clustering", sum(state["bucket"]))
    return decide(config, state["plan"], log=log.info)


def _report(config: DedupConfig, state: dict) -> dict:
    return quality(config, state["plan"].run, sample=state["report_sample"])


def _summary(config: DedupConfig, state: dict) -> DedupSummary:
    if state.get("skip"):
        return DedupSummary(run=state["plan"].run, skipped=True)
    summary = state["decide"]
    summary.seconds = state["seconds"]
    summary.edges = sum(state["bucket"])
    summary.quality = state.get("report")
    return summary


STEPS = Steps(
    "dedup", _plan,
    (Map("sketch", _sketch, items=lambda config, state: list(range(len(state["plan"].shards))), context=("plan",),
         label=lambda i: f"shard {i}", retries=2, unit=" shard"),
     Single("number", _number),
     Map("bucket", _bucket, items=lambda config, state: list(config.kinds), context=("plan",), retries=2,
         unit=" kind"),
     Single("decide", _decide),
     # the flow's quality report on ``report_sample`` removed pairs (``curate dedup --report`` locally)
     Single("report", _report, when=lambda config, state: bool(state.get("report_sample")))),
    _summary, result=DedupSummary.result, markdown=lambda config, summary: summary.markdown(),
    title=lambda config: f"Dedup into {config.out}",
)


def execute(config: DedupConfig, *, progress: bool = False, workers: int = 1) -> DedupSummary:
    """Run every step not yet done; ``workers`` processes share the per-shard and per-kind
    steps (its flow maps the same steps on Dask instead). The caller holds the output
    root (:func:`run` does; the code job's dedup task runs under its flow's hold)."""
    return execute_steps(STEPS, config, progress=progress, workers=workers)


JOB = Job(DedupConfig, STEPS, "exact, URL and MinHash-LSH dedup of page shards, across runs", storage=DIRECT,
          positional="inputs",
          params=(Param("report_sample", int, 400, "then a quality report on this many removed pairs (0: none)",
                        local=False),),
          hints=('query "SELECT reason, count(*) FROM duplicates GROUP BY ALL" --root {root}',
                 'query "SELECT id, reason, duplicate_of, duplicate_of_crawl, cluster_size FROM duplicates '
                 'WHERE NOT keep LIMIT 20" --root {root}'),
          example=('inputs = ["shards"]\n'
                   'out = "dedup"\n'
                   'index = "dedup-index"   # shared by later crawls\n'))
# The run holding the output root. A cross-run index may be on object storage (``index =
# "s3://..."``): each machine reads it from a copy in its cache, and the new generation is
# uploaded before the manifest that names it (see curate/dedup/_index.py).
run = JOB.run
