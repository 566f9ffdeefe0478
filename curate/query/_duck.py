"""DuckDB views over the Parquet datasets of an output root.

View columns come from ``schemas/`` (the Parquet files carry the same schema),
and each column gets the schema's description as its comment.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from curate.io import Ledger, committed, listed_shards, round_dirs, storage_root
from schemas import DATASETS, describe


def dataset_files(root: str | Path, name: str, listed: set[str] | None = None) -> list[str]:
    """The committed shards of ``name``: under ``root/name/`` or, for per-round datasets, every
    ``root/round-*/name/`` (see :func:`curate.io.committed`: un-recorded shards are not shown;
    ``listed``: the root's :func:`curate.io._shards.listed_shards`, when the caller has it)."""
    store = storage_root(root)
    if store.remote:           # object storage: what the records list, by dataset folder (any round)
        listed = listed_shards(root) if listed is None else listed
        found = [p for p in listed if p.split("/")[-2:-1] == [name]]
        return [store.uri(p) for p in sorted(found, key=lambda p: (p.count("/"), len(p), p))]
    root = Path(root)
    files = committed(root, name, listed)
    if files or (root / name).is_dir():
        return files
    return [f for _, d in round_dirs(root) for f in committed(d, name)]


def files_sql(files: list[str]) -> str:
    """A DuckDB list literal of file paths, for ``read_parquet``."""
    return "[" + ", ".join(sql_str(f) for f in files) + "]"


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def roots_of(root) -> list:
    """One output root or several (``curate query --root A --root B``) as a list of paths
    (an object-storage URL stays a string)."""
    roots = root if isinstance(root, (list, tuple)) else [root]
    return [storage_root(r).location for r in roots]


def _holds_datasets(path: Path) -> bool:
    return (path / "_ledger").is_dir() or any((path / name).is_dir() for name in DATASETS) \
        or bool(round_dirs(path))


def find_roots(paths) -> list[Path]:
    """The output roots of ``paths``: each path that holds datasets (or a ledger), else its
    subfolders, two levels deep, that do (``curate stats --root runs/`` over runs/a, runs/b).
    A one-line error when a path does not exist or holds none: never an empty answer."""
    from curate.errors import FatalError

    out: list = []
    for path in roots_of(paths):
        if storage_root(path).remote:               # an object-storage root: it has a ledger
            if not Ledger(path).keys():
                raise FatalError(f"--root {path}: no completion records under it (nothing written there yet?)")
            out.append(path)
            continue
        if not path.is_dir():
            raise FatalError(f"--root {path}: no such folder")
        if _holds_datasets(path):
            out.append(path)
            continue
        found = [d for d in sorted(path.glob("*")) if d.is_dir() and _holds_datasets(d)]
        found += [d for d in sorted(path.glob("*/*")) if d.is_dir() and _holds_datasets(d)
                  and not _holds_datasets(d.parent)]
        if not found:
            raise FatalError(f"no datasets under {path} (looked for {', '.join(sorted(DATASETS))} and _ledger, "
                             "in it and two levels below)")
        out += found
    return out


def reader(roots, database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A bare connection that can read files under ``roots`` (paths or fsspec URLs)."""
    return can_read(duckdb.connect(database, read_only=read_only), roots)


def can_read(con: duckdb.DuckDBPyConnection, roots) -> duckdb.DuckDBPyConnection:
    """``con`` with the fsspec filesystem of every object-storage root among ``roots``."""
    stores = {store.protocol: store.fs for store in map(storage_root, roots) if store.fs is not None}
    for protocol in sorted(stores):
        # DuckDB reads object storage through the fsspec filesystem (its httpfs extension is a
        # download at run time); the same filesystem, with the same credentials, curate writes with
        con.register_filesystem(stores[protocol])
    return con


def connect(root, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection with a view per dataset present under ``root`` and a ``ledger`` view.

    ``root`` may be several roots (a list): each view reads the dataset's shards of every root
    (ingest under one root, dedup under another, and ``pages JOIN duplicates`` works)."""
    roots = roots_of(root)
    listings = {r: listed_shards(r) for r in roots}     # each root's ledger read once, not per dataset
    con = reader(roots, database)
    for name, schema in DATASETS.items():
        files = [f for r in roots for f in dataset_files(r, name, listings[r])]
        if files:
            # The view lists its files (those with a completion record), so a long-lived connection
            # or catalog shows the shards committed when it was made. hive_partitioning off:
            # an older root's round=N folders must not add a second ``round`` column.
            con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM "
                        f"read_parquet({files_sql(files)}, hive_partitioning=false, union_by_name=true)")
        elif any(storage_root(r).is_folder(name) for r in roots):
            # the job ran and found nothing (no contamination, say): an empty table, not "no such table"
            con.register("_empty", schema.empty_table())
            con.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM _empty")
            con.unregister("_empty")
        else:
            continue
        for column, text in describe(schema).items():
            if text:
                con.execute(f"COMMENT ON COLUMN {name}.{column} IS {sql_str(text)}")
    ledgers = [f for r in roots for f in storage_root(r).scan("_ledger", "*.json")]
    if ledgers:
        con.execute(f"CREATE OR REPLACE VIEW ledger AS SELECT * FROM read_json_auto({files_sql(ledgers)}, "
                    "union_by_name=true)")
    return con



def write_query(con: duckdb.DuckDBPyConnection, sql: str, path: str | Path, schema, *,
                batch_rows: int = 100_000) -> int:
    """Stream the result of ``sql`` into one Parquet file with ``schema``, atomically.

    Batches are cast to ``schema`` (so DuckDB's types never leak into files) and
    written to a temp file renamed into place; returns the number of rows.
    """
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    rows = 0
    reader = con.sql(sql).to_arrow_reader(batch_rows)
    try:
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for batch in reader:
                table = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
                writer.write_table(table)
                rows += table.num_rows
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return rows
