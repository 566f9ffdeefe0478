"""HTML files as ingestion input: a folder of saved pages (or one page) read like WARC records.

A common first try is ``curate ingest saved-pages/``. Each ``.html``/``.htm``/``.xhtml`` file
below the folder becomes one record: URL ``file://`` + its absolute path, lineage to the file
(``warc_path`` is the file, offset 0), fetch time its modification time. The folder is one
input (one ledger record, shards of many pages), not one input per file. Links are not
followed, and bodies above ``max_body_bytes`` are rejected unread, as in a WARC.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from curate import reasons
from curate.io._warc import Record

HTML_SUFFIXES = (".html", ".htm", ".xhtml")


def is_html_input(uri: str) -> bool:
    """A local folder of HTML files, or one HTML file."""
    if "://" in uri:
        return False
    path = Path(uri)
    return path.is_dir() or path.name.lower().endswith(HTML_SUFFIXES)


def html_files(folder: Path) -> list[Path]:
    """The HTML files below ``folder``, sorted, links not followed."""
    found = []
    for root, dirs, names in os.walk(folder, followlinks=False):
        dirs.sort()
        found += [Path(root) / n for n in sorted(names)
                  if n.lower().endswith(HTML_SUFFIXES) and not (Path(root) / n).is_symlink()]
    return found


def iter_html_records(uri: str, *, max_body_bytes: int) -> Iterator[Record]:
    """One record per HTML file of ``uri`` (a folder or a file), in path order."""
    path = Path(uri)
    for f in (html_files(path) if path.is_dir() else [path]):
        info = f.stat()
        rec = Record(offset=0, record_id=f"<{f.resolve().as_uri()}>", warc_type="file", url=f.resolve().as_uri(),
                     date=datetime.fromtimestamp(info.st_mtime, timezone.utc), content_type="text/html",
                     source_path=str(f.resolve()))
        if info.st_size > max_body_bytes:
            rec.reason, rec.detail = reasons.BODY_TOO_LARGE, f"file of {info.st_size} bytes > {max_body_bytes}"
        else:
            rec.body = f.read_bytes()
        yield rec
