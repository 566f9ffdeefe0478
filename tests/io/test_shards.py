"""Shard store: explicit schema, zstd, size targets, atomic commit, no duplicates."""

from __future__ import annotations

import pyarrow.parquet as pq

from curate.io import Completion, Ledger, ShardStore
from curate.io._ledger import DONE, FAILED
from schemas import PAGES, REJECTED

SCHEMAS = {"pages": PAGES, "rejected": REJECTED}


def page(i: int) -> dict:
    return {"id": f"{i:016x}", "url": f"http://x.test/{i}", "text": "word " * 50, "n_chars": 250}


def test_rolls_over_by_rows_with_deterministic_names(tmp_path):
    store = ShardStore(tmp_path, SCHEMAS, target_rows=1000)
    writers = store.begin("in-1")
    for i in range(2500):
        writers["pages"].write(page(i))
    final = store.commit("in-1", writers)
    assert final["pages"] == [f"pages/in-1-{n:05d}.parquet" for n in range(3)]
    assert final["rejected"] == []
    tables = [pq.read_table(tmp_path / p) for p in final["pages"]]
    assert [t.num_rows for t in tables] == [1000, 1000, 500]
    assert all(t.schema.equals(PAGES, check_metadata=False) for t in tables)
    meta = pq.ParquetFile(tmp_path / final["pages"][0]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"
    assert not (tmp_path / "_staging" / "in-1").exists()


def test_uncommitted_work_is_invisible_and_stale_shards_are_replaced(tmp_path):
    store = ShardStore(tmp_path, SCHEMAS)
    writers = store.begin("in-2")
    writers["pages"].write_many(page(i) for i in range(10))
    writers["pages"].close()  # a crash here: staged only
    assert not list((tmp_path / "pages").glob("*.parquet"))
    # a crash after the rename but before the ledger: shards without a completion record
    (tmp_path / "pages").mkdir(exist_ok=True)
    (tmp_path / "pages" / "in-2-00000.parquet").write_bytes(b"half of an old run")
    (tmp_path / "pages" / "in-2-00007.parquet").write_bytes(b"more leftovers")
    writers = store.begin("in-2")  # the rerun
    writers["pages"].write_many(page(i) for i in range(3))
    store.commit("in-2", writers)
    files = sorted(p.name for p in (tmp_path / "pages").glob("*.parquet"))
    assert files == ["in-2-00000.parquet"]
    assert pq.read_table(tmp_path / "pages" / files[0]).num_rows == 3


def test_ledger_done_and_failed(tmp_path):
    ledger = Ledger(tmp_path)
    assert not ledger.is_done("a")
    ledger.record(Completion(key="a", source="/x/a.warc.gz", status=DONE, pages=3))
    ledger.record(Completion(key="b", source="/x/b.warc.gz", status=FAILED, error="HTTP 404"))
    assert ledger.is_done("a") and not ledger.is_done("b")  # failed inputs are redone
    assert ledger.get("a").pages == 3
    assert [c.key for c in ledger.all()] == ["a", "b"]
    assert not list((tmp_path / "_ledger").glob("*.tmp"))
