"""The demo input: a small WARC of pages written for this project.

Six HTML pages (four with math in different markups, a recipe, a German page in
ISO-8859-1) plus records that ingestion must reject (a 404, a redirect, a
robots.txt). Built deterministically: fixed dates and record ids, so the demo's
output is identical on every machine.
"""

from __future__ import annotations

import uuid
from importlib import resources
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

__all__ = ["BASE", "write_demo_warc"]

BASE = "https://demo.curate.invalid"
_NS = uuid.UUID("6f1c2e4a-1b7d-4c55-9a1e-2f3b4c5d6e7f")


def _pages() -> list[tuple[str, bytes]]:
    folder = resources.files(__package__) / "pages"
    return sorted((p.name, p.read_bytes()) for p in folder.iterdir() if p.name.endswith(".html"))


def _record(writer: WARCWriter, url: str, status: str, ctype: str, body: bytes, n: int) -> None:
    http = StatusAndHeaders(status, [("Content-Type", ctype), ("Content-Length", str(len(body)))],
                            protocol="HTTP/1.1")
    warc_headers = {
        "WARC-Date": f"2024-05-18T01:{n // 60:02d}:{n % 60:02d}Z",
        "WARC-Record-ID": f"<urn:uuid:{uuid.uuid5(_NS, url)}>",
    }
    rec = writer.create_warc_record(url, "response", payload=BytesIO(body), http_headers=http,
                                    warc_headers_dict=warc_headers)
    writer.write_record(rec)


def write_demo_warc(path: str | Path) -> Path:
    """Write the demo WARC (per-record gzip) to ``path`` and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        n = 0
        for name, body in _pages():
            charset = "iso-8859-1" if b"iso-8859-1" in body[:200] else "utf-8"
            _record(writer, f"{BASE}/{name[3:-5]}", "200 OK", f"text/html; charset={charset}", body, n)
            n += 1
        _record(writer, f"{BASE}/robots.txt", "200 OK", "text/plain", b"User-agent: *\nDisallow:\n", n)
        _record(writer, f"{BASE}/old-page", "301 Moved Permanently", "text/html", b"<html><body>moved</body></html>", n + 1)
        _record(writer, f"{BASE}/missing", "404 Not Found", "text/html", b"<html><body>not found</body></html>", n + 2)
    return path
