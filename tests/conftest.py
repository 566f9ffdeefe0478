"""Shared fixtures: where the real test data lives, and small WARC builders."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CURATE_SHARED_DATA", ROOT.parent / "shared" / "data")).resolve()  # inputs are keyed by real path


@pytest.fixture(scope="session")
def shared() -> Path:
    """The real public test data (../shared/data, or $CURATE_SHARED_DATA)."""
    if not (SHARED / "warc").is_dir():
        pytest.skip(f"shared test data not found at {SHARED} (set CURATE_SHARED_DATA)")
    return SHARED


def warc_bytes(records: list[dict], gzip: bool = True) -> bytes:
    """A WARC written with warcio from test-authored records.

    Each record: url, body (bytes), and optionally status, ctype, headers (extra HTTP
    headers), rtype ('response', 'resource', ...).
    """
    out = BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    for i, rec in enumerate(records):
        rtype = rec.get("rtype", "response")
        headers = [("Content-Type", rec.get("ctype", "text/html; charset=utf-8"))] + rec.get("headers", [])
        http = StatusAndHeaders(rec.get("status", "200 OK"), headers, protocol="HTTP/1.1") if rtype == "response" else None
        warc_headers = {"WARC-Date": f"2024-01-01T00:00:{i:02d}Z", "WARC-Record-ID": f"<urn:uuid:00000000-0000-0000-0000-{i:012d}>"}
        if rtype != "response":
            warc_headers["Content-Type"] = rec.get("ctype", "text/plain")
        writer.write_record(writer.create_warc_record(rec["url"], rtype, payload=BytesIO(rec["body"]),
                                                      http_headers=http, warc_headers_dict=warc_headers,
                                                      length=len(rec["body"]) if http is None else None))
    return out.getvalue()


def article(title: str, paragraphs: int = 3, extra: str = "") -> bytes:
    """A small HTML article with enough text for trafilatura to keep."""
    body = "".join(f"<p>{title} paragraph {i}: the quick brown fox jumps over the lazy dog while the "
                   f"committee discusses the budget for the coming year in considerable detail.</p>"
                   for i in range(paragraphs))
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}{extra}</article></body></html>".encode()


@pytest.fixture(scope="session")
def math_model(shared, tmp_path_factory) -> Path:
    """A fastText math model trained once per session (see tests/pipelines/math_corpus.py); half
    of the non-math html/ pages are among its negatives, the other half stays unseen."""
    from tests.pipelines.math_corpus import html_records, train_model

    return train_model(shared, tmp_path_factory.mktemp("math-model") / "math.bin", html_records(shared))


@pytest.fixture(scope="session")
def s3():
    """moto's S3 server on 127.0.0.1 (see tests/s3_server.py); AWS clients everywhere point at it."""
    from tests.s3_server import S3Server

    server = S3Server()
    yield server
    server.stop()
