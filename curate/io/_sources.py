"""Where WARC/WET inputs come from: local paths and globs, URLs, crawl ids.

A source spec is one of:

- a local file, a folder (every WARC/WET file below it) or a glob (``**`` allowed);
- an ``http(s)://`` URL (streamed with :class:`ResumableHTTPFile`);
- an ``s3://`` URL or glob (through fsspec; needs the ``s3`` extra);
- a Common Crawl crawl id such as ``CC-MAIN-2024-22``, resolved through
  ``<base>/crawl-data/<id>/warc.paths.gz`` (or ``wet.paths.gz``).
"""

from __future__ import annotations

import glob as _glob
import gzip
import hashlib
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from curate.errors import FatalError, ShardError
from curate.io._htmlfiles import html_files
from curate.io._http import ResumableHTTPFile, fetch
from curate.io._remote import storage_root
from curate.io._warc import Record, read_record

CRAWL_ID = re.compile(r"CC-MAIN-\d{4}-\d{2}")
DEFAULT_CC_BASE = os.environ.get("CURATE_CC_BASE_URL", "https://data.commoncrawl.org")
DEFAULT_CC_INDEX = os.environ.get("CURATE_CC_INDEX_URL", "https://index.commoncrawl.org")
WARC_SUFFIXES = (".warc", ".warc.gz", ".wet", ".wet.gz", ".wat", ".wat.gz", ".warc.zst", ".warc.lz4")


@dataclass(frozen=True)
class Source:
    """One input file: its URI, a stable key for shard names, its crawl if known."""

    uri: str
    key: str
    crawl: str | None = None


def file_name(uri: str) -> str:
    """Last path segment of a local path or URL."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def input_key(uri: str) -> str:
    """Stable, file-system safe name of an input: basename plus 8 hex of its URI hash."""
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", file_name(uri))[:80] or "input"
    return f"{base}-{hashlib.sha1(uri.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def crawl_of(uri: str) -> str | None:
    match = CRAWL_ID.search(uri)
    return match.group(0) if match else None


def _addressed(spec: str) -> bool:
    """A source named by an address (http://, s3://, file://): taken as given, not expanded."""
    return "://" in spec


def _has_glob(spec: str) -> bool:
    return any(c in spec for c in "*?[")


def matches(spec: str) -> list[str]:
    """The paths ``spec`` names: itself when a file or folder of that name exists (taken as
    written, so ``crawl[1].warc.gz`` is that file, not a character class), else its glob
    matches when it has glob characters, else nothing. Sorted."""
    if os.path.lexists(spec):
        return [spec]
    return sorted(_glob.glob(spec, recursive=True)) if _has_glob(spec) else []


def latest_crawl(index_url: str | None = None) -> str:
    """Newest crawl id in Common Crawl's crawl list (``<index>/collinfo.json``)."""
    url = f"{(index_url or DEFAULT_CC_INDEX).rstrip('/')}/collinfo.json"
    try:
        crawls = json.loads(fetch(url))
    except (ShardError, ValueError) as exc:
        raise FatalError(f"cannot read the crawl list {url}: {exc}") from exc
    ids = [c.get("id", "") for c in crawls if isinstance(c, dict) and CRAWL_ID.fullmatch(c.get("id", ""))]
    if not ids:
        raise FatalError(f"no crawl ids in {url}")
    return max(ids)  # CC-MAIN-YYYY-WW sorts by date


def _crawl_paths(crawl: str, base: str, kind: str) -> list[str]:
    url = f"{base.rstrip('/')}/crawl-data/{crawl}/{kind}.paths.gz"
    try:
        listing = gzip.decompress(fetch(url)).decode()
    except ShardError as exc:
        raise FatalError(f"cannot list crawl {crawl}: {exc}") from exc
    except (OSError, EOFError) as exc:
        raise FatalError(f"{url} is not a gzipped path list: {exc}") from exc
    return [f"{base.rstrip('/')}/{line.strip()}" for line in listing.splitlines() if line.strip()]


def _local(spec: str) -> list[str]:
    if _has_glob(spec) and not os.path.lexists(spec):
        found = [p for p in matches(spec) if os.path.isfile(p)]
        if not found:
            raise FatalError(f"no file matches {spec!r}")
        return [os.path.abspath(p) for p in found]
    path = Path(spec)
    if path.is_dir():
        found = sorted(str(p.resolve()) for p in path.rglob("*") if p.is_file() and p.name.endswith(WARC_SUFFIXES))
        if not found and html_files(path):
            return [str(path.resolve())]        # a folder of saved pages: one input, a record per file
        if not found:
            raise FatalError(f"no WARC/WET file (nor .html file) under {spec!r}")
        return found
    if not path.is_file():
        raise FatalError(f"input not found: {spec!r}")
    return [str(path.resolve())]


def resolve(specs: list[str], *, limit: int | None = None, cc_base_url: str | None = None,
            cc_kind: str = "warc") -> list[Source]:
    """Expand source specs into an ordered, de-duplicated list of inputs."""
    if cc_kind not in ("warc", "wet"):
        raise FatalError(f"cc_kind must be 'warc' or 'wet', not {cc_kind!r}")
    base = cc_base_url or DEFAULT_CC_BASE
    out: list[Source] = []
    seen: set[str] = set()
    for spec in specs:
        if CRAWL_ID.fullmatch(spec):
            uris = _crawl_paths(spec, base, cc_kind)
        elif spec.startswith("s3://") and _has_glob(spec):
            import fsspec
            fs, _, _ = fsspec.get_fs_token_paths(spec)
            uris = sorted(f"s3://{p}" for p in fs.glob(spec))
        elif _addressed(spec):
            uris = [spec]
        else:
            uris = _local(spec)
        for uri in uris:
            if uri not in seen:
                seen.add(uri)
                out.append(Source(uri, input_key(uri), crawl_of(uri)))
    return out[:limit] if limit is not None else out


def open_source(uri: str, **http_options) -> BinaryIO:
    """Open an input for streaming reads (never loads the whole file)."""
    if uri.startswith(("http://", "https://")):
        return io.BufferedReader(ResumableHTTPFile(uri, **http_options), buffer_size=1 << 20)
    store = storage_root(uri)                   # a local file, or an object (s3://...) read in ranges
    try:
        return store.open_read()
    except FileNotFoundError as exc:
        raise ShardError(f"{uri}: not found" if store.remote else f"{uri}: {exc}") from exc
    except OSError as exc:
        raise ShardError(f"{uri}: {exc}") from exc


def reread(warc_path: str, warc_offset: int, **kwargs) -> Record:
    """Re-read the exact record a row came from (its ``warc_path`` and ``warc_offset``).

    Works for local files and URLs alike (an HTTP stream seeks with a Range request).
    """
    with open_source(warc_path) as stream:
        return read_record(stream, warc_offset, **kwargs)
