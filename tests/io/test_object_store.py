"""Outputs on object storage: a real S3 server (moto) and a real HTTP server on 127.0.0.1.

Ingest reads Common Crawl's layout over HTTP and writes to ``s3://``; DuckDB (``curate query``)
reads the shards back through fsspec, confined to the root; a rerun skips finished inputs; an
input's objects left by a killed worker are never visible and are replaced on the rerun.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.io import Ledger
from curate.query import connect
from pipelines.ingest import IngestConfig, run
from tests.http_server import CCServer

CRAWL = "CC-MAIN-2099-02"
FILES = ["dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz", "resiliparse/warcfile.warc.gz"]
ROWS = "SELECT * EXCLUDE (warc_path, crawl) FROM pages ORDER BY id"


def _curate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ))


@pytest.fixture(scope="module")
def local_rows(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("local")
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(out)))
    return connect(str(out)).sql(ROWS).fetchall()


def test_ingest_from_http_to_s3_equals_the_local_run_and_reruns_skip(shared, s3, local_rows):
    bucket = s3.bucket()
    out = f"s3://{bucket}/crawl/shards"
    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        config = IngestConfig(sources=(CRAWL,), out=out, cc_base_url=server.url)
        first = run(config)
        fetched = len(server.requests)
        again = run(config)
        assert (first.inputs, again.inputs, again.skipped) == (3, 0, 3)
        assert len(server.requests) == fetched + 1          # only the paths listing again: no WARC re-read
    assert connect(out).sql(ROWS).fetchall() == local_rows
    keys = s3.keys(bucket)
    listed = {f"crawl/shards/{p}" for done in Ledger(out).all() for paths in done.shards.values() for p in paths}
    shards = {k for k in keys if k.endswith(".parquet")}
    assert shards == listed and not any("_staging" in k or "_lock" in k for k in keys)
    assert len([k for k in keys if k.startswith("crawl/shards/_ledger/")]) == 3


def test_curate_query_reads_s3_and_nothing_else(shared, s3):
    bucket = s3.bucket()
    out = f"s3://{bucket}/shards"
    run(IngestConfig(sources=(str(shared / "warc" / FILES[0]),), out=out))
    import fsspec

    # an object beside the root that queries must not reach
    fsspec.filesystem("s3").pipe_file(f"{bucket}/private/secret.parquet", _parquet({"secret": ["x"]}))
    done = _curate("query", "SELECT count(*) AS n, count(DISTINCT id) AS ids FROM pages", "--root", out,
                   "--format", "csv")
    assert done.returncode == 0, done.stderr
    n, ids = map(int, done.stdout.splitlines()[1].split(","))
    assert n == ids > 0
    for sql in (f"SELECT * FROM read_parquet('s3://{bucket}/private/secret.parquet')",
                "SELECT * FROM read_text('/etc/passwd')"):
        denied = _curate("query", sql, "--root", out)
        assert denied.returncode == 2 and len(denied.stderr.strip().splitlines()) == 1, denied.stderr


def _parquet(columns: dict) -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table(columns), buf)
    return buf.getvalue()


def test_objects_of_a_killed_input_are_invisible_and_replaced(shared, s3, tmp_path):
    """A worker killed after uploading a shard and before the completion record leaves an object
    under the final name: readers never see it, and the rerun of that input replaces it."""
    import fsspec

    bucket = s3.bucket()
    out = f"s3://{bucket}/shards"
    sources = [str(shared / "warc" / f) for f in FILES[:2]]
    run(IngestConfig(sources=(sources[0],), out=out))
    key = Ledger(out).all()[0].key
    local = tmp_path / "local"
    run(IngestConfig(sources=tuple(sources), out=str(local)))
    (other,) = {done.key for done in Ledger(local).all()} - {key}     # the second input's key
    fs = fsspec.filesystem("s3")
    # what a killed worker leaves for the second input: a shard (with rows of the first) and no record
    stale = connect(out).sql("SELECT * FROM pages").to_arrow_table()
    buf = io.BytesIO()
    pq.write_table(stale, buf)
    fs.pipe_file(f"{bucket}/shards/pages/{other}-00000.parquet", buf.getvalue())
    fs.pipe_file(f"{bucket}/shards/pages/{other}-00007.parquet", buf.getvalue())
    before = connect(out).sql("SELECT count(*) FROM pages").fetchall()[0][0]
    assert before == stale.num_rows                           # the leftovers are not read
    summary = run(IngestConfig(sources=tuple(sources), out=out))
    assert (summary.inputs, summary.skipped) == (1, 1)
    assert connect(out).sql(ROWS).fetchall() == connect(str(local)).sql(ROWS).fetchall()
    assert not fs.exists(f"{bucket}/shards/pages/{other}-00007.parquet")    # removed, not just hidden
    n, ids = connect(out).sql("SELECT count(*), count(DISTINCT id) FROM pages").fetchall()[0]
    assert n == ids


def test_code_samples_built_on_a_mirror_and_published_to_s3(shared, s3, tmp_path):
    out = f"s3://{s3.bucket()}/code"
    repo = str(shared / "repos" / "python-requests")
    done = _curate("code", repo, "--out", out, "-q")
    assert done.returncode == 0, done.stderr
    local = _curate("code", repo, "--out", str(tmp_path / "code"), "-q")
    assert local.returncode == 0, local.stderr
    sql = "SELECT repo, sample_id, path FROM code_files ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows and rows == connect(str(tmp_path / "code")).sql(sql).fetchall()
    assert _curate("code", repo, "--out", out, "-q").returncode == 0       # a rerun: finished work found


def test_decontamination_of_s3_shards_into_s3_equals_the_local_run(shared, s3, tmp_path):
    from pipelines import decontaminate as dc

    sources = tuple(str(shared / "warc" / f) for f in FILES)
    pages = f"s3://{s3.bucket()}/shards"
    run(IngestConfig(sources=sources, out=pages))
    run(IngestConfig(sources=sources, out=str(tmp_path / "shards")))
    out = f"s3://{s3.bucket()}/decontam"
    # a benchmark item that is really on one of the pages: the scan has something to find
    text = connect(pages).sql("SELECT text FROM pages ORDER BY length(text) DESC LIMIT 1").fetchall()[0][0]
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "planted.jsonl").write_text(__import__("json").dumps({"question": " ".join(text.split()[:60])}) + "\n")
    first = dc.run(dc.DecontaminateConfig(inputs=(pages,), benchmarks=(str(bench),), out=out))
    local = dc.run(dc.DecontaminateConfig(inputs=(str(tmp_path / "shards"),), benchmarks=(str(bench),),
                                     out=str(tmp_path / "decontam")))
    again = dc.run(dc.DecontaminateConfig(inputs=(pages,), benchmarks=(str(bench),), out=out))
    assert (first.skipped, again.skipped) == (0, len(FILES)) and local.skipped == 0
    sql = "SELECT id, benchmark, item, part, ngram FROM contamination ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows and rows == connect(str(tmp_path / "decontam")).sql(sql).fetchall()


def test_arxiv_figures_to_s3_and_exported_from_there(shared, s3, tmp_path):
    out = f"s3://{s3.bucket()}/figs"
    done = _curate("arxiv", str(shared / "arxiv" / "plasma-partition"), "--out", out, "-q")
    assert done.returncode == 0, done.stderr
    exported = _curate("arxiv", "export", out, "--out", str(tmp_path / "png"))
    assert exported.returncode == 0, exported.stderr
    assert len((tmp_path / "png" / "figures.jsonl").read_text().splitlines()) == 8


def test_dedup_reads_page_shards_from_s3_and_writes_its_decisions_there(shared, s3, tmp_path):
    from pipelines import dedup as dd

    sources = tuple(str(shared / "warc" / f) for f in FILES)
    out = f"s3://{s3.bucket()}/shards"
    run(IngestConfig(sources=sources, out=out))
    run(IngestConfig(sources=sources, out=str(tmp_path / "shards")))
    remote = dd.run(dd.DedupConfig(inputs=(out,), out=str(tmp_path / "dedup-s3"), run="r"))
    on_s3 = f"s3://{s3.bucket()}/dedup"                   # and the decisions themselves on S3
    dd.run(dd.DedupConfig(inputs=(out,), out=on_s3, run="r"))
    again = dd.run(dd.DedupConfig(inputs=(out,), out=on_s3, run="r"))
    assert again.skipped
    local = dd.run(dd.DedupConfig(inputs=(str(tmp_path / "shards"),), out=str(tmp_path / "dedup-local"), run="r"))
    assert remote.documents == local.documents > 0
    sql = "SELECT id, keep, duplicate_of, reason, cluster_size FROM duplicates ORDER BY id"
    assert connect(str(tmp_path / "dedup-s3")).sql(sql).fetchall() == \
        connect(str(tmp_path / "dedup-local")).sql(sql).fetchall()
    assert connect(on_s3).sql(sql).fetchall() == connect(str(tmp_path / "dedup-local")).sql(sql).fetchall()
    shards = connect(str(tmp_path / "dedup-s3")).sql("SELECT DISTINCT source_shard FROM duplicates").fetchall()
    assert shards and all(s.startswith("s3://") for (s,) in shards)


def test_a_tokenized_mixture_published_to_s3_equals_the_local_build(shared, s3, tmp_path):
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    from pipelines.mix import run as mix
    from pipelines.mix._spec import spec_from_mapping
    from tests.dedup.corpus import real_texts

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(real_texts(shared)[:50], trainers.BpeTrainer(
        vocab_size=800, show_progress=False, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(str(tmp_path / "tokenizer.json"))
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(tmp_path / "root")))
    spec = spec_from_mapping({"name": "t", "root": str(tmp_path / "root"), "total_tokens": 30_000, "seed": 5,
                              "format": "megatron", "tokenizer": str(tmp_path / "tokenizer.json"),
                              "sources": [{"name": "web", "dataset": "pages", "share": 1.0, "max_epochs": 3}]})
    bucket = s3.bucket()
    out = f"s3://{bucket}/mix"
    built = mix(spec, out)
    local = mix(spec, tmp_path / "local")
    assert mix(spec, out)["skipped"] is True                   # the manifest on S3 marks it finished
    assert built["total_tokens"] == local["total_tokens"] > 0
    sql = "SELECT source, id, tokens FROM mixture ORDER BY ALL"
    assert connect(out).sql(sql).fetchall() == connect(str(tmp_path / "local")).sql(sql).fetchall()
    keys = s3.keys(bucket, "mix/")
    assert "mix/manifest.json" in keys and any(k.endswith(".bin") for k in keys)
    assert not any("/_work/" in k for k in keys)


def test_stats_and_catalogs_over_s3(shared, s3, tmp_path):
    """``curate stats`` over an S3 root; a catalog of it written as a local file and as an object
    on S3 (the default: ``<root>/catalog.duckdb``), each answering ``curate query --db`` as
    ``--root`` does, and still confined to the root."""
    bucket = s3.bucket()
    out = f"s3://{bucket}/shards"
    run(IngestConfig(sources=(str(shared / "warc" / FILES[0]),), out=out))
    stats = _curate("stats", "--root", out, "--html", str(tmp_path / "report.html"))
    assert stats.returncode == 0, stats.stderr
    assert "pages" in stats.stdout and (tmp_path / "report.html").read_text().count("<svg") >= 3
    sql = "SELECT count(*) AS n, count(DISTINCT domain) AS d FROM pages"
    expected = _curate("query", sql, "--root", out, "--format", "csv").stdout
    for db in (str(tmp_path / "c.duckdb"), None):
        made = _curate("catalog", "--root", out, *(("--db", db) if db else ()))
        assert made.returncode == 0, made.stderr
        where = db or f"{out}/catalog.duckdb"
        got = _curate("query", sql, "--db", where, "--format", "csv")
        assert got.returncode == 0 and got.stdout == expected and int(got.stdout.split()[1].split(",")[0]) > 0, got.stderr
        outside = _curate("query", f"SELECT count(*) FROM read_parquet('s3://{bucket}/elsewhere/*.parquet')",
                          "--db", where)
        assert outside.returncode == 2 and len(outside.stderr.strip().splitlines()) == 1
    assert "shards/catalog.duckdb" in s3.keys(bucket, "shards/")


def test_math_recall_rounds_published_to_s3_equal_the_build_they_came_from(shared, s3, math_model, tmp_path):
    """Recall rounds run in this machine's cache and are published; the S3 root then answers
    the same queries as the build (the recall itself is compared run against run elsewhere)."""
    from curate.io._remote import local_work
    from pipelines.math_recall import MathRecallConfig
    from pipelines.math_recall import run as recall
    from tests.conftest import warc_bytes
    from tests.pipelines.math_corpus import html_records, seed_files

    warc = tmp_path / "mix.warc.gz"
    warc.write_bytes(warc_bytes(html_records(shared, n_math=6, n_gsm=6, n_users=10)))
    pages = tmp_path / "pages"
    run(IngestConfig(sources=(str(warc),), out=str(pages), math_prefilter=str(math_model),
                     math_prefilter_threshold=0.1))
    out = f"s3://{s3.bucket()}/recall"
    summary = recall(MathRecallConfig(out=out, inputs=(str(pages),), prefiltered=(str(pages),),
                                  seed_files=tuple(seed_files(shared)), chunk_words=150, negatives=300, epoch=40,
                                  lr=0.5, min_count=1, bucket=20_000, threshold=0.5, policy="auto", max_rounds=1,
                                  allow_weak_model=True))
    assert summary.out == out
    build = str(local_work(out, "_math-recall"))
    for sql in ("SELECT level, prefix, pages, collected FROM math_domains ORDER BY ALL",
                "SELECT round, selected FROM math_rounds ORDER BY ALL",
                "SELECT count(*), count(DISTINCT id) FROM math_scores"):
        rows = connect(out).sql(sql).fetchall()
        assert rows and rows == connect(build).sql(sql).fetchall(), sql
    assert connect(out).sql("SELECT selected FROM math_rounds").fetchall() == [(summary.rounds[-1]["selected"],)]


def test_a_cross_crawl_dedup_index_on_s3(shared, s3, tmp_path):
    """Crawl B (the same pages again) against the index crawl A left on S3: every page of B is a
    duplicate of one of A, as with a local index; the index on S3 names both generations."""
    from pipelines import dedup as dd

    bucket = s3.bucket()
    warc = str(shared / "warc" / FILES[0])
    for crawl in ("a", "b"):
        run(IngestConfig(sources=(warc,), out=f"s3://{bucket}/{crawl}"))
    for where in ("s3", "local"):
        index = f"s3://{bucket}/index" if where == "s3" else str(tmp_path / "index")
        out = f"s3://{bucket}/dedup" if where == "s3" else str(tmp_path / "dedup")
        for crawl in ("a", "b"):
            dd.run(dd.DedupConfig(inputs=(f"s3://{bucket}/{crawl}",), out=out, index=index, run=f"crawl-{crawl}"))
    sql = "SELECT run, keep, reason, duplicate_of FROM duplicates ORDER BY ALL"
    rows = connect(f"s3://{bucket}/dedup").sql(sql).fetchall()
    assert rows == connect(str(tmp_path / "dedup")).sql(sql).fetchall()
    b = [r for r in rows if r[0] == "crawl-b"]
    a_ids = {i for (i,) in connect(f"s3://{bucket}/a").sql("SELECT id FROM pages").fetchall()}
    assert b and all(not keep and reason == "exact_duplicate" and dup in a_ids for _, keep, reason, dup in b)
    import fsspec

    manifest = fsspec.filesystem("s3").cat_file(f"{bucket}/index/manifest.json").decode()
    assert '"crawl-a"' in manifest and '"crawl-b"' in manifest


def test_dedup_steps_on_machines_that_share_only_s3(shared, s3, tmp_path, monkeypatch):
    """Every step of two dedup runs (crawl A, then crawl B against A's index) on another
    "machine" (its own empty cache): the work files and the index reach each step through S3
    only, and the decisions equal a local run's. Afterwards no work file is left on S3."""
    import fsspec

    from pipelines import dedup as dd

    bucket = s3.bucket()
    warcs = [str(shared / "warc" / f) for f in FILES[:3]]
    run(IngestConfig(sources=tuple(warcs), out=f"s3://{bucket}/a"))
    run(IngestConfig(sources=tuple(warcs[:2]), out=f"s3://{bucket}/b"))      # crawl B repeats pages of A
    machines = iter(range(1000))

    def elsewhere():
        monkeypatch.setenv("CURATE_CACHE", str(tmp_path / f"machine-{next(machines)}"))

    out, index = f"s3://{bucket}/dedup", f"s3://{bucket}/index"
    for crawl in ("a", "b"):
        config = dd.DedupConfig(inputs=(f"s3://{bucket}/{crawl}",), out=out, index=index, run=f"crawl-{crawl}")
        elsewhere()
        p = dd.plan(config)
        counts = []
        for i in range(len(p.shards)):
            elsewhere()
            counts.append(dd.sketch_shard(config, p, i))
        elsewhere()
        assert dd.number_nodes(config, p) == sum(counts) > 0
        for kind in config.kinds:
            elsewhere()
            dd.bucket_edges(config, p, kind)
        elsewhere()
        dd.decide(config, p)
        monkeypatch.delenv("CURATE_CACHE")
    for crawl in ("a", "b"):
        dd.run(dd.DedupConfig(inputs=(f"s3://{bucket}/{crawl}",), out=str(tmp_path / "dedup"),
                              index=str(tmp_path / "index"), run=f"crawl-{crawl}"))
    sql = "SELECT run, id, keep, reason, duplicate_of, cluster_size FROM duplicates ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows == connect(str(tmp_path / "dedup")).sql(sql).fetchall()
    assert any(run_ == "crawl-b" and reason == "exact_duplicate" for run_, _, _, reason, _, _ in rows)
    assert not fsspec.filesystem("s3").find(f"{bucket}/dedup/_dedup")      # work files removed
