"""A seekless, resumable HTTP reader for streaming large files.

Common Crawl files are about 1 GB: a dropped connection must not restart the
file from byte 0 in the caller, nor duplicate rows. :class:`ResumableHTTPFile`
is a file object that, when the connection drops, reconnects with a ``Range``
request from the current position (or, if the server ignores ranges, re-reads and
discards the bytes already delivered), so callers see one unbroken byte stream.
HTTP 429/5xx and connection errors are retried with exponential back-off.
"""

from __future__ import annotations

import io
import logging
import time

import urllib3
from urllib3.exceptions import HTTPError as _Urllib3Error

from curate.errors import RetryableError, ShardError

log = logging.getLogger(__name__)

_POOL = urllib3.PoolManager(num_pools=8, maxsize=4, retries=False)
_RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class ResumableHTTPFile(io.RawIOBase):
    """Read-only stream over ``url`` that survives dropped connections.

    ``retries`` bounds consecutive failed attempts without progress; any byte
    received resets the count. ``backoff`` is the first wait (doubled each retry,
    capped at ``max_backoff``).
    """

    def __init__(self, url: str, *, retries: int = 5, backoff: float = 0.5,
                 max_backoff: float = 30.0, timeout: float = 60.0, start: int = 0):
        super().__init__()
        self.url = url
        self.retries, self.backoff, self.max_backoff = retries, backoff, max_backoff
        self.timeout = urllib3.Timeout(connect=min(timeout, 30.0), read=timeout)
        self.pos = start
        self.reconnects = 0
        self._resp: urllib3.BaseHTTPResponse | None = None
        self._eof = False
        self._connect()

    def readable(self) -> bool:
        return True

    # fastwarc asks the stream for its position (a seek); seeking elsewhere
    # reconnects with a Range request, so lineage look-ups can jump to an offset.
    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.pos
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("seek from the end of an HTTP stream")
        if offset != self.pos:
            if self._resp is not None:
                self._resp.release_conn()
            self.pos, self._eof = offset, False
            self._connect()
        return self.pos

    def _wait(self, attempt: int, why: str) -> None:
        if attempt > self.retries:
            raise RetryableError(f"{self.url}: giving up after {self.retries} retries at byte {self.pos}: {why}")
        delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
        log.warning("%s: %s; retry %d/%d in %.1fs from byte %d", self.url, why, attempt, self.retries, delay, self.pos)
        time.sleep(delay)

    def _connect(self) -> None:
        attempt = 0
        while True:
            headers = {"Range": f"bytes={self.pos}-"} if self.pos else {}
            try:
                resp = _POOL.request("GET", self.url, headers=headers, preload_content=False,
                                     decode_content=False, timeout=self.timeout, redirect=True)
            except _Urllib3Error as exc:
                attempt += 1
                self._wait(attempt, f"connect failed: {exc}")
                continue
            status = resp.status
            if status == 416 and self.pos:  # asked past the end: nothing left
                resp.release_conn()
                self._resp, self._eof = None, True
                return
            if status in _RETRY_STATUS:
                resp.release_conn()
                attempt += 1
                self._wait(attempt, f"HTTP {status}")
                continue
            if status >= 400:
                resp.release_conn()
                raise ShardError(f"{self.url}: HTTP {status}")
            if self.pos and status == 200:
                # The server ignored Range: skip what the caller already has.
                if not self._skip(resp, self.pos):
                    attempt += 1
                    self._wait(attempt, "connection dropped while skipping")
                    continue
            self._resp = resp
            return

    @staticmethod
    def _skip(resp: urllib3.BaseHTTPResponse, n: int) -> bool:
        try:
            while n > 0:
                chunk = resp.read(min(n, 1 << 20), decode_content=False)
                if not chunk:
                    return False
                n -= len(chunk)
            return True
        except (_Urllib3Error, OSError):
            return False

    def readinto(self, buffer) -> int:
        if self._eof or not len(buffer):
            return 0
        attempt = 0
        while True:
            try:
                assert self._resp is not None
                chunk = self._resp.read(len(buffer), decode_content=False)
            except (_Urllib3Error, OSError) as exc:
                chunk, error = None, exc
            else:
                error = None
            if chunk:
                buffer[: len(chunk)] = chunk
                self.pos += len(chunk)
                return len(chunk)
            if error is None:
                self._eof = True
                self._resp.release_conn()
                return 0
            # Dropped mid-stream: reconnect from self.pos.
            attempt += 1
            self.reconnects += 1
            self._resp.release_conn()
            self._wait(attempt, f"connection lost: {error}")
            self._connect()
            if self._eof:
                return 0

    def close(self) -> None:
        if self._resp is not None:
            self._resp.release_conn()
            self._resp = None
        super().close()


def fetch(url: str, **kwargs) -> bytes:
    """The whole body of ``url`` (small files only, e.g. ``warc.paths.gz``)."""
    with ResumableHTTPFile(url, **kwargs) as fh:
        return fh.read()
