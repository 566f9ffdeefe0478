"""Scheduled Common Crawl ingestion.

Each run lists the configured crawls' WARC paths (``latest`` = the newest crawl
in Common Crawl's crawl list), keeps those the ledger does not list as done
(failed ones are retried), ingests up to ``max_files`` of them, and records
every outcome in the ledger (``curate query "SELECT * FROM ledger" --root OUT``).

Serve on a schedule: ``curate serve --config crawl.toml --cron "0 3 * * *"``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from prefect import flow, get_run_logger

from curate.io import latest_crawl
from flows.ingest import ingest_sources
from pipelines._config import build, load_mapping
from pipelines.ingest import IngestConfig, plan


@dataclass(frozen=True)
class CrawlConfig:
    """What a scheduled run ingests (TOML/YAML keys have the same names)."""

    out: str
    crawls: tuple[str, ...] = ("latest",)   # crawl ids, or "latest"
    max_files: int = 10                     # inputs per run
    cc_kind: str = "warc"
    cc_base_url: str | None = None
    cc_index_url: str | None = None         # where "latest" is looked up (collinfo.json)
    workers: int = 1                        # extraction processes per task
    timeout: float = 30.0
    task_retries: int = 2                   # Prefect retries of a failed input within one run

    @classmethod
    def from_file(cls, path: str | Path) -> "CrawlConfig":
        return build(cls, load_mapping(path))

    def ingest_config(self) -> IngestConfig:
        crawls = tuple(latest_crawl(self.cc_index_url) if c == "latest" else c for c in self.crawls)
        return IngestConfig(sources=crawls, out=self.out, cc_kind=self.cc_kind, cc_base_url=self.cc_base_url,
                            workers=self.workers, timeout=self.timeout)


@flow(name="crawl-ingest", log_prints=True)
def crawl_ingest(config: CrawlConfig) -> dict:
    """One scheduled run: the next ``max_files`` not-yet-ingested WARC paths."""
    ingest = config.ingest_config()
    get_run_logger().info("crawls: %s", ", ".join(ingest.sources))
    todo, skipped = plan(ingest, max_inputs=config.max_files)
    return ingest_sources(todo, skipped, ingest, f"Crawl ingest of {', '.join(ingest.sources)}",
                          retries=config.task_retries)
