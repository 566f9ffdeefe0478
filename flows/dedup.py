"""Dedup and decontamination as Prefect flows on Dask.

``dedup``: sketching is mapped over input shards and bucketing over key kinds
(each band, exact, url); numbering and the final clustering are single tasks
over files. Every task reads and writes files under the run's work folder and
returns small numbers, so tasks pass paths, never tables. Each step skips work
whose output exists, so a rerun after a crash or a killed worker resumes.

``decontaminate``: one task per input shard, each scanning only the benchmarks
that shard has not been scanned against.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow, get_run_logger, task, unmapped

from flows._report import finish

from pipelines import decontam as dc
from pipelines import dedup as dd
from curate.io._lock import config_out, holds_root


@task(retries=2, retry_delay_seconds=2, task_run_name="sketch shard {i}", cache_policy=None)
def sketch_task(config: dd.DedupConfig, p: dd.Plan, i: int) -> int:
    return dd.sketch_shard(config, p, i)


@task(retries=1, cache_policy=None)
def number_task(config: dd.DedupConfig, p: dd.Plan, sketched: list[int]) -> int:
    return dd.number_nodes(config, p)


@task(retries=2, retry_delay_seconds=2, task_run_name="bucket {kind}", cache_policy=None)
def bucket_task(config: dd.DedupConfig, p: dd.Plan, kind: str, numbered: int) -> int:
    return dd.bucket_edges(config, p, kind)


@task(retries=1, cache_policy=None)
def decide_task(config: dd.DedupConfig, p: dd.Plan, edges: list[int]) -> dict:
    summary = dd.decide(config, p, log=get_run_logger().info)
    return {"run": summary.run, "documents": summary.documents, "kept": summary.kept,
            "removed": summary.removed, "clusters": summary.clusters, "rounds": summary.rounds,
            "s_curve": summary.s_curve}


@task(cache_policy=None)
def report_task(config: dd.DedupConfig, run: str, sample: int) -> dict:
    return dd.quality(config, run, sample=sample)


@flow(name="dedup", log_prints=True)
@holds_root("dedup", config_out)
def dedup_flow(config: dd.DedupConfig, report_sample: int = 400) -> dict:
    """Exact, URL and MinHash-LSH dedup of ``config.inputs`` (see pipelines/dedup.py),
    then a quality report on ``report_sample`` removed pairs (0: none)."""
    log = get_run_logger()
    p = dd.plan(config)
    if dd.is_done(config, p):
        log.info("dedup run %s already done", p.run)
        return {"run": p.run, "skipped": True}
    log.info("dedup run %s: %d shards, %d key kinds", p.run, len(p.shards), len(config.kinds))
    sketched = [f.result() for f in sketch_task.map(unmapped(config), unmapped(p), range(len(p.shards)))]
    numbered = number_task.submit(config, p, sketched).result()
    edges = [f.result() for f in bucket_task.map(unmapped(config), unmapped(p), config.kinds,
                                                  unmapped(numbered))]
    result = decide_task.submit(config, p, edges).result()
    lines = [f"# Dedup run {result['run']}", "",
             f"{result['documents']} documents, {result['kept']} kept, {result['clusters']} clusters, "
             f"{sum(edges)} candidate edges", "", "| reason | documents |", "| --- | ---: |"]
    lines += [f"| {k} | {v} |" for k, v in sorted(result["removed"].items())]
    if report_sample:
        result["quality"] = report_task.submit(config, p.run, report_sample).result()
        lines += ["", "```", dd.format_report(result["quality"]), "```"]
    return finish("dedup-summary", f"dedup {p.run}", result, markdown="\n".join(lines))


@task(retries=2, retry_delay_seconds=2, task_run_name="decontaminate {shard}", cache_policy=None)
def scan_task(config: dc.DecontamConfig, shard: str, keys: list[str]) -> dict:
    benches = [b for b in dc.select_benchmarks(config) if b.key in keys]
    done = dc.scan_shard(config, shard, benches, dc.build_index(config, benches))
    return {"documents": done.records, "contaminated": done.rejected, "by_benchmark": done.reasons,
            "error": done.error}


@flow(name="decontaminate", log_prints=True)
@holds_root("decontaminate", config_out)
def decontam_flow(config: dc.DecontamConfig):
    """Scan every shard against the benchmarks it has not seen yet."""
    todo, skipped, benches = dc.plan(config)
    futures = scan_task.map(unmapped(config), [s for s, _ in todo], [[b.key for b in m] for _, m in todo])
    rows = [f.result() for f in futures]
    out = {"shards": len(rows), "skipped": skipped, "documents": sum(r["documents"] for r in rows),
           "contaminated": sum(r["contaminated"] for r in rows), "by_benchmark": {},
           "failed": [s for (s, _), r in zip(todo, rows) if r["error"]]}
    for r in rows:
        for k, v in r["by_benchmark"].items():
            out["by_benchmark"][k] = out["by_benchmark"].get(k, 0) + v
    get_run_logger().info("%s", out)
    return finish("decontaminate-summary", f"Decontamination into {config.out}", out)
