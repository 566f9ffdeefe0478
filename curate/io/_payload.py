"""Undo HTTP transfer and content encodings of a WARC payload, safely.

WARC files keep the bytes as sent, so a payload may still be chunked and/or
gzip/deflate compressed. Crawlers such as Common Crawl store decoded bodies but
sometimes keep the original headers, so each decoder first checks that the bytes
really are encoded and otherwise returns them unchanged. Decompression output is
bounded (decompression bombs).
"""

from __future__ import annotations

import zlib

from curate import reasons


class PayloadError(Exception):
    """The payload cannot be decoded; ``reason`` is one of curate.reasons."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def dechunk(data: bytes) -> bytes:
    """Decode ``Transfer-Encoding: chunked``; bytes that are not chunked pass through."""
    first = data[: data.find(b"\r\n", 0, 64)] if b"\r\n" in data[:64] else b""
    try:
        int(first.split(b";")[0].strip() or b"x", 16)
    except ValueError:
        return data  # not chunked after all (header kept, body already decoded)
    out, pos, n = [], 0, len(data)
    while pos < n:
        eol = data.find(b"\r\n", pos)
        if eol < 0:
            raise PayloadError(reasons.CONTENT_DECODING, f"chunked: no chunk-size line at byte {pos}")
        try:
            size = int(data[pos:eol].split(b";")[0].strip(), 16)
        except ValueError:
            raise PayloadError(reasons.CONTENT_DECODING, f"chunked: bad chunk size at byte {pos}") from None
        if size == 0:
            return b"".join(out)
        start = eol + 2
        if start + size > n:
            raise PayloadError(reasons.CONTENT_DECODING, f"chunked: chunk of {size} bytes cut short")
        out.append(data[start:start + size])
        pos = start + size + 2
    # No terminating zero-size chunk: the capture was cut after a whole chunk.
    raise PayloadError(reasons.CONTENT_DECODING, "chunked: missing final chunk")


def _inflate(data: bytes, wbits: int, limit: int, name: str) -> bytes:
    dec = zlib.decompressobj(wbits)
    try:
        out = dec.decompress(data, limit + 1)
    except zlib.error as exc:
        raise PayloadError(reasons.CONTENT_DECODING, f"{name}: {exc}") from None
    if len(out) > limit or dec.unconsumed_tail:
        raise PayloadError(reasons.BODY_TOO_LARGE, f"{name}: decompressed payload exceeds {limit} bytes")
    if not dec.eof:
        raise PayloadError(reasons.CONTENT_DECODING, f"{name}: compressed stream is truncated")
    return out


def _unbrotli(brotli, data: bytes, limit: int) -> bytes:
    """Brotli, streamed with an output cap: a small body that would inflate past ``limit`` is
    refused after at most ``limit`` + 1 MiB of output, never decompressed whole (a 1 KB body can
    expand to gigabytes)."""
    dec = brotli.Decompressor()
    step = 1 << 20
    try:
        parts = [dec.process(data, output_buffer_limit=step)]
        size = len(parts[0])
        while not dec.is_finished() and not dec.can_accept_more_data():
            if size > limit:
                raise PayloadError(reasons.BODY_TOO_LARGE, f"br: decompressed payload exceeds {limit} bytes")
            parts.append(dec.process(b"", output_buffer_limit=step))
            size += len(parts[-1])
    except brotli.error as exc:
        raise PayloadError(reasons.CONTENT_DECODING, f"br: {exc}") from None
    if size > limit:
        raise PayloadError(reasons.BODY_TOO_LARGE, f"br: decompressed payload exceeds {limit} bytes")
    if not dec.is_finished():
        raise PayloadError(reasons.CONTENT_DECODING, "br: compressed stream is truncated")
    return b"".join(parts)


def decode_content(data: bytes, encoding: str | None, limit: int) -> bytes:
    """Undo ``Content-Encoding`` (gzip, deflate; identity passes)."""
    enc = (encoding or "").strip().lower()
    if not enc or enc in ("identity", "none"):
        return data
    if enc in ("gzip", "x-gzip"):
        if not data.startswith(b"\x1f\x8b"):
            return data  # stored decoded despite the header
        return _inflate(data, 16 + zlib.MAX_WBITS, limit, "gzip")
    if enc == "deflate":
        # zlib-wrapped per the RFC, raw deflate in practice: try both.
        try:
            return _inflate(data, zlib.MAX_WBITS, limit, "deflate")
        except PayloadError as exc:
            if exc.reason == reasons.BODY_TOO_LARGE:
                raise
            return _inflate(data, -zlib.MAX_WBITS, limit, "deflate")
    if enc == "br":
        try:
            import brotli
        except ImportError:
            raise PayloadError(reasons.CONTENT_DECODING, "br: brotli is not installed") from None
        return _unbrotli(brotli, data, limit)
    raise PayloadError(reasons.CONTENT_DECODING, f"unsupported Content-Encoding {encoding!r}")


def decode_payload(data: bytes, transfer_encoding: str | None, content_encoding: str | None,
                   limit: int) -> bytes:
    """Decoded HTTP body: de-chunk first, then decompress."""
    if transfer_encoding and "chunked" in transfer_encoding.lower():
        data = dechunk(data)
    return decode_content(data, content_encoding, limit)
