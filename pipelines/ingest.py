"""Ingestion job: WARC/WET files in, ``pages`` and ``rejected`` Parquet shards out.

Per input: stream records, judge each (keep or reject with a reason), extract
kept HTML in worker processes, write shards through the shard store, then write
the input's completion record. Inputs already completed are skipped, so a rerun
after a crash finishes only the missing work.

Run without Prefect: ``python -m pipelines.ingest --config ingest.toml`` or
``curate ingest SOURCE... --out DIR``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Callable, Iterator

from curate import reasons
from curate.errors import FatalError, RetryableError, ShardError
from curate.extract import EXTRACTOR, HTML_TYPES, ExtractorPool, Rejected, looks_like_html
from curate.io import Completion, Ledger, ShardStore, Source, file_name, open_source, resolve
from curate.io._ledger import DONE, FAILED, PARTIAL
from curate.io._warc import Record, iter_records
from pipelines._common import Transaction, config_main, progress_bar
from pipelines._config import build, load_mapping, check_fields
from curate.io._lock import config_out, holds_root
from schemas import PAGES, REJECTED


@dataclass(frozen=True)
class IngestConfig:
    """Settings of one ingestion run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"limit": (1, None), "timeout": (0.001, None), "max_body_bytes": (1, None), "target_rows": (1, None), "target_bytes": (1, None), "math_prefilter_threshold": (0, 1)}

    sources: tuple[str, ...]
    out: str
    limit: int | None = None               # at most this many inputs (after expansion)
    cc_base_url: str | None = None         # where crawl ids are resolved; default data.commoncrawl.org
    cc_kind: str = "warc"                  # warc or wet paths of a crawl id
    workers: int = 1                       # extraction processes per input (0: in-process, no hard timeout)
    timeout: float = 30.0                  # hard per-document extraction timeout, seconds
    max_body_bytes: int = 8 << 20          # larger payloads are rejected without being read whole
    target_rows: int = 100_000             # rows per shard
    target_bytes: int = 256 << 20          # uncompressed bytes per shard
    http_retries: int = 5
    http_backoff: float = 0.5
    # Fast math recall mode: with a math model, HTML pages whose cheap-text score is below
    # the threshold and that carry no formula markup are rejected (math_prefilter) unextracted.
    math_prefilter: str | None = None      # fastText model file (e.g. a recall round's model.bin)
    math_prefilter_threshold: float = 0.1  # recall-safe: benchmarks/math_fast.py prints candidates

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> "IngestConfig":
        data = load_mapping(path)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return build(cls, data)

    def fingerprint(self) -> dict:
        """Settings that change output rows (stored in each completion record)."""
        out = {"extractor": EXTRACTOR, "max_body_bytes": self.max_body_bytes, "timeout": self.timeout}
        if self.math_prefilter:
            out["math_prefilter"] = {"model": _model_id(self.math_prefilter),
                                     "threshold": self.math_prefilter_threshold}
        return out

    def gate(self):
        """The fast recall mode's pre-extraction filter, or None."""
        if not self.math_prefilter:
            return None
        from curate.classify import MathGate

        if not Path(self.math_prefilter).is_file():
            raise FatalError(f"math_prefilter: no model file at {self.math_prefilter}")
        return MathGate(self.math_prefilter, self.math_prefilter_threshold)

    def __post_init__(self):
        check_fields(self)


def _model_id(path: str) -> str:
    p = Path(path)
    if not p.is_file():
        return f"missing:{path}"
    stat = p.stat()
    return _hashed_id(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _hashed_id(path: str, mtime_ns: int, size: int) -> str:
    """Hashing a 200 MB model takes a fraction of a second: once per file version, not per input."""
    from curate.classify import model_id

    return model_id(path)


@dataclass
class IngestSummary:
    """What a run did, for the CLI summary and flow artifacts."""

    inputs: int = 0
    skipped: int = 0
    records: int = 0
    pages: int = 0
    rejected: int = 0
    reasons: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, done: Completion) -> None:
        self.inputs += 1
        self.records += done.records
        self.pages += done.pages
        self.rejected += done.rejected
        self.reasons.update(done.reasons)
        if done.status == FAILED:
            self.failed.append((done.source, done.error or ""))

    def format(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        lines = [f"inputs: {self.inputs} processed, {self.skipped} already done, {len(self.failed)} failed",
                 f"records read: {self.records}", f"pages written: {self.pages}",
                 f"rejected: {self.rejected}"]
        lines += [f"  {reason}: {n}" for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append(f"time: {self.seconds:.1f}s, {rate:.1f} pages/s")
        lines += [f"FAILED {uri}: {err}" for uri, err in self.failed]
        return "\n".join(lines)


def judge(rec: Record) -> tuple | None:
    """Extraction payload for a usable record; otherwise set ``rec.reason`` and return None."""
    if rec.reason:
        return None
    if rec.warc_type == "conversion":
        return ("text", rec.body, rec.url, None)
    if rec.http_status is not None and not 200 <= rec.http_status < 300:
        rec.reason, rec.detail = reasons.HTTP_STATUS, str(rec.http_status)
    elif not rec.body:
        rec.reason, rec.detail = reasons.EMPTY_BODY, "zero-length payload"
    elif rec.content_type in HTML_TYPES or (rec.content_type in (None, "text/plain", "application/octet-stream")
                                           and looks_like_html(rec.body)):
        return ("html", rec.body, rec.url, rec.charset)
    elif rec.warc_type == "resource":
        rec.reason, rec.detail = reasons.NOT_A_DOCUMENT, f"resource of type {rec.content_type}"
    else:
        rec.reason, rec.detail = reasons.NON_HTML, str(rec.content_type)
    return None


def _lineage(rec: Record, source: Source, name: str) -> dict:
    return {"id": rec.doc_id(name), "url": rec.url, "crawl": source.crawl or rec.crawl, "warc_path": source.uri,
            "warc_offset": rec.offset, "warc_record_id": rec.record_id, "warc_type": rec.warc_type,
            "fetch_time": rec.date, "http_status": rec.http_status, "content_type": rec.content_type}


def _gated(rec: Record, payload: tuple | None, gate) -> tuple | None:
    """``payload``, or None with ``rec.reason`` set when the fast mode's gate drops the page.

    The gate runs here, where the bytes are, not in an extraction worker: only candidates
    cross the pipe, and the reader (otherwise waiting on the workers) does the cheap part
    while the workers extract (measured: 1.4x faster fast-mode ingest with one worker). Its cost
    is linear in the page (at most MAX_BYTES read), so it needs no hard timeout."""
    if payload is None or gate is None or payload[0] != "html":
        return payload
    try:
        gate(rec.body, rec.charset)
    except Rejected as exc:
        rec.reason, rec.detail = exc.reason, exc.detail
        return None
    except Exception as exc:            # a gate bug costs this page, not the input
        rec.reason, rec.detail = reasons.EXTRACT_ERROR, f"math prefilter: {type(exc).__name__}: {exc}"[:500]
        return None
    return payload


def _jobs(stream, config: IngestConfig, gate=None) -> Iterator[tuple[Record, tuple | None]]:
    for rec in iter_records(stream, max_body_bytes=config.max_body_bytes):
        yield rec, _gated(rec, judge(rec), gate)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def ingest_one(source: Source, config: IngestConfig, *, on_record: Callable[[], None] | None = None) -> Completion:
    """Ingest one input completely (or not at all) and write its completion record."""
    store = ShardStore(config.out, {"pages": PAGES, "rejected": REJECTED},
                       target_rows=config.target_rows, target_bytes=config.target_bytes)
    done = Completion(key=source.key, source=source.uri, status=DONE, started=_now(), config=config.fingerprint())
    counts: Counter = Counter()
    name = file_name(source.uri)
    gate = config.gate()
    with Transaction(store, done, config.out, input_errors=(ShardError, RetryableError), typed_errors=True) as tx:
        writers = tx.writers
        with open_source(source.uri, retries=config.http_retries, backoff=config.http_backoff) as stream, \
                ExtractorPool(config.workers, config.timeout) as pool:
            for rec, result in pool.imap(_jobs(stream, config, gate)):
                done.records += 1
                if on_record:
                    on_record()
                row = _lineage(rec, source, name)
                if result is None:
                    row.update(reason=rec.reason, detail=rec.detail)
                elif result[0] == "ok":
                    row.update(result[1])
                    writers["pages"].write(row)
                    done.pages += 1
                    continue
                else:
                    row.update(reason=result[1], detail=result[2])
                row["stage"] = reasons.STAGE[row["reason"]]
                writers["rejected"].write(row)
                counts[row["reason"]] += 1
                if row["reason"] == reasons.WARC_READ_ERROR and done.status != PARTIAL:
                    done.status, done.error = PARTIAL, row["detail"]   # the first damage; each has its row
        done.reasons, done.rejected = dict(counts), sum(counts.values())
    return tx.done


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


@holds_root("ingest", config_out)
def run(config: IngestConfig, *, progress: bool = False, max_inputs: int | None = None) -> IngestSummary:
    """Ingest every source not yet completed under ``config.out`` (at most ``max_inputs`` of them)."""
    t0 = time.monotonic()
    todo, skipped = plan(config, max_inputs=max_inputs)
    summary = IngestSummary(skipped=skipped)
    bar = progress_bar(progress, unit=" rec", desc="ingest")
    try:
        for i, source in enumerate(todo, 1):
            bar.set_description(f"[{i}/{len(todo)}] {source.key[:40]}")
            done = ingest_one(source, config, on_record=bar.update if progress else None)
            summary.add(done)
            bar.set_postfix(pages=summary.pages, rejected=summary.rejected)
    finally:
        bar.close()
    summary.seconds = time.monotonic() - t0
    return summary


def main(argv: list[str] | None = None) -> int:
    return config_main(argv, "ingest", __doc__, IngestConfig, run)


if __name__ == "__main__":
    sys.exit(main())
