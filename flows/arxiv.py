"""arXiv figure extraction as a Prefect flow: one task per input (a paper or a bulk tar) on Dask."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow, get_run_logger, task, unmapped

from flows._report import finish
from pipelines import arxiv as ax
from curate.io._lock import config_out, holds_root


@task(retries=1, retry_delay_seconds=2, task_run_name="arxiv {source}", cache_policy=None)
def paper_task(config: ax.ArxivConfig, source: str) -> dict:
    done = ax.process_source(config, source)
    return {"source": source, "papers": done.records, "figures": done.pages, "rejected": done.rejected,
            "error": done.error}


@flow(name="arxiv", log_prints=True)
@holds_root("arxiv", config_out)
def arxiv_flow(config: ax.ArxivConfig):
    """Figure-caption pairs from every input the ledger does not list as done."""
    todo, skipped = ax.plan(config)
    rows = [f.result() for f in paper_task.map(unmapped(config), todo)]
    result = {"inputs": len(rows), "skipped": skipped, "papers": sum(r["papers"] for r in rows),
              "figures": sum(r["figures"] for r in rows), "failed": [r["source"] for r in rows if r["error"]]}
    get_run_logger().info("%s", result)
    return finish("arxiv-summary", f"arXiv figures into {config.out}", result)
