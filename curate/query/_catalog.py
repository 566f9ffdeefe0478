"""A DuckDB catalog file over an output root, and the cross-pipeline ``removals`` view.

``removals`` answers "why was this document removed?" with one row per removal:
the pipeline and stage, a machine-readable reason, a human detail, and lineage.
Its parts come from whichever datasets exist: ``rejected`` (ingestion, code
filters), ``duplicates`` (rows not kept), ``contamination`` and ``quality`` (filter drops).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from curate.query._duck import can_read, connect, files_sql, roots_of, sql_str

REMOVAL_COLUMNS = "pipeline, stage, reason, detail, id, url, crawl, warc_path, warc_offset, source_shard, source_row"

_PARTS = {
    "rejected": """SELECT CASE WHEN stage = 'code_filter' THEN 'code' ELSE 'ingest' END AS pipeline, stage, reason,
                          detail, id, url, crawl, warc_path, warc_offset, NULL AS source_shard,
                          NULL::BIGINT AS source_row FROM rejected""",
    "duplicates": """SELECT 'dedup' AS pipeline, 'dedup' AS stage, reason,
                            'duplicate of ' || coalesce(duplicate_of, '?') || coalesce(' (' || duplicate_of_crawl || ')', '')
                            || ', cluster of ' || cluster_size || coalesce(', exact Jaccard ' || round(jaccard, 3), '')
                            || ', run ' || run AS detail,
                            id, url, crawl, warc_path, warc_offset, source_shard, source_row
                     FROM duplicates WHERE NOT keep""",
    # one row per document: the count of benchmark items it matched and the first three (all of
    # them, with the rule that fired, are in ``contamination``)
    "contamination": """SELECT 'decontaminate' AS pipeline, 'decontaminate' AS stage, 'benchmark_contamination' AS reason,
                               count(*) || ' benchmark item(s): ' || array_to_string(list_slice(list(
                                   benchmark || ' item ' || item || ' (' || part || ') "' || ngram || '"'
                                   ORDER BY benchmark, item, part), 1, 3), '; ')
                               || CASE WHEN count(*) > 3 THEN '; ...' ELSE '' END AS detail,
                               id, any_value(url) AS url, any_value(crawl) AS crawl,
                               any_value(warc_path) AS warc_path, any_value(warc_offset) AS warc_offset,
                               any_value(source_shard) AS source_shard, any_value(source_row) AS source_row
                        FROM contamination GROUP BY id""",
    # a quality-filter drop: the first rule that failed and its measured value; every family's
    # first failure after it (all families always run)
    "quality": """SELECT 'filter' AS pipeline, 'quality' AS stage, reason,
                         reason || ' = ' || coalesce(round(value, 4)::VARCHAR, '?')
                         || CASE WHEN len(failed) > 1 THEN '; also ' || array_to_string(list_filter(failed, lambda f: f <> reason), ', ')
                                 ELSE '' END AS detail,
                         id, NULL AS url, NULL AS crawl, NULL AS warc_path, NULL::BIGINT AS warc_offset,
                         source_shard, source_row
                  FROM quality WHERE NOT keep""",
}

# the view on a root with nothing removed (yet): every column, no rows, so a query of removals
# answers "none" instead of a missing-table error
_NONE = ("SELECT NULL::VARCHAR AS pipeline, NULL::VARCHAR AS stage, NULL::VARCHAR AS reason, NULL::VARCHAR AS detail, "
         "NULL::VARCHAR AS id, NULL::VARCHAR AS url, NULL::VARCHAR AS crawl, NULL::VARCHAR AS warc_path, "
         "NULL::BIGINT AS warc_offset, NULL::VARCHAR AS source_shard, NULL::BIGINT AS source_row WHERE false")


def add_removals(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the ``removals`` view from the datasets present: ingest and code rejections, dedup,
    decontamination and quality-filter drops. It exists on every root (empty where nothing was
    removed); returns whether any part was found."""
    views = {v for (v,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal "
                                       "UNION SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    parts = [sql for name, sql in _PARTS.items() if name in views] or [_NONE]
    con.execute("CREATE OR REPLACE VIEW removals AS " + " UNION ALL ".join(
        f"SELECT {REMOVAL_COLUMNS} FROM ({p})" for p in parts))
    return parts != [_NONE]


LINEAGE_COLUMNS = ("url", "crawl", "warc_path", "warc_offset")


def _mixture_inputs(roots) -> list[str]:
    """The input shards of the mixtures among ``roots`` (from their manifests)."""
    import json

    from curate.io import storage_root

    inputs: list[str] = []
    for r in roots:
        raw = storage_root(r).read_bytes("manifest.json")
        try:
            inputs += [i["path"] for i in json.loads(raw)["inputs"] if i["path"] not in inputs] if raw else []
        except (ValueError, KeyError, TypeError):
            continue                                       # not a mixture's manifest
    return inputs


def add_lineage(con: duckdb.DuckDBPyConnection, roots) -> bool:
    """``mixture_sources`` (one row per row of a mixture's input shards: ``source_shard``,
    ``source_row`` and the URL, crawl and WARC record where the dataset has them) and
    ``mixture_lineage`` (every mixture row joined to it). Mixture rows keep lineage by reference,
    so this is where a row's page comes from; the inputs' roots must be among the query's roots
    to be readable. False when no root holds a mixture."""
    views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    inputs = _mixture_inputs(roots) if "mixture" in views else []
    if not inputs:
        return False
    scan = f"read_parquet({files_sql(inputs)}, filename=true, file_row_number=true, union_by_name=true)"
    try:
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {scan}").fetchall()}
    except duckdb.Error:
        return False                                       # inputs moved or removed since the mixture
    cols = ", ".join(c if c in present else f"NULL::{'BIGINT' if c == 'warc_offset' else 'VARCHAR'} AS {c}"
                     for c in LINEAGE_COLUMNS)
    con.execute(f"CREATE OR REPLACE VIEW mixture_sources AS SELECT filename AS source_shard, "
                f"file_row_number AS source_row, {cols} FROM {scan}")
    con.execute("CREATE OR REPLACE VIEW mixture_lineage AS SELECT m.*, "
                + ", ".join(f"s.{c}" for c in LINEAGE_COLUMNS)
                + " FROM mixture m LEFT JOIN mixture_sources s USING (source_shard, source_row)")
    return True


def open_root(root, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """:func:`curate.query.connect` plus ``removals`` and the mixture lineage views: the views
    every query command sees (one output root or a list of them)."""
    con = connect(root, database)
    add_removals(con)
    add_lineage(con, roots_of(root))
    return con


def write_catalog(root, path: str | Path | None = None) -> tuple[str, list[str]]:
    """Write a DuckDB database file whose views read the roots' Parquet files by absolute path
    or URL (``root``: one output root or a list; the file goes into the first unless ``path``
    says, which may be an ``s3://`` URL too).

    Returns (where the catalog is, view names). Rewriting replaces the file atomically (an
    object in one PUT), so a catalog open elsewhere keeps working until it is reopened. Views
    over ``s3://`` files need the fsspec filesystem on the connection: ``curate query --db``
    registers it (see :func:`open_catalog`).
    """
    import os
    import tempfile

    from curate.io import storage_root, write_file

    roots = [storage_root(r).canonical for r in roots_of(root)]
    target = str(path) if path else f"{roots[0]}/catalog.duckdb"
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir) / "catalog.duckdb"          # built here, then written whole where it goes
        con = open_root(roots, str(tmp))
        listed = "[" + ", ".join(sql_str(r) for r in roots) + "]"
        con.execute(f"CREATE OR REPLACE VIEW catalog_info AS SELECT {sql_str(roots[0])} AS root, "
                    f"{listed} AS roots, now() AS written")
        views = [r[0] for r in con.execute(
            "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]
        con.close()
        folder, name = os.path.split(target)
        write_file(folder, name, tmp.read_bytes(), mode=0o644)     # atomic: a rename, or one PUT; for others to open
    return target, views


def open_catalog(path: str) -> tuple[duckdb.DuckDBPyConnection, list[str]]:
    """A read-only connection to a catalog written by :func:`write_catalog` (a file, or an
    object copied to this machine's cache first), able to read its roots; and those roots."""
    from curate.errors import FatalError
    from curate.io import storage_root

    path = str(storage_root(path).local_copy())     # a catalog on object storage: a copy in the cache
    con = duckdb.connect(path, read_only=True)
    try:
        info = con.sql("SELECT * FROM catalog_info").fetchall()[0]
    except duckdb.Error:
        con.close()
        raise FatalError(f"{path} is not a catalog written by `curate catalog`") from None
    roots = list(info[1]) if len(info) > 2 else [info[0]]       # catalogs before several roots: one
    return can_read(con, roots), roots
