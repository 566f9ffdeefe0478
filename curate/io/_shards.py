"""Parquet shard writing with explicit schemas, size targets and atomic commits.

Layout under an output root::

    root/<dataset>/<input_key>-00000.parquet   committed shards
    root/_staging/<input_key>/<dataset>/...    shards of an input still being written
    root/_ledger/<input_key>.json              completion record (see _ledger.py)

An input's shards are written to its staging folder, renamed into place when the
input is finished, and only then is its completion record written. The record
lists the shards, and readers (``curate.query.connect``) see only listed shards, so
a crash at any point leaves nothing visible: at worst unlisted shards, which
:meth:`ShardStore.begin` removes before the input is redone. A rerun never
duplicates rows and shard names are the same as on a clean run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from curate.errors import FatalError
from curate.io._names import readable

STAGING = "_staging"
# A dataset written here: readers see only the shards a completion record lists. Its mark is a
# zero-byte ``<root>/_listed/<dataset>``, outside the dataset's folder: every file in a dataset
# folder is Parquet, so HF datasets, DuckDB globs (``pages/*``) and datatrove read it as it is.
LISTED = "_listed"
# where roots written before the mark moved keep it (read, and removed by the next run)
LEDGER_MARK = "_LISTED_IN_LEDGER"


def _listed_mark(name: str) -> str:
    return f"{LISTED}/{name}"


#: per-round datasets (math recall) live in ``<root>/round-<n>/<dataset>/``: the one place that says
#: so. Not ``round=<n>``: that is a Hive partition to pandas, pyarrow and polars, whose ``round``
#: (a dictionary) clashed with the files' own int32 ``round`` column. Roots from before the rename
#: keep their ``round=<n>`` folders; the glob matches both.
ROUND_GLOB = "round[-=]*"


def round_dir(root: str | os.PathLike, n: int) -> Path:
    """The folder of round ``n`` of an output root (an older root's ``round=<n>`` where it has one)."""
    legacy = Path(root) / f"round={n}"
    return legacy if legacy.is_dir() else Path(root) / f"round-{n}"


def round_dirs(root: str | os.PathLike) -> list[tuple[int, Path]]:
    """(n, folder) of every round folder under ``root``, in round order."""
    found = []
    for path in Path(root).glob(ROUND_GLOB):
        n = path.name[len("round-"):]
        if path.is_dir() and n.isascii() and n.isdigit():
            found.append((int(n), path))
    return sorted(found)


def listed_shards(root: str | os.PathLike) -> set[str]:
    """Every shard path (``<dataset>/<file>``) a completion record under ``root`` lists, but those
    of a record that a finished record names in its ``supersedes`` (a run that replaced it: the
    replaced rows vanish at once, even before their files are removed)."""
    from curate.io._ledger import DONE, Ledger

    records = Ledger(root).all()
    gone = {key for done in records if done.status == DONE for key in (done.config or {}).get("supersedes", [])}
    return {path for done in records if done.key not in gone for paths in done.shards.values() for path in paths}




def committed(root: str | os.PathLike, name: str, listed: set[str] | None = None) -> list[str]:
    """The shard files of dataset ``name`` under ``root`` that readers may see, sorted.

    In a dataset this module writes (marked in ``_listed/``), that is the shards
    listed by completion records: a shard renamed into place by an input whose record
    was never written (a kill, a full disk) stays invisible until a rerun removes it.
    Folders written otherwise (a mixture, an older output) show every shard. ``listed``:
    :func:`listed_shards` of ``root`` when the caller has it (the ledger is read once, not once
    per dataset).
    """
    from curate.io._remote import storage_root

    store = storage_root(root)
    store.invalidate()
    names = store.list(name, "*.parquet")
    # object storage has no rename: there a shard is visible only once a record lists it, always
    if names and (store.remote or store.exists(_listed_mark(name)) or store.exists(f"{name}/{LEDGER_MARK}")):
        listed = listed_shards(root) if listed is None else listed
        names = [rel for rel in names if rel in listed]
    return [store.uri(rel) for rel in names]


def dataset_shards(item: str | os.PathLike, dataset: str) -> list[str]:
    """The shards of ``dataset`` an input names, sorted: an output root or its ``dataset`` folder
    (the committed shards; on object storage a root is always given this way), else Parquet files
    or a glob. Local paths come back resolved."""
    from curate.io._remote import storage_root
    from curate.io._sources import matches

    store = storage_root(item)
    if store.remote:
        root = store.canonical
        hits = committed(root, dataset)
        if not hits and root.endswith(f"/{dataset}"):
            hits = committed(root[: -len(dataset) - 1], dataset)
        return hits
    path = Path(item)
    if path.is_dir():
        folder = path / dataset if (path / dataset).is_dir() else path
        hits = committed(folder.parent, folder.name)          # shards with a completion record
    else:
        hits = matches(str(item))                            # an existing name as written, else a glob
    return sorted({str(Path(h).resolve()) for h in hits})


class ShardWriter:
    """Writes rows of one dataset for one input into numbered Parquet shards.

    A new shard starts when the current one reaches ``target_rows`` rows or about
    ``target_bytes`` bytes (estimated from the Arrow buffers before compression).
    """

    def __init__(self, folder: Path | str, prefix: str, schema: pa.Schema, *,
                 target_rows: int = 100_000, target_bytes: int = 256 << 20,
                 batch_rows: int = 1_000, remote=None):
        # remote: a RemoteRoot; ``folder`` is then the dataset's name under it and each shard is
        # an object uploaded when the shard closes (paths are then root-relative strings)
        self.remote, self._sink = remote, None
        self.folder = folder if remote is not None else Path(folder)
        self.prefix, self.schema = prefix, schema
        self.target_rows, self.target_bytes, self.batch_rows = target_rows, target_bytes, batch_rows
        self._buffer: list[dict[str, Any]] = []
        self._writer: pq.ParquetWriter | None = None
        self._shard_rows = self._shard_bytes = 0
        self.paths: list[Path] = []
        self.rows = 0

    def write(self, row: dict[str, Any]) -> None:
        """Buffer one row (a dict keyed by column name; missing keys are null)."""
        self._buffer.append(row)
        if len(self._buffer) >= self.batch_rows:
            self._flush()

    def write_many(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.write(row)

    def write_table(self, table: pa.Table) -> None:
        """Write Arrow rows (already of this writer's schema), split at shard targets."""
        self._flush()
        for batch in table.to_batches(max_chunksize=self.batch_rows * 10):
            self._write_batch(batch)

    def _flush(self) -> None:
        if not self._buffer:
            return
        try:
            batch = pa.RecordBatch.from_pylist(self._buffer, schema=self.schema)
        except UnicodeEncodeError:
            # a file name that is not UTF-8 (Linux names are bytes; Python carries the odd ones
            # as surrogates): recorded readably, its bytes as \x escapes, instead of losing the file
            batch = pa.RecordBatch.from_pylist([readable(row) for row in self._buffer], schema=self.schema)
        self._buffer = []
        self._write_batch(batch)

    def _write_batch(self, batch: pa.RecordBatch) -> None:
        if self._writer is None:
            name = f"{self.prefix}-{len(self.paths):05d}.parquet"
            if self.remote is not None:
                path = f"{self.folder}/{name}"
                self._sink = self.remote.open_write(path)
                self._writer = pq.ParquetWriter(self._sink, self.schema, compression="zstd")
            else:
                self.folder.mkdir(parents=True, exist_ok=True)
                path = self.folder / name
                self._writer = pq.ParquetWriter(path, self.schema, compression="zstd")
            self.paths.append(path)
        self._writer.write_batch(batch)
        self.rows += batch.num_rows
        self._shard_rows += batch.num_rows
        self._shard_bytes += batch.nbytes
        if self._shard_rows >= self.target_rows or self._shard_bytes >= self.target_bytes:
            self._close_shard()

    def _close_shard(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
            self._shard_rows = self._shard_bytes = 0
            if self._sink is not None:
                self._sink.close()            # the object appears now, whole
                self._sink = None

    def close(self) -> list[Path]:
        """Flush and close; returns the shard paths written (possibly none)."""
        self._flush()
        self._close_shard()
        return list(self.paths)


class ShardStore:
    """The datasets under one output root, written one input at a time."""

    def __init__(self, root: str | os.PathLike, schemas: dict[str, pa.Schema], *,
                 target_rows: int = 100_000, target_bytes: int = 256 << 20):
        from curate.io._remote import storage_root

        store = storage_root(root)
        self.remote = store if store.remote else None     # object storage: shards go to their final names
        self.root = Path(root) if self.remote is None else str(root)
        self.schemas = schemas
        self.target_rows, self.target_bytes = target_rows, target_bytes
        if self.remote is not None:
            return
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise FatalError(f"cannot create output root {self.root}: {exc}") from exc

    def staging(self, key: str) -> Path:
        return self.root / STAGING / key

    def begin(self, key: str) -> dict[str, ShardWriter]:
        """Forget any partial output of ``key`` and return one writer per dataset."""
        if self.remote is not None:                # no rename there: shards go to their final names
            self.remote.invalidate()
            self.remote.remove([rel for name in self.schemas for rel in self.remote.list(name, f"{key}-*.parquet")])
            return {name: ShardWriter(name, key, schema, target_rows=self.target_rows,
                                      target_bytes=self.target_bytes, remote=self.remote)
                    for name, schema in self.schemas.items()}
        self.discard(key)
        for name in self.schemas:
            (self.root / name).mkdir(parents=True, exist_ok=True)
            mark = self.root / _listed_mark(name)
            mark.parent.mkdir(parents=True, exist_ok=True)
            mark.touch()                                 # before any shard of it can exist
            (self.root / name / LEDGER_MARK).unlink(missing_ok=True)   # an older root's, now moved
            for stale in (self.root / name).glob(f"{key}-*.parquet"):
                stale.unlink()
        return {
            name: ShardWriter(self.staging(key) / name, key, schema,
                              target_rows=self.target_rows, target_bytes=self.target_bytes)
            for name, schema in self.schemas.items()
        }

    def commit(self, key: str, writers: dict[str, ShardWriter]) -> dict[str, list[str]]:
        """Close the writers and move their shards into place; returns final paths.

        All or nothing: if a shard cannot be closed or moved, those already moved are
        taken back before the error is raised.
        """
        closed = {name: writer.close() for name, writer in writers.items()}
        if self.remote is not None:               # already in place; the record makes them visible
            return {name: [str(p) for p in paths] for name, paths in closed.items()}
        final: dict[str, list[str]] = {}
        try:
            for name, paths in closed.items():
                dest = self.root / name
                dest.mkdir(parents=True, exist_ok=True)
                final[name] = []
                for path in paths:
                    target = dest / path.name
                    os.replace(path, target)  # same file system: atomic
                    final[name].append(str(target.relative_to(self.root)))
        except BaseException:
            self.retract(final)
            raise
        self.discard(key)
        return final

    def retract(self, shards: dict[str, list[str]]) -> None:
        """Remove committed shards (their completion record could not be written)."""
        if self.remote is not None:
            self.remote.remove([p for paths in shards.values() for p in paths])
            return
        for paths in shards.values():
            for path in paths:
                (self.root / path).unlink(missing_ok=True)

    def discard(self, key: str) -> None:
        """Remove the staging folder of ``key`` (after a crash or an abort), and ``_staging``
        itself once nothing else is staged there."""
        if self.remote is not None:
            return
        shutil.rmtree(self.staging(key), ignore_errors=True)
        try:
            (self.root / STAGING).rmdir()
        except OSError:
            pass        # another input is being staged, or there is no staging folder

    def abort(self, key: str, writers: dict[str, ShardWriter]) -> None:
        for writer in writers.values():
            try:
                writer.close()
            except Exception:  # closing a half-written file may fail; it is deleted anyway
                pass
        if self.remote is not None:               # objects of an input that did not finish
            self.remote.remove([str(p) for w in writers.values() for p in w.paths
                                if self.remote.exists(str(p))])
        self.discard(key)
