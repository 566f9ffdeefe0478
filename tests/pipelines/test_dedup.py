"""The dedup job on real text with planted near-duplicates at known Jaccard levels."""

import random

import duckdb
import pytest

from curate.errors import FatalError
from pipelines import dedup as dd
from tests.dedup.corpus import jaccard, plant, real_texts, write_pages

LEVELS = [0.95, 0.9, 0.8, 0.55, 0.35]
PER_LEVEL = 6


@pytest.fixture(scope="module")
def corpus(shared, tmp_path_factory):
    """Two pages shards of crawl A: real texts, planted copies, an exact and a URL duplicate."""
    rng = random.Random(11)
    texts = [t for t in real_texts(shared) if len(t.split()) >= 200]
    assert len(texts) >= len(LEVELS) * PER_LEVEL + 10
    rows, planted = [], {}
    for i, text in enumerate(texts):
        rows.append({"id": f"a{i:04d}", "url": f"https://site{i % 7}.example/{i}", "crawl": "CC-MAIN-2024-10",
                     "text": text})
    for n in range(len(LEVELS) * PER_LEVEL):
        level = LEVELS[n // PER_LEVEL]
        copy, j = plant(texts[n], level, rng)
        planted[f"p{n:04d}"] = (f"a{n:04d}", j, level)
        rows.append({"id": f"p{n:04d}", "url": f"https://copies.example/{n}", "crawl": "CC-MAIN-2024-10",
                     "text": copy})
    k = len(texts) - 1
    rows.append({"id": "exact", "url": "https://mirror.example/x", "crawl": "CC-MAIN-2024-10",
                 "text": "  " + texts[k].upper() + " !!"})           # same words, other case and spacing
    m = len(texts) - 2
    rows.append({"id": "urlcopy", "url": f"HTTPS://Site{m % 7}.example:443/{m}#frag", "crawl": "CC-MAIN-2024-10",
                 "text": "an entirely different page served at the same address"})
    rng.shuffle(rows)
    root = tmp_path_factory.mktemp("dedup-in")
    half = len(rows) // 2
    write_pages(root / "crawl-a" / "pages" / "s0.parquet", rows[:half])
    write_pages(root / "crawl-a" / "pages" / "s1.parquet", rows[half:])
    return root, {r["id"]: r for r in rows}, planted


def _results(out):
    con = duckdb.connect()
    rows = con.execute(f"SELECT * FROM read_parquet('{out}/duplicates/*.parquet') ORDER BY source_shard, source_row").fetchall()
    cols = [d[0] for d in con.description]
    return [dict(zip(cols, r)) for r in rows]


@pytest.mark.parametrize("verify", [True, False])
def test_planted_duplicates_found_above_threshold_not_below(corpus, tmp_path, verify):
    root, docs, planted = corpus
    summary = dd.run(dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(tmp_path), verify=verify))
    res = {r["id"]: r for r in _results(tmp_path)}
    assert summary.documents == len(docs) == len(res)
    found, removed = ({level: 0 for level in LEVELS} for _ in range(2))
    for pid, (orig, j, level) in planted.items():
        same = res[pid]["cluster_id"] == res[orig]["cluster_id"]
        found[level] += same
        removed[level] += not res[pid]["keep"]
        if same and not res[pid]["keep"]:   # the original (smaller id, same crawl) kept, the copy explained
            assert res[orig]["keep"]
            assert res[pid]["reason"] == "near_duplicate" and res[pid]["duplicate_of"] == orig
            assert res[pid]["cluster_size"] == 2
    # 14 bands x 8 rows: P(candidate) = 1.00 at 0.95/0.9, 0.92 at 0.8, 0.12 at 0.55, 0.0003 at 0.35
    assert found[0.95] == found[0.9] == removed[0.95] == removed[0.9] == PER_LEVEL
    assert found[0.8] >= PER_LEVEL - 2 and removed[0.8] == found[0.8]
    assert found[0.55] <= 2 and found[0.35] == 0
    # verified (the default): a candidate below the 0.7 threshold is kept, whatever LSH said
    assert removed[0.55] == (0 if verify else found[0.55]) and removed[0.35] == 0
    assert res["exact"]["reason"] == "exact_duplicate" and not res["exact"]["keep"]
    assert res["urlcopy"]["reason"] == "url_duplicate" and res["urlcopy"]["duplicate_of"] == f"a{len(docs) - len(planted) - 4:04d}"
    # nothing else is removed unless it really is similar to its representative
    for r in res.values():
        if not r["keep"] and r["id"] not in planted and r["id"] not in ("exact", "urlcopy"):
            assert jaccard(docs[r["id"]]["text"], docs[r["duplicate_of"]]["text"]) > 0.5
    assert summary.kept == sum(r["keep"] for r in res.values())


def test_rerun_skips_and_resume_gives_identical_output(corpus, tmp_path):
    root, docs, _ = corpus
    clean = tmp_path / "clean"
    config = dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(clean))
    dd.run(config)
    first = _results(clean)
    assert dd.run(config).skipped
    assert _results(clean) == first
    # a crash after sketching one shard and before the rest: the rerun finishes the same way
    crashed = tmp_path / "crashed"
    config2 = dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(crashed))
    p = dd.plan(config2)
    dd.sketch_shard(config2, p, 1)
    (p.work / "sketch" / "keys" / "kind=band_00" / ".000000.parquet.tmp").write_bytes(b"partial")
    dd.run(config2)
    assert _results(crashed) == first
    assert not p.work.local.exists()    # work files are removed after success


def test_cross_crawl_index_finds_duplicates_of_an_earlier_crawl(corpus, shared, tmp_path):
    root, docs, _ = corpus
    index = tmp_path / "index"
    dd.run(dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(tmp_path / "out"), index=str(index), run="crawl-a"))
    originals = sorted(d for d in docs if d.startswith("a"))[:5]
    rng = random.Random(3)
    rows = [{"id": "b-exact", "url": "https://new.example/1", "crawl": "CC-MAIN-2024-22",
             "text": docs[originals[0]]["text"]},
            {"id": "b-near", "url": "https://new.example/2", "crawl": "CC-MAIN-2024-22",
             "text": plant(docs[originals[1]]["text"], 0.9, rng)[0]},
            {"id": "b-new", "url": "https://new.example/3", "crawl": "CC-MAIN-2024-22",
             "text": "a page that no earlier crawl has seen " * 30},
            {"id": "b-new-copy", "url": "https://new.example/4", "crawl": "CC-MAIN-2024-22",
             "text": "a page that no earlier crawl has seen " * 30 + " indeed"}]
    write_pages(tmp_path / "crawl-b" / "pages" / "s0.parquet", rows)
    summary = dd.run(dd.DedupConfig(inputs=(str(tmp_path / "crawl-b"),), out=str(tmp_path / "out"),
                                    index=str(index), run="crawl-b"))
    assert summary.documents == 4
    res = {r["id"]: r for r in _results(tmp_path / "out") if r["run"] == "crawl-b"}
    assert res["b-exact"]["reason"] == "exact_duplicate" and res["b-exact"]["duplicate_of"] == originals[0]
    assert res["b-exact"]["duplicate_of_crawl"] == "CC-MAIN-2024-10"
    assert res["b-near"]["reason"] == "near_duplicate" and res["b-near"]["duplicate_of"] == originals[1]
    assert res["b-new"]["keep"] and not res["b-new-copy"]["keep"]
    assert res["b-new-copy"]["duplicate_of"] == "b-new"
    # numbering continues after the first generation: old documents always win
    assert min(r["node"] for r in res.values()) >= len(docs)
    manifest = (index / "manifest.json").read_text()
    assert '"crawl-a"' in manifest and '"crawl-b"' in manifest
    # the index refuses sketches made with other settings
    with pytest.raises(FatalError, match="different settings"):
        dd.plan(dd.DedupConfig(inputs=(str(tmp_path / "crawl-b"),), out=str(tmp_path / "o2"), index=str(index),
                               num_perm=128, bands=16))


def test_verification_and_quality_report(corpus, tmp_path):
    root, docs, planted = corpus
    config = dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(tmp_path), verify=True, jaccard_threshold=0.85)
    dd.run(config)
    res = {r["id"]: r for r in _results(tmp_path)}
    for pid, (orig, j, level) in planted.items():
        r = res[pid]
        if r["cluster_id"] != res[orig]["cluster_id"]:
            continue
        # the Jaccard is recorded (exact within 0.05 of the threshold, else the signatures' estimate:
        # standard error about 0.04); copies below 0.85 are kept despite being LSH candidates
        assert r["jaccard"] == pytest.approx(j, abs=0.02 if abs(r["jaccard"] - 0.85) < 0.05 else 0.15)
        assert r["keep"] == (j < 0.85) and (r["reason"] is None) == (j < 0.85)
    assert res["exact"]["reason"] == "exact_duplicate" and res["urlcopy"]["reason"] == "url_duplicate"
    # pairs are verified before clustering: a copy below the threshold is not linked to its
    # original at all (its own cluster, kept), however LSH paired them
    low = [p for p, (o, j, level) in planted.items() if level == 0.8 and j < 0.83]
    assert low and all(res[p]["keep"] and res[p]["cluster_id"] != res[planted[p][0]]["cluster_id"] for p in low)
    report = dd.quality(dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(tmp_path), jaccard_threshold=0.85))
    assert report["sampled"] == report["near_duplicates"] == sum(not res[p]["keep"] for p in planted)
    assert report["precision"] == 1.0
    assert 0.9 <= report["estimated_recall"] <= 1.0
    assert (tmp_path / "_reports" / f"dedup-{report['run']}.json").exists()


def test_unreadable_shard_stops_the_run_with_its_name(corpus, tmp_path):
    root, _, _ = corpus
    folder = tmp_path / "in" / "pages"
    folder.mkdir(parents=True)
    for f in (root / "crawl-a" / "pages").glob("*.parquet"):
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "s9.parquet").write_bytes(b"\x1f\x8b not a parquet file")
    with pytest.raises(FatalError, match="cannot read .*s9.parquet"):
        dd.run(dd.DedupConfig(inputs=(str(folder),), out=str(tmp_path / "out")))
    assert not list((tmp_path / "out").glob("duplicates/*.parquet"))
    (folder / "s9.parquet").unlink()
    assert dd.run(dd.DedupConfig(inputs=(str(folder),), out=str(tmp_path / "out"))).documents > 0


def test_timings_name_every_step_that_ran(corpus, tmp_path):
    """The executor's per-step seconds (benchmarks/scale.py prints efficiency from them): every
    step that ran, once; a rerun with nothing left plans and runs no step."""
    from pipelines._steps import execute

    root, _, _ = corpus
    config = dd.DedupConfig(inputs=(str(root / "crawl-a"),), out=str(tmp_path / "out"))
    first: dict = {}
    execute(dd.STEPS, config, workers=2, timings=first)
    assert set(first) == {"plan", "sketch", "number", "bucket", "decide"}, first
    assert all(seconds > 0 for seconds in first.values())
    again: dict = {}
    assert execute(dd.STEPS, config, timings=again).skipped
    assert set(again) == {"plan"}
