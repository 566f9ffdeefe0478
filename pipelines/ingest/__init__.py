"""Ingestion job: WARC/WET files in, ``pages`` and ``rejected`` Parquet shards out.

Per input: stream records, judge each (keep or reject with a reason), extract
kept HTML in worker processes, write shards through the shard store, then write
the input's completion record. Inputs already completed are skipped, so a rerun
after a crash finishes only the missing work.

Run without Prefect: ``python -m pipelines ingest --config ingest.toml`` or
``curate ingest SOURCE... --out DIR``.
"""

from __future__ import annotations

from curate.io import DIRECT, Completion, FAILED, Ledger, Source, resolve
from pipelines._job import Job, Param
from pipelines._steps import Map, Steps
from pipelines.ingest._config import ExtractSettings, IngestConfig
from pipelines.ingest._input import ingest_one, judge
from pipelines.ingest._summary import IngestSummary

__all__ = ["STEPS", "ExtractSettings", "IngestConfig", "IngestSummary", "JOB", "ingest_one", "judge", "plan", "run"]


def plan(config: IngestConfig, max_inputs: int | None = None) -> tuple[list[Source], int]:
    """(inputs still to do, number already done): the ledger decides, not the caller.

    ``limit`` caps the expanded input list; ``max_inputs`` caps how many of the
    not-yet-done inputs are returned (a scheduled run's batch size).
    """
    sources = resolve(list(config.sources), limit=config.limit, cc_base_url=config.cc_base_url,
                      cc_kind=config.cc_kind)
    ledger = Ledger(config.out)
    todo = [s for s in sources if not ledger.is_done(s.key)]
    return todo[:max_inputs] if max_inputs is not None else todo, len(sources) - len(todo)


def _plan(config: IngestConfig, state: dict) -> dict:
    todo, skipped = plan(config, max_inputs=state.get("max_inputs"))
    return {"todo": todo, "skipped": skipped}


def _ingest(config: IngestConfig, ctx: dict, source: Source, tick) -> Completion:
    return ingest_one(source, config, on_record=tick)


def _failed(source: Source, error: str) -> Completion:
    return Completion(key=source.key, source=source.uri, status=FAILED, error=error)


def _retry_if(done: Completion) -> str | None:
    """A failed input (network gave up, not a WARC) is worth another try within the run."""
    return done.error if done.status == FAILED else None


def _summary(config: IngestConfig, state: dict) -> IngestSummary:
    summary = IngestSummary(skipped=state["skipped"])
    for done in state.get("ingest", []):
        summary.add(done)
    summary.seconds = state["seconds"]
    return summary


def _title(config) -> str:
    return f"Ingest into {config.out}"


STEPS = Steps(
    "ingest", _plan,
    # Inputs run one at a time here: each already spreads its pages over `workers` extraction processes.
    (Map("ingest", _ingest, items=lambda config, state: state["todo"], label=lambda source: source.key,
         failed=_failed, retry_if=_retry_if, retries=2, spread=False, unit=" rec"),),
    _summary, result=IngestSummary.result, title=_title,
    markdown=lambda config, summary: summary.markdown(_title(config)),
)


JOB = Job(IngestConfig, STEPS, "WARC/WET files, URLs or crawl ids -> page shards with lineage", storage=DIRECT, shares=("crawl",),
          positional="sources",
          params=(Param("max_inputs", int | None, None, "at most this many of the inputs not yet done"),
                  Param("task_retries", int, 2, "Prefect retries of a failed input within one run", local=False)),
          hints=('query "SELECT url, lang, has_math, math_markers, n_chars FROM pages" --root {root}',
                 'query "SELECT reason, count(*) AS n FROM rejected GROUP BY ALL" --root {root}'),
          example=('sources = ["crawl/CC-MAIN-2024-22-00000.warc.gz", "saved-pages/"]\n'
                   'out = "shards"\n'
                   'workers = 2\n'))
run = JOB.run
