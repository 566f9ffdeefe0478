"""Where readable WARC records start again after a damaged stretch of a file.

A WARC file is a sequence of records; a gzipped one is (by the standard's
recommendation, and in every crawl we read) one gzip member per record. Damage
breaks the framing: a corrupt member, a wrong ``Content-Length`` or a cut header
make the reader lose its place. A record start is recognisable on its own, so the
reader scans forward for the next one and carries on from there:

- gzip: the member magic ``1f 8b 08`` whose first decompressed bytes are a record start;
- plain: a version line (``WARC/1.0``, ``WARC/1.1``; ClueWeb's ``WARC/0.18``) followed by
  a header field.

Every function takes a seekable binary stream (local files, HTTP with Range
requests and fsspec files all are) and leaves its position undefined.
"""

from __future__ import annotations

import re
import zlib
from typing import BinaryIO, Iterator

_GZ_MAGIC = b"\x1f\x8b\x08"
_WARC_LINE = re.compile(rb"WARC/[01]\.\d{1,2}\r?\n[A-Za-z][\w-]*:")
_CONTENT_LENGTH = re.compile(rb"^content-length:[ \t]*(\d+)[ \t]*\r?$", re.I | re.M)
_SCAN = 1 << 20
_MAX_HEADER = 1 << 16


def _gzip_at(head: bytes) -> bool:
    return head.startswith(_GZ_MAGIC)


def starts_record(stream: BinaryIO, pos: int) -> bool:
    """Does a WARC record (plain, or in a gzip member of its own) start at ``pos``?"""
    stream.seek(pos)
    head = stream.read(512)
    if _gzip_at(head):
        try:
            head = zlib.decompressobj(31).decompress(head, 64)
        except zlib.error:
            return False
    return _WARC_LINE.match(head) is not None


def next_start(stream: BinaryIO, pos: int) -> int | None:
    """The first record start at or after ``pos``, or None when the file has no more.

    Both forms are looked for whatever the file's first bytes say: damage at the
    start of a gzipped file must not make the rest of it look plain.
    """
    cur, reach = pos, len(_GZ_MAGIC) + 2
    while True:
        # Each window reads a little past its end, so a start across two windows is
        # still seen. Spliced bytes need not end in a newline, so a plain record
        # start is recognised by its first two lines, wherever it is.
        stream.seek(cur)
        window = stream.read(_SCAN + reach)
        hits = sorted(h for needle in (_GZ_MAGIC, b"WARC/") for h in _finds(window, needle))
        for hit in hits:
            if starts_record(stream, cur + hit):
                return cur + hit
        if len(window) < _SCAN + reach:
            return None
        cur += _SCAN


def _finds(window: bytes, needle: bytes) -> Iterator[int]:
    hit = window.find(needle)
    while 0 <= hit < _SCAN:
        yield hit
        hit = window.find(needle, hit + 1)


def record_end(stream: BinaryIO, pos: int) -> int | None:
    """Where the record starting at ``pos`` ends, or None when the file ends first.

    In a gzip member: the end of the member (the record inside may still claim more
    bytes; the reader sees that as a short body). Plain: header, ``Content-Length`` bytes of
    block, then the two line breaks that close a record.
    """
    stream.seek(pos)
    gzipped = _gzip_at(stream.read(3))
    stream.seek(pos)
    if gzipped:
        inflater = zlib.decompressobj(31)
        used = 0
        while not inflater.eof:
            chunk = stream.read(_SCAN)
            if not chunk:
                return None
            try:
                inflater.decompress(chunk, _SCAN)   # output is dropped: only the member's end matters
                while inflater.unconsumed_tail and not inflater.eof:
                    inflater.decompress(inflater.unconsumed_tail, _SCAN)
            except zlib.error:
                return None
            used += len(chunk)
        return pos + used - len(inflater.unused_data)
    head = stream.read(_MAX_HEADER)
    split = head.find(b"\r\n\r\n")
    length = _CONTENT_LENGTH.search(head, 0, max(split, 0))
    if split < 0 or length is None:
        return None
    end = pos + split + 4 + int(length.group(1))
    stream.seek(end)
    tail = stream.read(4)
    if len(tail) < 4 or tail != b"\r\n\r\n":
        stream.seek(end - 1)
        if not stream.read(1):
            return None                            # the block runs past the end of the file
    return end + len(tail) - len(tail.lstrip(b"\r\n"))


def blank_after(stream: BinaryIO, pos: int) -> bool:
    """Is there nothing but line breaks (or zero padding) from ``pos`` to the end?"""
    stream.seek(pos)
    while chunk := stream.read(_SCAN):
        if chunk.strip(b"\r\n\x00 "):
            return False
    return True
