"""arXiv figure extraction as a Prefect flow: one task per input (a paper or a bulk tar) on Dask."""

from __future__ import annotations

from prefect import flow, get_run_logger, task, unmapped

from pipelines import arxiv as ax


@task(retries=1, retry_delay_seconds=2, task_run_name="arxiv {source}", cache_policy=None)
def paper_task(config: ax.ArxivConfig, source: str) -> dict:
    done = ax.process_source(config, source)
    return {"source": source, "papers": done.records, "figures": done.pages, "rejected": done.rejected,
            "error": done.error}


@flow(name="arxiv", log_prints=True)
def arxiv_flow(config: ax.ArxivConfig) -> dict:
    """Figure-caption pairs from every input the ledger does not list as done."""
    todo, skipped = ax.plan(config)
    rows = [f.result() for f in paper_task.map(unmapped(config), todo)]
    result = {"inputs": len(rows), "skipped": skipped, "papers": sum(r["papers"] for r in rows),
              "figures": sum(r["figures"] for r in rows), "failed": [r["source"] for r in rows if r["error"]]}
    get_run_logger().info("%s", result)
    return result
