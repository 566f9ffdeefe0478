"""Ingestion as a Prefect flow: one task per input file, mapped on Dask.

The ledger under the output root is the source of truth for what is done: a
rerun after a crash or a killed worker maps only the inputs without a
completion record, so no row is missed or written twice. Prefect's result
cache is not used.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

import time
from dataclasses import asdict

from prefect import flow, get_run_logger, task, unmapped

from flows._report import finish

from curate.io import Completion, Source
from curate.io._ledger import FAILED
from pipelines.ingest import IngestConfig, IngestSummary, ingest_one, plan
from curate.io._lock import config_out, holds_root


class InputFailed(Exception):
    """Raised by a task whose input failed, so Prefect retries it."""


@task(retries=2, retry_delay_seconds=5, task_run_name="ingest {source.key}", cache_policy=None)
def ingest_input(source: Source, config: IngestConfig) -> dict:
    """Ingest one input file; returns its completion record as a small dict."""
    done = ingest_one(source, config)
    if done.status == FAILED:
        raise InputFailed(f"{source.uri}: {done.error}")
    record = asdict(done)
    record.pop("shards", None)
    return record


def summary_markdown(title: str, rows: list[dict], summary: IngestSummary) -> str:
    """The run's summary table (one line per input), for a Prefect artifact."""
    lines = [f"# {title}", "",
             f"{summary.inputs} inputs processed, {summary.skipped} already done, {len(summary.failed)} failed; "
             f"{summary.records} records, {summary.pages} pages, {summary.rejected} rejected, "
             f"{summary.pages / summary.seconds if summary.seconds else 0:.1f} pages/s", "",
             "| input | status | records | pages | rejected | top reasons | seconds |",
             "| --- | --- | ---: | ---: | ---: | --- | ---: |"]
    for row in rows:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(row.get("reasons", {}).items(), key=lambda kv: -kv[1])[:3])
        lines.append(f"| {row['source'].rsplit('/', 1)[-1]} | {row['status']} | {row.get('records', 0)} | "
                     f"{row.get('pages', 0)} | {row.get('rejected', 0)} | {reasons or row.get('error') or ''} | "
                     f"{row.get('seconds', 0):.1f} |")
    return "\n".join(lines)


def ingest_sources(todo: list[Source], skipped: int, config: IngestConfig, title: str,
                   retries: int = 2, key: str = "ingest-summary"):
    """Map ``ingest_input`` over ``todo``, gather stats, publish the artifact; Failed (after
    every input ran) when an input failed."""
    log = get_run_logger()
    t0 = time.monotonic()
    summary = IngestSummary(skipped=skipped)
    mapped = ingest_input.with_options(retries=retries)
    futures = mapped.map(todo, config=unmapped(config))
    rows = []
    for source, future in zip(todo, futures):
        future.wait()
        if future.state.is_completed():
            row = future.result()
        else:
            error = str(future.state.message or "task failed")
            log.warning("input failed after retries: %s: %s", source.uri, error)
            row = {"key": source.key, "source": source.uri, "status": FAILED, "error": error}
        rows.append(row)
        summary.add(Completion(**{k: v for k, v in row.items() if k in Completion.__dataclass_fields__}))
    summary.seconds = time.monotonic() - t0
    log.info("%s", summary.format())
    result = {"inputs": summary.inputs, "skipped": summary.skipped, "pages": summary.pages,
              "rejected": summary.rejected, "failed": [uri for uri, _ in summary.failed],
              "reasons": dict(summary.reasons)}
    return finish(key, title, result, markdown=summary_markdown(title, rows, summary))


@flow(name="ingest", log_prints=True)
@holds_root("ingest", config_out)
def ingest_flow(config: IngestConfig, task_retries: int = 2):
    """Ingest every input of ``config`` that the ledger does not list as done."""
    todo, skipped = plan(config)
    return ingest_sources(todo, skipped, config, f"Ingest into {config.out}", retries=task_retries)
