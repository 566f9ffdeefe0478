"""The code corpus as a Prefect flow: one task per input (repository folder, archive or
Parquet file), mapped on Dask; then the near-dedup of all samples as one task."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow, get_run_logger, task, unmapped

from flows._report import finish
from pipelines import code as cp
from curate.io._lock import config_out, holds_root


@task(retries=1, retry_delay_seconds=2, task_run_name="code {source}", cache_policy=None)
def code_task(config: cp.CodeConfig, source: str) -> dict:
    done = cp.process_source(config, source)
    return {"source": source, "status": done.status, "repositories": done.records, "samples": done.pages,
            "rejected": done.rejected, "error": done.error}


@task(cache_policy=None)
def dedup_task(config: cp.CodeConfig) -> int:
    return cp.dedup_samples(config)


@flow(name="code", log_prints=True)
@holds_root("code", config_out)
def code_flow(config: cp.CodeConfig):
    """Order, concatenate and FIM every repository input not yet done, then dedup the samples."""
    todo, skipped = cp.plan(config)
    rows = [f.result() for f in code_task.map(unmapped(config), todo)]
    result = {"inputs": len(rows), "skipped": skipped, "repositories": sum(r["repositories"] for r in rows),
              "samples": sum(r["samples"] for r in rows), "failed": [r["source"] for r in rows if r["error"]]}
    if config.dedup:
        result["duplicates"] = dedup_task.submit(config).result()
    get_run_logger().info("%s", result)
    return finish("code-summary", f"Code samples into {config.out}", result)
