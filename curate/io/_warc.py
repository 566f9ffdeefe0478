"""Stream WARC/WET records (fastwarc) into plain :class:`Record` objects.

Only container-level judgements happen here (is the record complete, can its
payload be decoded, is it too large); what is a page is decided downstream.
Payloads are read with a size cap, so a 50 MB body never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO, Iterator

from fastwarc.warc import ArchiveIterator

from curate import reasons
from curate.errors import ShardError
from curate.io._payload import PayloadError, decode_payload
from curate.io._resync import blank_after, next_start, record_end, starts_record

_DOC_TYPES = ("response", "resource", "revisit", "conversion")
_IS_PART_OF = re.compile(rb"^isPartOf:\s*([\w.-]+)\s*$", re.M)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)
_TAIL_BYTES = 64 << 20


@dataclass(slots=True)
class Record:
    """One WARC record reduced to what ingestion needs."""

    offset: int
    record_id: str | None
    warc_type: str
    url: str | None
    date: datetime | None
    http_status: int | None = None
    content_type: str | None = None
    charset: str | None = None
    body: bytes | None = None
    reason: str | None = None     # set when the record cannot be used
    detail: str | None = None
    crawl: str | None = None      # from the file's warcinfo (isPartOf), if any
    source_path: str | None = None  # the file a record came from, when not the input itself (HTML folders)
    url_from: str | None = None     # a saved page's: which of canonical, og_url, base_url, file gave its url

    def doc_id(self, file_name: str) -> str:
        """Stable id: the file's name plus the record id and offset (the offset alone when it has no id).

        The file name, not its full path, so the same file read from disk or over
        HTTP gives the same ids; the name, because copies of one capture in two
        files (a .warc and its .warc.gz) are two rows.
        """
        # the offset too: WARC-Record-IDs are not always unique (copied or hand-made records), and
        # two documents sharing an id would let dedup or a mixture drop one for the other
        key = f"{self.record_id}|{self.offset}" if self.record_id else str(self.offset)
        return hashlib.sha1(f"{file_name}|{key}".encode('utf-8', 'surrogateescape')).hexdigest()[:16]


def _clean_uri(uri: str | None) -> str | None:
    # wget writes WARC-Target-URI as <http://...>
    if uri and uri.startswith("<") and uri.endswith(">"):
        return uri[1:-1]
    return uri


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    """(mime type, charset) of a Content-Type header value."""
    if not value:
        return None, None
    mime, _, params = value.partition(";")
    charset = _CHARSET.search(params)
    return mime.strip().lower() or None, charset.group(1).lower() if charset else None


def parse_http_head(block: bytes) -> tuple[int | None, dict[str, str], bytes]:
    """Split an HTTP response into (status, lower-cased headers, body).

    Lenient on purpose: old crawls (ClueWeb09) end header lines with a bare LF.
    """
    crlf, lf = block.find(b"\r\n\r\n"), block.find(b"\n\n")
    if crlf < 0 and lf < 0:
        return None, {}, b""
    end, sep = (crlf, 4) if crlf >= 0 and (lf < 0 or crlf < lf) else (lf, 2)
    lines = block[:end].decode("latin-1").splitlines()
    status = None
    if lines and lines[0].startswith("HTTP/"):
        parts = lines[0].split()
        # ASCII digits only: "²".isdigit() is true, and int("²") raises (the whole file was lost)
        status = int(parts[1]) if len(parts) > 1 and parts[1].isascii() and parts[1].isdigit() else None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.setdefault(name.strip().lower(), value.strip())
    return status, headers, block[end + sep:]


def _read_capped(reader, cap: int) -> tuple[bytes, int]:
    """Up to ``cap`` bytes, and how many bytes the block really had (the rest is skipped)."""
    parts, got = [], 0
    while got <= cap:
        chunk = reader.read(min(1 << 20, cap + 1 - got))
        if not chunk:
            return b"".join(parts), got
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)[:cap], got + reader.consume()


@dataclass(slots=True)
class _Segment:
    """How one uninterrupted run of the reader ended."""

    last: int | None = None       # offset of the last record read, of any type
    short: bool = False           # its block ended before its Content-Length (it has its row)
    bad_at: int | None = None     # where unreadable bytes begin, when the reader knows
    error: str | None = None      # why the reader stopped early


def iter_records(stream: BinaryIO, *, max_body_bytes: int = 8 << 20) -> Iterator[Record]:
    """Records of types response, resource, revisit and conversion, in file order.

    Damage never ends the file: after a corrupt gzip member, a wrong Content-Length,
    a cut header or spliced bytes, reading resumes at the next record start, and the
    bytes in between come out as one record with reason ``warc_read_error`` and the
    byte range in its detail. So every readable record is yielded, and every
    unreadable stretch is accounted for.
    """
    base = stream.tell()
    context = {"crawl": None}
    span: tuple[int, str] | None = None          # unreadable bytes not yet reported
    while True:
        stream.seek(base)
        seg = _Segment()
        for rec in _read_from(stream, seg, context, max_body_bytes):
            if span:
                yield _unreadable(span, base, context)
                span = None
            yield rec
        if span and seg.last is not None and seg.last != seg.bad_at:
            yield _unreadable(span, base, context)   # reading resumed at base (on records that are not documents)
            span = None
        damage = _damage(stream, seg, base)
        if damage is None:
            break
        start, scan_from, cause = damage
        if span is None and start is not None:
            span = (start, cause)
        base = next_start(stream, scan_from)
        if base is None:
            break
        if span and base <= span[0]:
            span = None       # the next record starts inside one already read: nothing is unaccounted
    if span:
        yield _unreadable(span, None, context)


def _damage(stream: BinaryIO, seg: _Segment, base: int) -> tuple[int | None, int, str] | None:
    """(start of unreadable bytes or None, where to look for the next record, cause); None if the file is whole."""
    if seg.short:
        return None, seg.last + 1, "record cut short"
    if seg.bad_at is not None:
        return seg.bad_at, seg.bad_at + 1, seg.error
    if seg.last is None:
        if seg.error is None and blank_after(stream, base):
            return None
        return base, base + 1, seg.error or "no WARC record here"
    if seg.error is None:
        stream = _tail(stream, seg.last)
    # A record inside a gzip member shared with others (not the standard's layout) has no
    # end of its own to check.
    own_start = starts_record(stream, seg.last)
    end = record_end(stream, seg.last) if own_start else None
    if seg.error is not None:
        # The last record's own length may be what is wrong: look for the next start inside it.
        return (end if end is not None else seg.last + 1), seg.last + 1, seg.error
    if end is None:
        if not own_start:
            return None
        return seg.last, seg.last + 1, "record runs past the end of the file"
    if blank_after(stream, end):
        return None
    return end, end, "bytes after the last record are not a whole WARC record"


class _Tail(io.BytesIO):
    """The end of a file from ``start`` on, in memory, addressed by file offsets."""

    def __init__(self, data: bytes, start: int):
        super().__init__(data)
        self.start = start

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        return super().seek(pos - self.start if whence == io.SEEK_SET else pos, whence) + self.start


def _tail(stream: BinaryIO, start: int) -> BinaryIO:
    """Checking a whole file's end costs one read (one HTTP request), not one per look."""
    stream.seek(start)
    data = stream.read(_TAIL_BYTES + 1)
    return _Tail(data, start) if len(data) <= _TAIL_BYTES else stream


def _read_from(stream: BinaryIO, seg: _Segment, context: dict, max_body_bytes: int) -> Iterator[Record]:
    """Records from the stream's position until the end or the first damage (noted in ``seg``)."""
    records = ArchiveIterator(stream, parse_http=False)
    while True:
        try:
            rec = next(records)
        except StopIteration:
            return
        except OSError as exc:  # corrupt gzip member, invalid header
            seg.error = str(exc)
            return
        except BaseException as exc:
            # A bug in fastwarc's Rust core surfaces as pyo3's PanicException (a
            # BaseException): contain it to this stretch of the file.
            if type(exc).__name__ != "PanicException":
                raise
            seg.error = f"WARC reader failed: {exc}"
            return
        seg.last = rec.stream_pos
        headers = rec.headers
        if headers.get("Content-Length") is None:   # a header cut off by the end of the file
            seg.bad_at, seg.error = rec.stream_pos, "record header is incomplete"
            return
        kind = str(rec.record_type)
        try:
            if kind == "warcinfo":
                found = _IS_PART_OF.search(rec.reader.read(1 << 16))
                context["crawl"] = found.group(1).decode(errors="replace") if found else context["crawl"]
                continue
            if kind not in _DOC_TYPES:
                continue
            out = _record(rec, kind, context["crawl"], max_body_bytes)
        except OSError as exc:      # the block itself is corrupt: this record is the unreadable span
            seg.bad_at, seg.error = rec.stream_pos, str(exc)
            return
        yield out
        if out.reason == reasons.TRUNCATED_RECORD:  # the file ended inside this block
            seg.short = True
            return


def _record(rec, kind: str, crawl: str | None, max_body_bytes: int) -> Record:
    headers = rec.headers
    out = Record(offset=rec.stream_pos, record_id=headers.get("WARC-Record-ID"), warc_type=kind,
                 url=_clean_uri(headers.get("WARC-Target-URI")), date=_date(rec), crawl=crawl)
    if kind == "revisit":
        out.reason, out.detail = reasons.REVISIT_RECORD, headers.get("WARC-Refers-To-Target-URI") or out.url
        return out
    declared = rec.content_length
    block, size = _read_capped(rec.reader, max_body_bytes)
    if size < declared:
        out.reason, out.detail = reasons.TRUNCATED_RECORD, f"{size} of {declared} bytes"
        return out
    if size > max_body_bytes:
        out.reason, out.detail = reasons.BODY_TOO_LARGE, f"record of {declared} bytes > {max_body_bytes}"
        return out
    body, http = block, None
    if "application/http" in (headers.get("Content-Type") or ""):
        out.http_status, http, body = parse_http_head(block)
        out.content_type, out.charset = _content_type(http.get("content-type"))
        status_line = block[:200].split(b"\n", 1)[0].decode("latin-1").strip()
        if status_line.startswith("HTTP/") and (out.http_status is None or not 100 <= out.http_status <= 999):
            # a status no column can hold, or none at all, is this record's fault, not the file's
            out.reason, out.detail = reasons.BAD_HEADER, f"HTTP status line {status_line[:80]!r}"
            out.http_status = None
            return out
    else:
        out.content_type, out.charset = _content_type(headers.get("Content-Type"))
    if http is not None:
        try:
            body = decode_payload(body, http.get("transfer-encoding"), http.get("content-encoding"),
                                  max_body_bytes)
        except PayloadError as exc:
            out.reason, out.detail = exc.reason, exc.detail
            return out
    out.body = body
    return out


def _unreadable(span: tuple[int, str], stop: int | None, context: dict) -> Record:
    start, cause = span
    where = f"bytes {start}-{stop - 1}" if stop is not None else f"bytes {start} to the end of the file"
    return Record(offset=start, record_id=None, warc_type="unreadable", url=None, date=None,
                  reason=reasons.WARC_READ_ERROR, detail=f"{where} unreadable: {cause}"[:500],
                  crawl=context["crawl"])


def _date(rec) -> datetime | None:
    try:
        date = rec.record_date
    except (ValueError, OSError):
        return None
    if date is None:
        return None
    return date if date.tzinfo else date.replace(tzinfo=timezone.utc)


def read_record(stream: BinaryIO, offset: int, **kwargs) -> Record:
    """The record starting at ``offset`` of a seekable stream (lineage look-up)."""
    stream.seek(offset)
    for record in iter_records(stream, **kwargs):
        if record.reason == reasons.WARC_READ_ERROR:
            break
        return record
    raise ShardError(f"no record at offset {offset}")
