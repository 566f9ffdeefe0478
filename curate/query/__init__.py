"""Ad hoc SQL over an output root with DuckDB: one view per dataset."""

from curate.query._catalog import add_removals, open_catalog, open_root, write_catalog
from curate.query._report import render as render_report
from curate.query._stats import collect as collect_stats, format_stats
from curate.query._duck import connect, dataset_files, files_sql, find_roots, reader, sql_str, write_query
from curate.query._safe import apply_filter, check_filter, lock_down, require_select

__all__ = ["add_removals", "apply_filter", "check_filter", "lock_down", "require_select", "collect_stats", "format_stats", "render_report", "connect", "dataset_files", "files_sql", "find_roots", "open_catalog", "open_root", "reader", "sql_str", "write_catalog", "write_query"]
