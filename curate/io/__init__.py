"""Reading inputs (WARC/WET from files, URLs, crawl ids) and writing shards."""

from curate.io._http import ResumableHTTPFile, fetch
from curate.io._ledger import Completion, Ledger, write_atomic
from curate.io._shards import ShardStore, ShardWriter, committed
from curate.io._sources import Source, crawl_of, file_name, input_key, latest_crawl, open_source, reread, resolve
from curate.io._warc import Record, iter_records, read_record

__all__ = [
    "Completion", "Ledger", "Record", "ResumableHTTPFile", "ShardStore", "ShardWriter", "Source",
    "committed", "crawl_of", "fetch", "file_name", "input_key", "iter_records", "latest_crawl", "open_source", "read_record",
    "reread", "resolve", "write_atomic",
]
