"""User SQL under lock: read-only single statements, file access confined to the datasets.

User SQL reaches DuckDB in two places: ``curate query`` and mixture filters (``where``). Both are
checked before they run (one statement; a filter is one expression) and run on a connection whose
file access is confined to the folders they may read (DuckDB's ``allowed_directories`` with
external access off and the configuration locked, so the query cannot lift it): ``COPY`` to other
paths, ``read_text('/etc/passwd')``, ``ATTACH`` and ``INSTALL`` fail there.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from curate.errors import FatalError

__all__ = ["apply_filter", "check_filter", "lock_down", "require_select"]


def lock_down(con: duckdb.DuckDBPyConnection, readable) -> duckdb.DuckDBPyConnection:
    """Confine ``con``'s file access to the folders ``readable`` (and below), for good."""
    dirs = sorted({(str(p) if "://" in str(p) else str(Path(p).resolve())).rstrip("/") + "/" for p in readable})
    listed = ", ".join("'" + d.replace("'", "''") + "'" for d in dirs)
    con.execute(f"SET allowed_directories = [{listed}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


def _statements(sql: str):
    try:
        return duckdb.connect().extract_statements(sql)
    except duckdb.Error as exc:
        raise FatalError(f"SQL does not parse: {' '.join(str(exc).split())}") from None


def require_select(sql: str) -> None:
    """Refuse anything but exactly one SELECT (or WITH ... SELECT) statement."""
    statements = _statements(sql)
    if len(statements) != 1:
        raise FatalError(f"give one SQL statement, not {len(statements)} (writes need --write)")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        raise FatalError(f"only a SELECT runs without --write, not {kind.name}")


def check_filter(where: str, name: str = "filter") -> str:
    """``where`` if it parses as exactly one SQL expression, else a one-line error. The check is
    DuckDB's own expression parser, the one that runs the filter too (:func:`apply_filter`): text
    such as ``1=1) OR (1=1`` or ``x) UNION SELECT ...`` is refused here, and can never widen a
    query it is pasted into, because it is never pasted into one."""
    try:
        duckdb.connect().sql("SELECT 1 AS _").filter(where)
    except duckdb.ParserException as exc:
        raise FatalError(f"{name} must be one SQL expression over the dataset's columns: {where!r} "
                         f"({' '.join(str(exc).split())[:120]})") from None
    except duckdb.Error:
        pass                         # columns are bound when the filter runs over the dataset
    return where


def apply_filter(rel: duckdb.DuckDBPyRelation, where: str | None) -> duckdb.DuckDBPyRelation:
    """``rel`` filtered by ``where``, bound as one expression (never spliced into SQL text):
    DuckDB's expression parser, which :func:`check_filter` uses at load time, refuses anything
    else here too."""
    return rel if not where else rel.filter(where)
