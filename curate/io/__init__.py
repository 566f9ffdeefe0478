"""Reading inputs (WARC/WET from files, URLs, crawl ids, folders of HTML) and writing output
roots: shards, completion records (the ledger), the root's lock, and the storage root every one
of them reads and writes through (``storage_root``: a local folder or an fsspec URL).

Other packages use what is listed in ``__all__``; the underscored modules are private."""

from curate.io._htmlfiles import is_html_input, iter_html_records
from curate.io._http import ResumableHTTPFile, fetch
from curate.io._ledger import Completion, DONE, FAILED, Ledger, PARTIAL, UNSUPPORTED, publish
from curate.io._lock import DIRECT, LOCAL, MIRRORED, RootLock, RootPolicy, config_out, holds_root
from curate.io._mirror import Mirror, active as active_mirror
from curate.io._names import readable
from curate.io._remote import (LocalRoot, RemoteRoot, file_stamp, local_work, open_read, parquet_file, storage_root,
                               write_atomic, write_file)
from curate.io._status import RootStatus, finished_among, record_run, redo, root_status
from curate.io._shards import (ROUND_GLOB, ShardStore, ShardWriter, committed, dataset_shards, listed_shards, round_dir,
                               round_dirs)
from curate.io._sources import (Source, crawl_of, file_name, input_key, latest_crawl, matches, open_source, reread,
                                resolve)
from curate.io._tree import read_tree, safe_member_name
from curate.io._warc import Record, iter_records, read_record
from curate.io._work import WorkFolder

__all__ = [
    "RootStatus", "finished_among", "record_run", "redo", "root_status",
    "DIRECT", "DONE", "FAILED", "LOCAL", "MIRRORED", "PARTIAL", "ROUND_GLOB", "UNSUPPORTED", "Completion", "Ledger", "LocalRoot", "Mirror", "Record", "RemoteRoot",
    "ResumableHTTPFile", "RootLock", "RootPolicy", "ShardStore", "ShardWriter", "Source", "WorkFolder", "active_mirror", "committed",
    "config_out", "crawl_of", "dataset_shards", "fetch", "file_name", "file_stamp", "holds_root", "input_key", "is_html_input",
    "iter_html_records", "iter_records", "latest_crawl", "listed_shards", "local_work", "matches",
    "open_read", "open_source", "parquet_file", "publish", "read_record", "read_tree", "readable", "reread",
    "resolve", "round_dir", "round_dirs", "safe_member_name", "storage_root", "write_atomic", "write_file",
]
