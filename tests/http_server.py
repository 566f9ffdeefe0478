"""A real HTTP server on 127.0.0.1 serving files in Common Crawl's layout, with faults.

Faults per path: ``cuts[path] = n`` sends half the body and then drops the
connection for the next n requests; ``statuses[path] = [503, ...]`` answers
those statuses first; ``ranges = False`` ignores Range headers (answers 200).
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        srv: CCServer = self.server  # type: ignore[assignment]
        path = self.path
        rng = self.headers.get("Range")
        with srv.lock:
            srv.requests.append((path, rng))
            status = srv.statuses.get(path, []).pop(0) if srv.statuses.get(path) else None
            cut = srv.cuts.get(path, 0)
            if cut:
                srv.cuts[path] = cut - 1
        data = srv.files.get(path)
        if data is None or status:
            code = status or 404
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        start = int(rng.split("=")[1].split("-")[0]) if rng and srv.ranges else 0
        if start >= len(data) and start:
            self.send_response(416)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = data[start:]
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "bytes" if srv.ranges else "none")
        self.end_headers()
        if cut:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.wfile.write(body)


class CCServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, crawl: str, warcs: list[Path]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.cuts: dict[str, int] = {}
        self.statuses: dict[str, list[int]] = {}
        self.ranges = True
        self.crawl = crawl
        self.paths = []
        for i, warc in enumerate(warcs):
            rel = f"crawl-data/{crawl}/segments/1716000000000.{i}/warc/{warc.name}"
            self.files["/" + rel] = warc.read_bytes()
            self.paths.append("/" + rel)
        listing = "".join(p[1:] + "\n" for p in self.paths).encode()
        self.files[f"/crawl-data/{crawl}/warc.paths.gz"] = gzip.compress(listing, mtime=0)
        # Common Crawl's crawl list, newest first, as index.commoncrawl.org serves it
        older = "CC-MAIN-2000-01"
        self.files["/collinfo.json"] = json.dumps([{"id": crawl, "name": crawl}, {"id": older, "name": older}]).encode()
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)

    def add_crawl(self, crawl: str, warcs: list[Path]) -> list[str]:
        """Serve another crawl (its paths listing and files); it becomes the newest in collinfo.json."""
        paths = []
        for i, warc in enumerate(warcs):
            rel = f"crawl-data/{crawl}/segments/1717000000000.{i}/warc/{warc.name}"
            self.files["/" + rel] = warc.read_bytes()
            paths.append("/" + rel)
        listing = "".join(p[1:] + "\n" for p in paths).encode()
        self.files[f"/crawl-data/{crawl}/warc.paths.gz"] = gzip.compress(listing, mtime=0)
        known = json.loads(self.files["/collinfo.json"])
        self.files["/collinfo.json"] = json.dumps([{"id": crawl, "name": crawl}, *known]).encode()
        return paths

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self) -> "CCServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()
