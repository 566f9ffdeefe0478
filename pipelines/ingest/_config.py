"""The ingestion job's settings."""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from curate.errors import FatalError
from curate.extract import EXTRACTOR
from pipelines._config import FileConfig


@dataclass(frozen=True, kw_only=True)
class ExtractSettings(FileConfig):
    """How each input file becomes page shards: the settings ``ingest``, ``crawl`` and
    ``math-corpus`` share (declared here once; the other configs inherit them)."""
    RANGES: ClassVar[dict] = {"timeout": (0.001, None), "max_body_bytes": (1, None), "target_rows": (1, None),
                              "target_bytes": (1, None), "math_prefilter_threshold": (0, 1)}
    CHOICES: ClassVar[dict] = {"cc_kind": ("warc", "wet")}
    PATHS: ClassVar[tuple] = ("out", "math_prefilter")    # resolved relative to a config file (the path rule)

    out: str                                # output root: pages/, rejected/, _ledger/ (a folder or an s3:// URL)
    cc_base_url: str | None = None         # where crawl ids are resolved; default data.commoncrawl.org
    cc_kind: str = "warc"                  # warc or wet paths of a crawl id
    workers: int = 1                       # extraction processes per input (0: in-process, no hard timeout)
    timeout: float = 30.0                  # hard per-document extraction timeout, seconds
    max_body_bytes: int = 8 << 20          # larger payloads are rejected without being read whole
    target_rows: int = 100_000             # rows per shard
    target_bytes: int = 256 << 20          # uncompressed bytes per shard
    http_retries: int = 5                   # retries of a failed HTTP range read (resumed at the byte reached)
    http_backoff: float = 0.5               # seconds before the first retry, doubled each time
    # Fast math recall mode: with a math model, HTML pages whose cheap-text score is below
    # the threshold and that carry no formula markup are rejected (math_prefilter) unextracted.
    math_prefilter: str | None = None      # fastText model file (e.g. a recall round's model.bin)
    math_prefilter_threshold: float = 0.1  # recall-safe: benchmarks/math_fast.py prints candidates

    def extract_settings(self) -> dict:
        """These settings by name (to build an :class:`IngestConfig` from a config that has them)."""
        return {f.name: getattr(self, f.name) for f in fields(ExtractSettings)}


@dataclass(frozen=True, kw_only=True)
class IngestConfig(ExtractSettings):
    """Settings of one ingestion run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {**ExtractSettings.RANGES, "limit": (1, None)}
    PATHS: ClassVar[tuple] = ("sources", *ExtractSettings.PATHS)

    sources: tuple[str, ...]                # WARC/WET files, folders of them or of .html files, http(s)/s3 URLs, globs, crawl ids
    limit: int | None = None               # at most this many inputs (after expansion)
    base_url: str | None = None            # URL prefix of saved .html pages that name no URL (canonical, og:url win)

    def __post_init__(self):
        super().__post_init__()
        if self.base_url is not None and not (self.base_url.startswith(("http://", "https://"))
                                              and "://" in self.base_url and len(self.base_url) > 8):
            raise FatalError(f"base_url {self.base_url!r}: give an absolute http(s) URL, e.g. https://example.org/docs")

    def fingerprint(self) -> dict:
        """Settings that change output rows (stored in each completion record)."""
        out = {"extractor": EXTRACTOR, "max_body_bytes": self.max_body_bytes, "timeout": self.timeout}
        if self.base_url:
            out["base_url"] = self.base_url
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
