"""Scheduled Common Crawl ingestion: which crawls, how many new files a run takes.

Each run lists the configured crawls' WARC paths (``latest`` = the newest crawl in Common
Crawl's crawl list), keeps those the ledger does not list as done (failed ones are retried),
ingests up to ``max_files`` of them, and records every outcome in the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

from curate.io import config_out, holds_root, latest_crawl
from pipelines.jobs import root_policy
from pipelines import ingest
from pipelines._config import check_fields, from_file
from pipelines._steps import Steps, execute
from pipelines.ingest import IngestConfig, IngestSummary


@dataclass(frozen=True)
class CrawlConfig:
    """What a scheduled run ingests (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"max_files": (1, None), "timeout": (0.001, None), "math_prefilter_threshold": (0, 1)}
    PATHS: ClassVar[tuple] = ('out', 'math_prefilter')            # resolved relative to a config file (the path rule)

    out: str                                # output root, as for ingest
    crawls: tuple[str, ...] = ("latest",)   # crawl ids, or "latest"
    max_files: int = 10                     # inputs per run
    cc_kind: str = "warc"                   # warc or wet paths of each crawl
    cc_base_url: str | None = None          # where crawl files are read; default data.commoncrawl.org
    cc_index_url: str | None = None         # where "latest" is looked up (collinfo.json)
    workers: int = 1                        # extraction processes per task
    timeout: float = 30.0                   # hard per-document extraction timeout, seconds
    task_retries: int = 2                   # Prefect retries of a failed input within one run
    math_prefilter: str | None = None       # fast math recall mode: a recall round's model.bin (see ingest)
    math_prefilter_threshold: float = 0.1   # fast mode's recall-safe cut (benchmarks/math_fast.py)

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> "CrawlConfig":
        return from_file(cls, path, overrides)

    def ingest_config(self) -> IngestConfig:
        crawls = tuple(latest_crawl(self.cc_index_url) if c == "latest" else c for c in self.crawls)
        return IngestConfig(sources=crawls, out=self.out, cc_kind=self.cc_kind, cc_base_url=self.cc_base_url,
                            workers=self.workers, timeout=self.timeout, math_prefilter=self.math_prefilter,
                            math_prefilter_threshold=self.math_prefilter_threshold)

    def __post_init__(self):
        check_fields(self)


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


@holds_root(root_policy("crawl"), config_out)
def run(config: CrawlConfig, *, progress: bool = False) -> IngestSummary:
    """One run without Prefect: the next ``max_files`` not-yet-ingested paths, in this process."""
    return execute(STEPS, config, progress=progress)
