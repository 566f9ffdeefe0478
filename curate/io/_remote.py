"""Storage roots: a local folder or object storage (``s3://bucket/prefix``, ``gs://``, ``memory://``:
any fsspec URL), behind one interface (:func:`storage_root`: the one place that tells them apart).

Object stores have no rename, so an input's shards are written straight to their final names
(``<dataset>/<input_key>-NNNNN.parquet``, one object each: a PUT is all or nothing) and then its
completion record (``_ledger/<input_key>.json``). Readers see only the shards a record lists,
so a worker killed mid-input leaves objects nobody reads; the rerun of that input deletes them
before writing (its names are the same, so nothing is duplicated). A local root writes each file
through a temp file and a rename instead (:class:`LocalRoot`).

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

    remote = True

    def __init__(self, url: str):
        self.url = str(url).rstrip("/")
        self.protocol, self.path = self.url.split("://", 1)
        self.fs = _filesystem(self.protocol)

    def __str__(self) -> str:
        return self.url

    @property
    def canonical(self) -> str:
        """The root's one spelling (no trailing slash), for comparing roots and naming files."""
        return self.url

    @property
    def location(self) -> str:
        """The root as callers pass it on: its URL (a local root: its ``Path``)."""
        return self.url

    def is_folder(self, rel: str) -> bool:
        """Object storage has no empty folders: a dataset that wrote no object is not there."""
        return False

    def scan(self, rel: str, pattern: str) -> list[str]:
        """What a reader (DuckDB) is given to read every ``rel/pattern``: the objects listed now."""
        self.invalidate()
        return [self.uri(name) for name in self.list(rel, pattern)]

    def local_copy(self, rel: str = "") -> Path:
        """A copy of ``rel`` in this machine's cache (downloaded whole), for programs that need a file."""
        local = self.work(posixpath.basename(self.full(rel)))
        local.parent.mkdir(parents=True, exist_ok=True)
        with self.open_read(rel) as src:
            write_atomic(local, src.read())
        return local

    def full(self, rel: str) -> str:
        """The store path of ``rel`` (without the protocol), as the filesystem wants it."""
        return posixpath.join(self.path, rel) if rel else self.path

    def uri(self, rel: str = "") -> str:
        return f"{self.protocol}://{self.full(rel)}"

    def write_bytes(self, rel: str, data: bytes, mode: int | None = None) -> None:
        """One object, written whole (a single PUT): readers see all of it or none (``mode``:
        a local file's permissions; objects have none)."""
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

    def open_read(self, rel: str = ""):
        """A binary file object reading ``rel`` (the root itself, for a root that is one file)."""
        return self.fs.open(self.full(rel), "rb")

    def parquet_file(self, rel: str = ""):
        """A ``pyarrow.parquet.ParquetFile`` of ``rel``, read in ranges."""
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.open_read(rel))

    def stamp(self, rel: str = "") -> tuple[int, str]:
        """(size in bytes, a stamp that changes when the object does)."""
        info = self.fs.info(self.full(rel))
        return info["size"], object_stamp(info)

    def work(self, *parts: str) -> Path:
        """A job's work folder for this root, on this machine's cache (``$CURATE_CACHE``, default
        ~/.cache/curate): the work files of a run (not its outputs) stay with the machine that runs it."""
        import hashlib

        cache = Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate"))
        key = hashlib.sha256(self.url.encode("utf-8", "surrogateescape")).hexdigest()[:16]
        return cache.joinpath("work", key, *parts)

    def invalidate(self) -> None:
        """Forget cached listings (another process may have written since)."""
        self.fs.invalidate_cache()


class LocalRoot:
    """An output root in a local folder, with :class:`RemoteRoot`'s interface: each file is written
    through a temp file and a rename, so readers see all of it or none."""

    remote = False
    fs = None

    def __init__(self, path):
        self.root = Path(path)

    def __str__(self) -> str:
        return str(self.root)

    @property
    def canonical(self) -> str:
        """The root's one spelling (its resolved absolute path)."""
        return str(self.root.resolve())

    @property
    def location(self) -> Path:
        return self.root

    def is_folder(self, rel: str) -> bool:
        return (self.root / rel).is_dir()

    def scan(self, rel: str, pattern: str) -> list[str]:
        """A glob (files written later are read too), when anything matches it now."""
        return [str(self.root / rel / pattern)] if any((self.root / rel).glob(pattern)) else []

    def local_copy(self, rel: str = "") -> Path:
        return Path(self.full(rel))

    def full(self, rel: str) -> str:
        return str(self.root / rel) if rel else str(self.root)

    uri = full

    def write_bytes(self, rel: str, data: bytes, mode: int | None = None) -> None:
        write_atomic(self.root / rel, data, mode)

    def read_bytes(self, rel: str) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None

    def list(self, rel: str, pattern: str = "*") -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in (self.root / rel).glob(pattern))

    def exists(self, rel: str) -> bool:
        return (self.root / rel).exists()

    def remove(self, rels: list[str]) -> None:
        for rel in rels:
            (self.root / rel).unlink(missing_ok=True)

    def open_read(self, rel: str = ""):
        return open(self.full(rel), "rb")

    def parquet_file(self, rel: str = ""):
        import pyarrow.parquet as pq

        return pq.ParquetFile(self.full(rel))           # a path: Arrow's own reader, no Python file object

    def stamp(self, rel: str = "") -> tuple[int, str]:
        stat = os.stat(self.full(rel))
        return stat.st_size, f"{stat.st_size}:{stat.st_mtime_ns}"

    def work(self, *parts: str) -> Path:
        """A job's work folder for this root: under the root itself."""
        return self.root.joinpath(*parts)

    def invalidate(self) -> None:
        pass


def storage_root(location) -> LocalRoot | RemoteRoot:
    """The storage root at ``location`` (a folder, a file, or an fsspec URL): every read and write
    of an output root, a ledger or an input file goes through one."""
    if is_url(location):
        return RemoteRoot(str(location))
    text = str(location)
    return LocalRoot(text[len("file://"):] if text.startswith("file://") else location)


def parquet_file(path: str):
    """A ``pyarrow.parquet.ParquetFile`` of a local path or an fsspec URL (read in ranges)."""
    return storage_root(path).parquet_file()


def open_read(path: str):
    """A binary file object of a local path or an fsspec URL."""
    return storage_root(path).open_read()


def file_stamp(path: str) -> tuple[int, str]:
    """(size in bytes, a stamp that changes when the file does) of a local path or an fsspec URL."""
    return storage_root(path).stamp()


def object_stamp(info: dict) -> str:
    """A stamp of an object from its listing (fsspec ``info``): size and ETag (or what the
    store has instead), changed whenever the object is."""
    tag = info.get("ETag") or info.get("etag") or info.get("md5Hash") or info.get("mtime") or ""
    return f"{info.get('size')}:{tag}"


def write_file(root, rel: str, data: bytes, mode: int | None = None) -> None:
    """``data`` at ``rel`` under an output root: an atomic local write (``mode``: its permissions,
    0o644 for a file meant for others), or one object."""
    storage_root(root).write_bytes(rel, data, mode)


def local_work(root, *parts: str) -> Path:
    """A job's work folder for ``root``: under the root itself when it is a folder; on this
    machine's cache when the root is on object storage (see :meth:`RemoteRoot.work`)."""
    return storage_root(root).work(*parts)


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
