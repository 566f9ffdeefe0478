"""Mixtures over real shards: token shares, byte-identical reruns, rebuilds, epoch caps."""

import hashlib
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.errors import FatalError
from pipelines import dedup as dd
from pipelines.code import CodeConfig
from pipelines.code import run as run_code
from pipelines.mix import rebuild, run
from pipelines.mix._spec import spec_from_mapping
from tests.dedup.corpus import real_texts, write_pages


@pytest.fixture(scope="module")
def root(shared, tmp_path_factory):
    """pages (math textbook chunks flagged has_math, web and docs text); beside it, each in a root
    of its own (one job per output root), code_samples (``../code``) and duplicates (``../dedup``)."""
    root = tmp_path_factory.mktemp("mix-root") / "web"
    texts = real_texts(shared, chunk_words=150)
    tex = [t for t in texts if "\\" in t]
    rows = [{"id": f"p{i:04d}", "url": f"https://x.example/{i}", "crawl": "CC-MAIN-2024-10", "text": t,
             "has_math": t in tex} for i, t in enumerate(texts)]
    rows.append({"id": "copy", "url": "https://y.example/", "text": rows[0]["text"], "has_math": True})
    write_pages(root / "pages" / "a.parquet", rows[: len(rows) // 2])
    write_pages(root / "pages" / "b.parquet", rows[len(rows) // 2:])
    # Stack-style rows, one file per repository: many code samples of realistic sizes
    files = [{"repo_name": f"{r}/{p.relative_to(shared / 'repos' / r)}", "path": p.name,
              "content": p.read_text(errors="replace")}
             for r in ("python-requests", "java-jsoup", "c-lua") for p in sorted((shared / "repos" / r).rglob("*.*"))]
    pq.write_table(pa.Table.from_pylist(files), root.parent / "stack.parquet")
    run_code(CodeConfig(sources=(str(root.parent / "stack.parquet"),), out=str(root.parent / "code"), dedup=False))
    dd.run(dd.DedupConfig(inputs=(str(root / "pages"),), out=str(root.parent / "dedup")))
    return root


def spec(root, **over):
    data = {"name": "test-mix", "root": str(root), "total_tokens": 400_000, "seed": 7, "rows_per_shard": 300,
            "sources": [
                {"name": "math", "dataset": "pages", "where": "has_math", "share": 0.5, "max_epochs": 4,
                 "removals": [str(root.parent / "dedup")]},
                {"name": "web", "dataset": "pages", "where": "NOT has_math", "share": 0.3, "max_epochs": 3,
                 "removals": [str(root.parent / "dedup")]},
                {"name": "code", "dataset": "code_samples", "text": ["fim_text", "text"], "share": 0.2,
                 "root": str(root.parent / "code")},
            ]}
    data.update(over)
    return spec_from_mapping(data)


def _digests(out):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((out / "mixture").glob("*.parquet"))]


def test_shares_identity_and_rebuild(root, tmp_path):
    manifest = run(spec(root), tmp_path / "a")
    by = {s["name"]: s for s in manifest["sources"]}
    for name, share in (("math", 0.5), ("web", 0.3), ("code", 0.2)):
        assert abs(by[name]["tokens"] - share * 400_000) <= 0.005 * share * 400_000, by[name]
        assert by[name]["short_by"] == 0
    assert by["math"]["epochs"] > 1                       # the textbook is up-sampled
    table = pq.read_table(tmp_path / "a" / "mixture")
    assert table.num_rows == manifest["rows"] and sum(table.column("tokens").to_pylist()) == manifest["total_tokens"]
    assert "copy" not in set(table.column("id").to_pylist())        # removed by dedup: never mixed
    sources = table.column("source").to_pylist()
    assert sources[:50] != sorted(sources[:50])                     # shuffled across sources
    # same spec and seed: byte-identical shards; a rebuild from the manifest too
    run(spec(root), tmp_path / "b")
    assert _digests(tmp_path / "a") == _digests(tmp_path / "b") == [o["sha256"] for o in manifest["outputs"]]
    rebuild(tmp_path / "a" / "manifest.json", tmp_path / "c")
    assert _digests(tmp_path / "c") == _digests(tmp_path / "a")
    # another seed, another order
    run(spec(root, seed=8), tmp_path / "d")
    assert _digests(tmp_path / "d") != _digests(tmp_path / "a")
    assert manifest["inputs"][0]["sha256"] and all(len(o["sha256"]) == 64 for o in manifest["outputs"])


def test_epoch_cap_and_shortfall_are_reported(root, tmp_path):
    small = spec(root, total_tokens=None, sources=[
        {"name": "math", "dataset": "pages", "where": "has_math", "tokens": 10_000_000, "max_epochs": 2}])
    manifest = run(small, tmp_path / "m")
    s = manifest["sources"][0]
    assert s["epochs"] == 2.0 and s["short_by"] > 0 and s["tokens"] == 2 * s["available_tokens"]
    table = pq.read_table(tmp_path / "m" / "mixture")
    counts = {}
    for i in table.column("id").to_pylist():
        counts[i] = counts.get(i, 0) + 1
    assert set(counts.values()) == {2} and set(table.column("epoch").to_pylist()) == {0, 1}


def test_changed_input_refuses_rebuild_and_bad_specs(root, tmp_path):
    manifest = run(spec(root), tmp_path / "a")
    broken = json.loads((tmp_path / "a" / "manifest.json").read_text())
    broken["inputs"][0]["sha256"] = "0" * 64
    (tmp_path / "m.json").write_text(json.dumps(broken))
    with pytest.raises(FatalError, match="changed or missing"):
        rebuild(tmp_path / "m.json", tmp_path / "x")
    with pytest.raises(FatalError, match="add up to"):
        spec(root, sources=[{"name": "a", "dataset": "pages", "share": 0.7},
                            {"name": "b", "dataset": "pages", "share": 0.6}])
    with pytest.raises(FatalError, match="filter"):
        run(spec(root, sources=[{"name": "a", "dataset": "pages", "share": 1.0, "where": "no_such_column"}]),
            tmp_path / "y")
    assert manifest["rows"] > 0
