"""Output roots on object storage: ``s3://bucket/prefix``, ``gs://``, ``memory://`` (any fsspec URL).

Object stores have no rename, so an input's shards are written straight to their final names
(``<dataset>/<input_key>-NNNNN.parquet``, one object each: a PUT is all or nothing) and then its
completion record (``_ledger/<input_key>.json``). Readers see only the shards a record lists,
so a worker killed mid-input leaves objects nobody reads; the rerun of that input deletes them
before writing (its names are the same, so nothing is duplicated). Local paths never come here.

Credentials and endpoints come from the environment as for any AWS client (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL`` for a non-AWS store such as MinIO or moto).
"""

from __future__ import annotations

import functools
import os
import posixpath
import tempfile
from pathlib import Path

from curate.errors import FatalError

_LOCAL = ("file", "local")


def is_url(root) -> bool:
    """True for an fsspec URL other than a local file (``s3://b/p``, ``memory://x``)."""
    text = str(root)
    return "://" in text and text.split("://", 1)[0] not in _LOCAL


@functools.lru_cache(maxsize=16)
def _filesystem(protocol: str):
    import fsspec

    try:
        if protocol == "s3":
            import os

            # botocore reads AWS_ENDPOINT_URL itself; s3fs is given it too, for older set-ups
            endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
            return fsspec.filesystem("s3", endpoint_url=endpoint) if endpoint else fsspec.filesystem("s3")
        return fsspec.filesystem(protocol)
    except ImportError as exc:
        raise FatalError(f"{protocol}:// output: install the extra for it (pip install 'curate[s3]')") from exc


class RemoteRoot:
    """An output root at an fsspec URL; paths below it are ``/``-separated and relative."""

    def __init__(self, url: str):
        self.url = str(url).rstrip("/")
        self.protocol, self.path = self.url.split("://", 1)
        self.fs = _filesystem(self.protocol)

    def full(self, rel: str) -> str:
        """The store path of ``rel`` (without the protocol), as the filesystem wants it."""
        return posixpath.join(self.path, rel) if rel else self.path

    def uri(self, rel: str) -> str:
        return f"{self.protocol}://{self.full(rel)}"

    def write_bytes(self, rel: str, data: bytes) -> None:
        """One object, written whole (a single PUT): readers see all of it or none."""
        self.fs.pipe_file(self.full(rel), data)

    def read_bytes(self, rel: str) -> bytes | None:
        try:
            return self.fs.cat_file(self.full(rel))
        except FileNotFoundError:
            return None

    def list(self, rel: str, pattern: str = "*") -> list[str]:
        """Names (relative to the root) of the objects ``rel/pattern``, sorted; none for no folder."""
        try:
            found = self.fs.glob(self.full(posixpath.join(rel, pattern)))
        except FileNotFoundError:
            return []
        prefix = self.path + "/"
        return sorted(p[len(prefix):] if p.startswith(prefix) else p for p in found)

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.full(rel))

    def remove(self, rels: list[str]) -> None:
        if rels:
            self.fs.rm([self.full(r) for r in rels])

    def open_write(self, rel: str):
        """A file object whose content becomes the object when it is closed."""
        return self.fs.open(self.full(rel), "wb")

    def invalidate(self) -> None:
        """Forget cached listings (another process may have written since)."""
        self.fs.invalidate_cache()


def parquet_file(path: str):
    """A ``pyarrow.parquet.ParquetFile`` of a local path or an fsspec URL (read in ranges)."""
    import pyarrow.parquet as pq

    if not is_url(path):
        return pq.ParquetFile(path)
    protocol, rest = path.split("://", 1)
    return pq.ParquetFile(_filesystem(protocol).open(rest, "rb"))


def open_read(path: str):
    """A binary file object of a local path or an fsspec URL."""
    if not is_url(path):
        return open(path, "rb")
    protocol, rest = path.split("://", 1)
    return _filesystem(protocol).open(rest, "rb")


def file_stamp(path: str) -> tuple[int, str]:
    """(size in bytes, a stamp that changes when the file does) of a local path or an fsspec URL."""
    import os

    if not is_url(path):
        stat = os.stat(path)
        return stat.st_size, f"{stat.st_size}:{stat.st_mtime_ns}"
    protocol, rest = path.split("://", 1)
    info = _filesystem(protocol).info(rest)
    return info["size"], object_stamp(info)


def object_stamp(info: dict) -> str:
    """A stamp of an object from its listing (fsspec ``info``): size and ETag (or what the
    store has instead), changed whenever the object is."""
    tag = info.get("ETag") or info.get("etag") or info.get("md5Hash") or info.get("mtime") or ""
    return f"{info.get('size')}:{tag}"


def write_file(root, rel: str, data: bytes) -> None:
    """``data`` at ``rel`` under an output root: an atomic local write, or one object."""
    if is_url(root):
        RemoteRoot(str(root)).write_bytes(rel, data)
    else:
        write_atomic(Path(root) / rel, data)


def local_work(root, *parts: str):
    """A job's work folder for ``root``: under the root itself when it is a folder; on this
    machine's cache (``$CURATE_CACHE``, default ~/.cache/curate) when the root is on object
    storage, so the work files of a run (not its outputs) stay with the machine that runs it."""
    import hashlib

    if not is_url(root):
        return Path(root).joinpath(*parts)
    cache = Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate"))
    return cache.joinpath("work", hashlib.sha256(str(root).rstrip("/").encode("utf-8", "surrogateescape")).hexdigest()[:16], *parts)


def write_atomic(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` through a temp file in the same folder and a rename; ``mode``
    (0o644 for a file meant for others) is set before the rename (temp files start private)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
