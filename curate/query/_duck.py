"""DuckDB views over the Parquet datasets of an output root.

View columns come from ``schemas/`` (the Parquet files carry the same schema),
and each column gets the schema's description as its comment.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from schemas import DATASETS, describe


def dataset_glob(root: str | Path, name: str) -> str:
    return str(Path(root) / name / "*.parquet")


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def connect(root: str | Path, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A connection with a view per dataset present under ``root`` and a ``ledger`` view."""
    root = Path(root)
    con = duckdb.connect(database)
    for name, schema in DATASETS.items():
        if not any((root / name).glob("*.parquet")):
            continue
        con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet({_sql_str(dataset_glob(root, name))})")
        for column, text in describe(schema).items():
            if text:
                con.execute(f"COMMENT ON COLUMN {name}.{column} IS {_sql_str(text)}")
    if any((root / "_ledger").glob("*.json")):
        ledger = _sql_str(str(root / "_ledger" / "*.json"))
        con.execute(f"CREATE OR REPLACE VIEW ledger AS SELECT * FROM read_json_auto({ledger}, union_by_name=true)")
    return con

