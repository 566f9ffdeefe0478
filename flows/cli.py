"""Command-line entry points that involve Prefect (imported lazily by curate.cli)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from flows import server

PIPELINES = ("ingest", "crawl", "dedup", "decontaminate", "code", "mix", "arxiv", "math", "math-score")


@contextmanager
def prefect_api(start_local: bool) -> Iterator[str | None]:
    """Use $PREFECT_API_URL if set; else start the local server for the duration."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    if not start_local:
        yield None  # ephemeral mode: fine with processes=False
        return
    print("starting a local Prefect server on 127.0.0.1:4200 (first start on a new database takes ~30 s)...")
    ran_before = server.healthy(server.api_url(4200))
    url = server.start(port=4200)
    os.environ.update({**server.QUIET, "PREFECT_API_URL": url})
    try:
        yield url
    finally:
        if not ran_before:
            server.stop()


def _load(pipeline: str, config_path: str):
    if pipeline == "ingest":
        from flows.ingest import ingest_flow
        from pipelines.ingest import IngestConfig

        return ingest_flow, IngestConfig.from_file(config_path)
    if pipeline == "crawl":
        from flows.crawl import CrawlConfig, crawl_ingest

        return crawl_ingest, CrawlConfig.from_file(config_path)
    if pipeline == "dedup":
        from flows.dedup import dedup_flow
        from pipelines.dedup import DedupConfig

        return dedup_flow, DedupConfig.from_file(config_path)
    if pipeline == "decontaminate":
        from flows.dedup import decontam_flow
        from pipelines.decontam import DecontamConfig

        return decontam_flow, DecontamConfig.from_file(config_path)
    if pipeline == "code":
        from flows.code import code_flow
        from pipelines.code import CodeConfig

        return code_flow, CodeConfig.from_file(config_path)
    if pipeline == "mix":
        from flows.mixture import mixture_flow
        from pipelines._mix_spec import load_spec

        return mixture_flow, load_spec(config_path)
    if pipeline == "arxiv":
        from flows.arxiv import arxiv_flow
        from pipelines.arxiv import ArxivConfig

        return arxiv_flow, ArxivConfig.from_file(config_path)
    if pipeline == "math":
        from flows.math_recall import math_recall_flow
        from pipelines.math_recall import RecallConfig

        return math_recall_flow, RecallConfig.from_file(config_path)
    if pipeline == "math-score":
        from flows.math_recall import math_score_flow
        from pipelines.math_score import ScoreConfig

        return math_score_flow, ScoreConfig.from_file(config_path)
    raise SystemExit(f"unknown pipeline {pipeline!r}; choose from {', '.join(PIPELINES)}")


def run_flow(pipeline: str, config_path: str, *, dask_address=None, dask_workers=None, dask_memory=None) -> dict:
    """Run one pipeline as a Prefect flow on Dask."""
    with prefect_api(start_local=dask_address is None):
        from flows._runner import task_runner

        flow, config = _load(pipeline, config_path)
        runner = task_runner(dask_address, dask_workers, dask_memory)
        return flow.with_options(task_runner=runner)(config)


def serve(config_path: str, cron: str, name: str = "crawl-ingest") -> None:
    """Serve the scheduled crawl ingestion (blocks; needs a real server)."""
    if not os.environ.get("PREFECT_API_URL"):
        raise SystemExit("curate serve needs a Prefect server: run `curate server start` and export "
                         "the PREFECT_API_URL it prints")
    from flows.crawl import CrawlConfig, crawl_ingest

    config = CrawlConfig.from_file(config_path)
    crawl_ingest.serve(name=name, cron=cron, parameters={"config": config})


def demo_flow(warc: str, out: str) -> dict:
    """The demo's ingestion through Prefect on a local Dask cluster (2 process workers)."""
    with prefect_api(start_local=True):
        from flows._runner import task_runner
        from flows.ingest import ingest_flow
        from pipelines.ingest import IngestConfig

        return ingest_flow.with_options(task_runner=task_runner(workers=2))(
            IngestConfig(sources=(warc,), out=out))
