"""Stream WARC/WET records (fastwarc) into plain :class:`Record` objects.

Only container-level judgements happen here (is the record complete, can its
payload be decoded, is it too large); what is a page is decided downstream.
Payloads are read with a size cap, so a 50 MB body never sits in memory whole.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import BinaryIO, Iterator

from fastwarc.warc import ArchiveIterator, WarcRecordType

from curate import reasons
from curate.errors import ShardError
from curate.io._payload import PayloadError, decode_payload

_DOC_TYPES = (WarcRecordType.warcinfo | WarcRecordType.response | WarcRecordType.resource
              | WarcRecordType.revisit | WarcRecordType.conversion)
_IS_PART_OF = re.compile(rb"^isPartOf:\s*([\w.-]+)\s*$", re.M)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.I)


class WarcFormatError(ShardError):
    """The file is corrupt from ``offset`` on; records before it were read."""

    def __init__(self, message: str, offset: int):
        super().__init__(message)
        self.offset = offset


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

    def doc_id(self, file_name: str) -> str:
        """Stable id: the file's name plus the record id (or offset when it has none).

        The file name, not its full path, so the same file read from disk or over
        HTTP gives the same ids; the name, because copies of one capture in two
        files (a .warc and its .warc.gz) are two rows.
        """
        return hashlib.sha1(f"{file_name}|{self.record_id or self.offset}".encode()).hexdigest()[:16]


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
        status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon and name.strip():
            headers.setdefault(name.strip().lower(), value.strip())
    return status, headers, block[end + sep:]


def _read_capped(reader, cap: int) -> tuple[bytes, bool]:
    """Up to ``cap`` bytes; the flag says whether more remained (and were skipped)."""
    parts, got = [], 0
    while got <= cap:
        chunk = reader.read(min(1 << 20, cap + 1 - got))
        if not chunk:
            return b"".join(parts), False
        parts.append(chunk)
        got += len(chunk)
    reader.consume()
    return b"".join(parts)[:cap], True


def iter_records(stream: BinaryIO, *, max_body_bytes: int = 8 << 20) -> Iterator[Record]:
    """Records of types response, resource, revisit and conversion, in file order.

    Raises :class:`WarcFormatError` when the container breaks mid-file; every
    record before the break has been yielded by then.
    """
    crawl = None
    offset = 0
    records = ArchiveIterator(stream, record_types=_DOC_TYPES, parse_http=False)
    while True:
        try:
            rec = next(records)
        except StopIteration:
            return
        except OSError as exc:  # corrupt gzip member, invalid header
            raise WarcFormatError(f"unreadable after byte {offset}: {exc}", offset) from exc
        except BaseException as exc:
            # A bug in fastwarc's Rust core surfaces as pyo3's PanicException (a
            # BaseException): contain it to this file instead of ending the run.
            if type(exc).__name__ != "PanicException":
                raise
            raise WarcFormatError(f"WARC reader failed after byte {offset}: {exc}", offset) from None
        offset = rec.stream_pos
        kind = str(rec.record_type)
        headers = rec.headers
        if kind == "warcinfo":
            found = _IS_PART_OF.search(rec.reader.read(1 << 16))
            crawl = found.group(1).decode(errors="replace") if found else crawl
            continue
        out = Record(offset=offset, record_id=headers.get("WARC-Record-ID"), warc_type=kind,
                     url=_clean_uri(headers.get("WARC-Target-URI")), date=_date(rec), crawl=crawl)
        if kind == "revisit":
            out.reason, out.detail = reasons.REVISIT_RECORD, headers.get("WARC-Refers-To-Target-URI") or out.url
            yield out
            continue
        declared = rec.content_length
        block, too_big = _read_capped(rec.reader, max_body_bytes)
        if too_big:
            out.reason, out.detail = reasons.BODY_TOO_LARGE, f"record of {declared} bytes > {max_body_bytes}"
            yield out
            continue
        if len(block) < declared:
            out.reason, out.detail = reasons.TRUNCATED_RECORD, f"{len(block)} of {declared} bytes"
        body, http = block, None
        if "application/http" in (headers.get("Content-Type") or ""):
            out.http_status, http, body = parse_http_head(block)
            out.content_type, out.charset = _content_type(http.get("content-type"))
        else:
            out.content_type, out.charset = _content_type(headers.get("Content-Type"))
        if http is not None and out.reason is None:
            try:
                body = decode_payload(body, http.get("transfer-encoding"), http.get("content-encoding"),
                                      max_body_bytes)
            except PayloadError as exc:
                out.reason, out.detail = exc.reason, exc.detail
        if out.reason is None:
            out.body = body
        yield out


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
        return record
    raise ShardError(f"no record at offset {offset}")
