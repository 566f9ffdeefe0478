"""One storage root, two kinds: a local folder and an S3 bucket (moto on 127.0.0.1) answer every
call the same way, so the ledger, the shard listing and the query views need no branch."""

from __future__ import annotations

import ast
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.io import Completion, DONE, Ledger, LocalRoot, RemoteRoot, dataset_shards, storage_root

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["local", "s3"])
def root(request, tmp_path):
    if request.param == "local":
        return str(tmp_path / "out")
    s3 = request.getfixturevalue("s3")
    return f"s3://{s3.bucket()}/out/"


def test_both_kinds_answer_alike(root):
    store = storage_root(root)
    assert isinstance(store, RemoteRoot if root.startswith("s3://") else LocalRoot)
    assert store.read_bytes("a/x.json") is None and not store.exists("a/x.json")
    assert store.list("a") == [] and store.scan("a", "*.json") == []
    store.write_bytes("a/x.json", b"1")
    store.write_bytes("a/y.json", b"22")
    store.write_bytes("b/z.txt", b"333")
    assert store.read_bytes("a/y.json") == b"22" and store.exists("a/x.json")
    assert store.list("a") == ["a/x.json", "a/y.json"] and store.list("a", "y*") == ["a/y.json"]
    scanned = store.scan("a", "*.json")
    assert scanned == ([f"{store.canonical}/a/x.json", f"{store.canonical}/a/y.json"] if store.remote
                       else [str(Path(root) / "a" / "*.json")])       # a folder: a glob, later files too
    with store.open_read("b/z.txt") as fh:
        assert fh.read() == b"333"
    assert store.stamp("b/z.txt")[0] == 3
    assert store.local_copy("b/z.txt").read_bytes() == b"333"
    store.remove(["a/x.json"])
    assert store.list("a") == ["a/y.json"]
    assert not store.canonical.endswith("/")
    assert store.is_folder("a") == (not store.remote)                 # object stores have no folders


def test_parquet_and_the_ledger_through_either(root):
    store = storage_root(root)
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table({"n": [1, 2, 3]}), sink)
    store.write_bytes("pages/p-00000.parquet", sink.getvalue().to_pybytes())
    assert storage_root(store.uri("pages/p-00000.parquet")).parquet_file().read().column("n").to_pylist() == [1, 2, 3]
    ledger = Ledger(root)
    ledger.record(Completion(key="k-1", source="s", status=DONE, shards={"pages": ["pages/p-00000.parquet"]}))
    ledger.record(Completion(key="k-2", source="t", status=DONE))
    assert ledger.keys() == ["k-1", "k-2"] and ledger.keys("k-2") == ["k-2"]
    assert ledger.is_done("k-1") and ledger.get("nope") is None
    assert [c.source for c in ledger.all()] == ["s", "t"]
    shard = storage_root(store.uri("pages/p-00000.parquet")).canonical
    assert dataset_shards(root, "pages") == [shard]                   # a root, or its dataset folder
    assert dataset_shards(store.uri("pages"), "pages") == [shard]
    assert dataset_shards(root, "rejected") == []
    ledger.remove("k-1")
    ledger.remove("k-1")                                             # twice: nothing to remove is fine
    assert ledger.keys() == ["k-2"]
    if store.remote:                                                  # object storage: only what a record lists
        assert dataset_shards(root, "pages") == []


def test_one_place_tells_a_url_from_a_folder():
    """``is_url(`` is called once in the library, pipelines and flows: by storage_root."""
    calls = []
    for path in sorted([*ROOT.glob("curate/**/*.py"), *ROOT.glob("pipelines/**/*.py"), *ROOT.glob("flows/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "is_url":
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert len(calls) <= 3, calls
    assert calls == [c for c in calls if c.startswith("curate/io/_remote.py")], calls
