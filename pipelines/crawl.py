"""Scheduled Common Crawl ingestion: which crawls, how many new files a run takes.

Each run lists the configured crawls' WARC paths (``latest`` = the newest crawl in Common
Crawl's crawl list), keeps those the ledger does not list as done (failed ones are retried),
ingests up to ``max_files`` of them, and records every outcome in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from curate.io import latest_crawl
from pipelines._config import build, load_mapping, check_fields
from pipelines.ingest import IngestConfig, IngestSummary
from pipelines.ingest import run as ingest_run
from curate.io._lock import config_out, holds_root


@dataclass(frozen=True)
class CrawlConfig:
    """What a scheduled run ingests (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"max_files": (1, None), "timeout": (0.001, None)}

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

    def __post_init__(self):
        check_fields(self)


@holds_root("crawl", config_out)
def run(config: CrawlConfig, *, progress: bool = False) -> IngestSummary:
    """One run without Prefect: the next ``max_files`` not-yet-ingested paths, in this process."""
    return ingest_run(config.ingest_config(), progress=progress, max_inputs=config.max_files)
