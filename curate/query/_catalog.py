"""A DuckDB catalog file over an output root, and the cross-pipeline ``removals`` view.

``removals`` answers "why was this document removed?" with one row per removal:
the pipeline and stage, a machine-readable reason, a human detail, and lineage.
Its parts come from whichever datasets exist: ``rejected`` (ingestion, code
filters), ``duplicates`` (rows not kept) and ``contamination``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from curate.query._duck import connect, roots_of, sql_str

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
}


def add_removals(con: duckdb.DuckDBPyConnection) -> bool:
    """Create the ``removals`` view from the datasets present; False when there are none."""
    views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    parts = [sql for name, sql in _PARTS.items() if name in views]
    if not parts:
        return False
    con.execute("CREATE OR REPLACE VIEW removals AS " + " UNION ALL ".join(
        f"SELECT {REMOVAL_COLUMNS} FROM ({p})" for p in parts))
    return True


def open_root(root, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """:func:`curate.query.connect` plus ``removals``: the views every query command sees (one
    output root or a list of them)."""
    con = connect(root, database)
    add_removals(con)
    return con


def write_catalog(root, path: str | Path | None = None) -> tuple[Path, list[str]]:
    """Write a DuckDB database file whose views read the roots' Parquet files by absolute path
    (``root``: one output root or a list; the file goes into the first unless ``path`` says).

    Returns (database path, view names). Rewriting replaces the file atomically, so a
    catalog open elsewhere keeps working until it is reopened.
    """
    from curate.errors import FatalError
    from curate.io._remote import is_url

    if any(is_url(r) for r in roots_of(root)):
        # its views would name s3:// files, which other DuckDB clients read only with httpfs
        raise FatalError("a catalog file is for local roots: query object storage with "
                         "curate query --root s3://... (or curate stats --root s3://...)")
    roots = [r.resolve() for r in roots_of(root)]
    path = Path(path) if path else roots[0] / "catalog.duckdb"
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    con = open_root(roots, str(tmp))
    listed = "[" + ", ".join(sql_str(str(r)) for r in roots) + "]"
    con.execute(f"CREATE OR REPLACE VIEW catalog_info AS SELECT {sql_str(str(roots[0]))} AS root, "
                f"{listed} AS roots, now() AS written")
    views = [r[0] for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()]
    con.close()
    tmp.replace(path)
    return path, views
