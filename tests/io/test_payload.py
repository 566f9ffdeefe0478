"""HTTP payload decoding: chunked, gzip/deflate, bombs, lies in headers."""

from __future__ import annotations

import gzip
import zlib

import pytest

from curate import reasons
from curate.io._payload import PayloadError, decode_payload, dechunk


def chunked(data: bytes, size: int = 7) -> bytes:
    parts = [b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size)]
    return b"".join(parts) + b"0\r\n\r\n"


def test_dechunk_roundtrip_and_passthrough():
    data = b"<html><body>hello chunked world</body></html>"
    assert dechunk(chunked(data)) == data
    assert dechunk(data) == data  # header said chunked, body was stored decoded


def test_dechunk_cut_short_is_an_error():
    with pytest.raises(PayloadError) as err:
        dechunk(chunked(b"a" * 40)[:-12])
    assert err.value.reason == reasons.CONTENT_DECODING


def test_gzip_and_deflate_variants():
    data = b"<p>" + b"text " * 100 + b"</p>"
    assert decode_payload(gzip.compress(data), None, "gzip", 1 << 20) == data
    assert decode_payload(zlib.compress(data), None, "deflate", 1 << 20) == data
    raw = zlib.compressobj(wbits=-15)
    assert decode_payload(raw.compress(data) + raw.flush(), None, "deflate", 1 << 20) == data
    assert decode_payload(chunked(gzip.compress(data)), "chunked", "gzip", 1 << 20) == data
    assert decode_payload(data, None, "gzip", 1 << 20) == data  # crawler stored it decoded


def test_decompression_bomb_is_refused():
    bomb = gzip.compress(b"\0" * (50 << 20))  # 50 MB of zeros in ~50 KB
    assert len(bomb) < 100_000
    with pytest.raises(PayloadError) as err:
        decode_payload(bomb, None, "gzip", 1 << 20)
    assert err.value.reason == reasons.BODY_TOO_LARGE


def test_truncated_gzip_and_unknown_encoding():
    with pytest.raises(PayloadError, match="truncated"):
        decode_payload(gzip.compress(b"x" * 5000)[:-10], None, "gzip", 1 << 20)
    with pytest.raises(PayloadError, match="unsupported"):
        decode_payload(b"abc", None, "compress", 1 << 20)
