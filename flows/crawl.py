"""Scheduled Common Crawl ingestion as a Prefect flow (the crawl job's steps, on Dask).

Each run lists the configured crawls' WARC paths (``latest`` = the newest crawl
in Common Crawl's crawl list), keeps those the ledger does not list as done
(failed ones are retried), ingests up to ``max_files`` of them, and records
every outcome in the ledger (``curate query "SELECT * FROM ledger" --root OUT``).

Serve on a schedule: ``curate serve crawl --config crawl.toml --cron "0 3 * * *"``.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines.crawl import STEPS, CrawlConfig

__all__ = ["CrawlConfig", "crawl_ingest"]


@flow(name="crawl", log_prints=True)
@holds_root(root_policy("crawl"), config_out)
def crawl_ingest(config: CrawlConfig):
    """One scheduled run: the next ``max_files`` not-yet-ingested WARC paths."""
    return run_steps(STEPS, config, task_retries=config.task_retries)
