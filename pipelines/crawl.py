"""Scheduled Common Crawl ingestion: which crawls, how many new files a run takes.

Each run lists the configured crawls' WARC paths (``latest`` = the newest crawl in Common
Crawl's crawl list), keeps those the ledger does not list as done (failed ones are retried),
ingests up to ``max_files`` of them, and records every outcome in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar

from curate.io import MIRRORED, latest_crawl
from pipelines import ingest
from pipelines._job import Job
from pipelines._steps import Steps
from pipelines.ingest import ExtractSettings, IngestConfig


@dataclass(frozen=True, kw_only=True)
class CrawlConfig(ExtractSettings):
    """What a scheduled run ingests (TOML/YAML keys have the same names; how each file is
    ingested is set by the ingest keys below, shared with ``ingest``)."""
    RANGES: ClassVar[dict] = {**ExtractSettings.RANGES, "max_files": (1, None)}

    crawls: tuple[str, ...] = ("latest",)   # crawl ids, or "latest"
    max_files: int = 10                     # inputs per run
    cc_index_url: str | None = None         # where "latest" is looked up (collinfo.json)
    task_retries: int = 2                   # Prefect retries of a failed input within one run

    def ingest_config(self) -> IngestConfig:
        crawls = tuple(latest_crawl(self.cc_index_url) if c == "latest" else c for c in self.crawls)
        return IngestConfig(sources=crawls, **self.extract_settings())


def _plan(config: CrawlConfig, state: dict) -> dict:
    crawl = config.ingest_config()
    todo, skipped = ingest.plan(crawl, max_inputs=config.max_files)
    return {"todo": todo, "skipped": skipped, "ingest_config": crawl}


def _ingest(config: CrawlConfig, ctx: dict, source, tick):
    return ingest.ingest_one(source, ctx["ingest_config"], on_record=tick)


# The ingest job's steps, planned from the crawl list and capped at max_files per run.
_INGEST = ingest.STEPS.steps[0]
STEPS = Steps("crawl", _plan, (replace(_INGEST, fn=_ingest, context=("ingest_config",)),), ingest.STEPS.finish,
              result=ingest.STEPS.result, markdown=ingest.STEPS.markdown,
              title=lambda config: f"Crawl ingest into {config.out}")


JOB = Job(CrawlConfig, STEPS, "the next new files of Common Crawl crawls -> page shards (for schedules)",
          storage=MIRRORED, shares=("ingest",), hints=('query "SELECT source, status, pages, rejected FROM ledger" --root {root}',),
          example=('out = "shards"\n'
                   'crawls = ["CC-MAIN-2024-22"]\n'
                   'max_files = 5\n'))
run = JOB.run
