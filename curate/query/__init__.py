"""Ad hoc SQL over an output root with DuckDB: one view per dataset."""

from curate.query._duck import connect, dataset_glob, sql_str, write_query

__all__ = ["connect", "dataset_glob", "sql_str", "write_query"]
