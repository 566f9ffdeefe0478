"""HTML files as ingestion input: a folder of saved pages (or one page) read like WARC records.

A common first try is ``curate ingest saved-pages/``. Each ``.html``/``.htm``/``.xhtml`` file
below the folder becomes one record, lineage to the file (``warc_path`` is the file, offset 0),
fetch time its modification time. Its URL is the one the page names for itself (``<link
rel="canonical">``, else ``og:url``: an absolute http(s) URL), else ``base_url`` + its path below
the folder when the user gives one, else ``file://`` + its absolute path; ``url_from`` records
which. (A browser's "Save page as" keeps those tags; without a real URL, domain statistics and
math recall's domain step see no domain.) The folder is one
input (one ledger record, shards of many pages), not one input per file. Links are not
followed, and bodies above ``max_body_bytes`` are rejected unread, as in a WARC.
"""

from __future__ import annotations

import html
import os
import re
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


_TAG = re.compile(rb"<(link|meta)\b([^>]{0,2000})>", re.I)
_ATTR = re.compile(rb"""([a-z:_-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_HEAD_BYTES = 256 * 1024           # the tags are in the head; a huge body is not scanned whole


def named_url(body: bytes) -> tuple[str, str] | None:
    """(url, "canonical" | "og_url") that a saved page names for itself, or None. Only absolute
    http(s) URLs count (a relative canonical says nothing about the host); canonical wins."""
    found: dict[str, str] = {}
    for tag, attrs in _TAG.findall(body[:_HEAD_BYTES]):
        a = {k.lower().decode("ascii", "replace"): (v1 or v2 or v3).decode("utf-8", "replace")
             for k, v1, v2, v3 in _ATTR.findall(attrs)}
        if tag.lower() == b"link" and "canonical" in a.get("rel", "").lower().split():
            found.setdefault("canonical", a.get("href", ""))
        elif tag.lower() == b"meta" and (a.get("property") or a.get("name", "")).lower() == "og:url":
            found.setdefault("og_url", a.get("content", ""))
    for how in ("canonical", "og_url"):
        url = html.unescape(found.get(how, "")).strip()
        if re.match(r"https?://[^/\s]+", url) and not any(c.isspace() for c in url):
            return url, how
    return None


def iter_html_records(uri: str, *, max_body_bytes: int, base_url: str | None = None) -> Iterator[Record]:
    """One record per HTML file of ``uri`` (a folder or a file), in path order; ``base_url``:
    the URL prefix of the folder's pages, for pages that name no URL of their own."""
    path = Path(uri)
    for f in (html_files(path) if path.is_dir() else [path]):
        info = f.stat()
        rec = Record(offset=0, record_id=f"<{f.resolve().as_uri()}>", warc_type="file", url=f.resolve().as_uri(),
                     date=datetime.fromtimestamp(info.st_mtime, timezone.utc), content_type="text/html",
                     source_path=str(f.resolve()), url_from="file")
        if info.st_size > max_body_bytes:
            rec.reason, rec.detail = reasons.BODY_TOO_LARGE, f"file of {info.st_size} bytes > {max_body_bytes}"
        else:
            rec.body = f.read_bytes()
        named = named_url(rec.body) if rec.body else None
        if named is not None:
            rec.url, rec.url_from = named
        elif base_url:
            rel = f.relative_to(path).as_posix() if path.is_dir() else f.name
            rec.url, rec.url_from = base_url.rstrip("/") + "/" + rel, "base_url"
        yield rec
