"""Scheduled Common Crawl ingestion.

Each run lists the configured crawls' WARC paths (``latest`` = the newest crawl
in Common Crawl's crawl list), keeps those the ledger does not list as done
(failed ones are retried), ingests up to ``max_files`` of them, and records
every outcome in the ledger (``curate query "SELECT * FROM ledger" --root OUT``).

Serve on a schedule: ``curate serve crawl --config crawl.toml --cron "0 3 * * *"``.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow, get_run_logger

from flows.ingest import ingest_sources
from pipelines.crawl import CrawlConfig
from pipelines.ingest import plan
from curate.io._lock import config_out, holds_root

__all__ = ["CrawlConfig", "crawl_ingest"]


@flow(name="crawl", log_prints=True)
@holds_root("crawl", config_out)
def crawl_ingest(config: CrawlConfig):
    """One scheduled run: the next ``max_files`` not-yet-ingested WARC paths."""
    ingest = config.ingest_config()
    get_run_logger().info("crawls: %s", ", ".join(ingest.sources))
    todo, skipped = plan(ingest, max_inputs=config.max_files)
    return ingest_sources(todo, skipped, ingest, f"Crawl ingest of {', '.join(ingest.sources)}",
                          retries=config.task_retries, key="crawl-summary")
