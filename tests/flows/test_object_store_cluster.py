"""Ingest on a multi-process Dask cluster whose workers share no folder, into a real S3 server.

`dask scheduler` and two `dask worker` processes, each started in its own empty working
directory, run `curate run ingest --dask-address` from Common Crawl's layout on a loopback HTTP
server into ``s3://`` on moto's server. Then a worker is killed with SIGKILL in the middle of a
run; the rerun gives the same rows as a local run, no duplicates, and every shard object listed
by a completion record.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from curate.io import Ledger
from curate.query import connect
from pipelines.ingest import IngestConfig, run
from tests.http_server import CCServer

CRAWL = "CC-MAIN-2099-03"
FILES = ["dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz", "resiliparse/warcfile.warc.gz",
         "resiliparse/clueweb-quirk.warc.gz", "resiliparse/clipped.warc.gz", "commoncrawl-whirlwind/whirlwind.warc.gz"]
ROWS = "SELECT * EXCLUDE (warc_path, crawl) FROM pages ORDER BY id"
BIN = Path(sys.executable).parent


class Cluster:
    """A scheduler and worker processes, each worker in its own new empty folder."""

    def __init__(self, folder: Path):
        self.folder, self.workers, self.homes = folder, [], []
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
        info = folder / "scheduler.json"
        self.scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                           "--no-dashboard", "--scheduler-file", str(info)], env=self.env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not info.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        self.address = json.loads(info.read_text())["address"]

    def add_worker(self) -> Path:
        home = self.folder / f"worker-{len(self.workers)}"
        home.mkdir()
        self.homes.append(home)
        # its own cache too (where curate keeps local work for a root on object storage): as on
        # another machine, nothing it writes locally is seen by the others
        env = {**self.env, "CURATE_CACHE": str(home / "cache")}
        self.workers.append(subprocess.Popen(
            [str(BIN / "dask"), "worker", self.address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        return home

    def wait(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=60) as client:
            client.wait_for_workers(n, timeout=120)

    def kill(self, i: int) -> None:
        os.killpg(self.workers[i].pid, signal.SIGKILL)        # the nanny and its worker process
        self.workers[i].wait(timeout=30)

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)


@pytest.fixture()
def cluster(tmp_path, s3, prefect_api):
    found = Cluster(tmp_path)
    homes = [found.add_worker(), found.add_worker()]
    found.wait(2)
    yield found
    found.stop()
    for home in homes:   # the workers wrote nothing where they run: every output went to S3
        # (their caches hold copies of work files and of a dedup index, nothing else)
        written = [p for p in home.rglob("*") if p.is_file() and "dask-scratch-space" not in p.parts]
        assert all(p.relative_to(home).parts[:2] == ("cache", "work") for p in written), written


def _run(cluster, config: Path, job: str = "ingest", **kw) -> subprocess.Popen:
    """``curate run JOB`` on the cluster, from a process with a cache of its own."""
    env = {**os.environ, "CURATE_CACHE": str(cluster.folder / "flow-cache")}
    return subprocess.Popen([sys.executable, "-m", "curate", "run", job, "--config", str(config),
                             "--dask-address", cluster.address], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def _done(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]


def _there_and_here(cluster, tmp_path: Path, job: str, settings: dict, out: str, here) -> Path:
    """``job`` with ``settings`` into ``out`` on the cluster, then the same settings into a local
    folder with the command ``here(config, folder)``; returns that folder."""
    config = tmp_path / f"{job}.yaml"
    config.write_text(json.dumps({**settings, "out": out}))
    _done(_run(cluster, config, job))
    folder = tmp_path / f"{job}-here"
    local = tmp_path / f"{job}-here.yaml"
    local.write_text(json.dumps({**settings, "out": str(folder)}))
    done = subprocess.run([sys.executable, "-m", "curate", *here(local, folder)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return folder


def test_killed_worker_then_rerun_on_s3_equals_the_local_run(shared, s3, cluster, tmp_path):
    warcs = [shared / "warc" / f for f in FILES]
    local = tmp_path / "local"
    run(IngestConfig(sources=tuple(map(str, warcs)), out=str(local)))
    bucket = s3.bucket()
    out = f"s3://{bucket}/crawl/shards"
    with CCServer(CRAWL, warcs) as server:
        for path in server.paths:                  # each input waits a second: time to kill mid-run
            server.statuses[path] = [503]
        config = tmp_path / "ingest.yaml"          # JSON is YAML
        config.write_text(json.dumps({"sources": [CRAWL], "out": out, "cc_base_url": server.url,
                                      "http_backoff": 1.0}))
        first = _run(cluster, config)
        deadline = time.monotonic() + 120
        while not Ledger(out).all() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.2)
        assert Ledger(out).all(), first.communicate()[1][-2000:]
        cluster.kill(0)                            # mid-run: some inputs done, others in flight
        assert len(Ledger(out).all()) < len(FILES)
        first.communicate(timeout=300)             # it may finish on the other worker, or fail
        done = _run(cluster, config)
        _, err = done.communicate(timeout=300)
        assert done.returncode == 0, err[-3000:]
    assert connect(out).sql(ROWS).fetchall() == connect(str(local)).sql(ROWS).fetchall()
    n, ids = connect(out).sql("SELECT count(*), count(DISTINCT id) FROM pages").fetchall()[0]
    assert n == ids > 0
    listed = {f"crawl/shards/{p}" for d in Ledger(out).all() for paths in d.shards.values() for p in paths}
    assert {k for k in s3.keys(bucket) if k.endswith(".parquet")} == listed
    assert len(Ledger(out).all()) == len(FILES)


def test_decontamination_of_s3_shards_on_the_cluster(shared, s3, cluster, tmp_path):
    """Each worker scans shards from S3 and writes its rows and records to S3 (no work files)."""
    import fsspec

    from pipelines import decontaminate as dc

    bucket = s3.bucket()
    pages = f"s3://{bucket}/shards"
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=pages))
    text = connect(pages).sql("SELECT text FROM pages ORDER BY length(text) DESC LIMIT 1").fetchall()[0][0]
    bench = tmp_path / "bench"
    bench.mkdir()
    (bench / "planted.jsonl").write_text(json.dumps({"question": " ".join(text.split()[:60])}) + "\n")
    local = dc.run(dc.DecontaminateConfig(inputs=(pages,), benchmarks=(str(bench),), out=str(tmp_path / "local")))
    config = tmp_path / "decontam.yaml"
    out = f"s3://{bucket}/decontam"
    config.write_text(json.dumps({"inputs": [pages], "benchmarks": [str(bench)], "out": out}))
    done = subprocess.run([sys.executable, "-m", "curate", "run", "decontaminate", "--config", str(config),
                           "--dask-address", cluster.address], env=dict(os.environ), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    sql = "SELECT id, benchmark, item, part, ngram, source_shard FROM contamination ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows and rows == connect(str(tmp_path / "local")).sql(sql).fetchall() and local.contaminated == 1
    assert fsspec.filesystem("s3").exists(f"{bucket}/decontam/_ledger")


def test_dedup_across_two_crawls_with_an_index_on_s3_on_the_cluster(shared, s3, cluster, tmp_path):
    """Crawl A, then crawl B against the index A left on S3, each run's sketches and buckets
    mapped on two workers that share only S3: the decisions equal the local runs'."""
    import fsspec

    from pipelines import dedup as dd

    bucket = s3.bucket()
    warcs = [str(shared / "warc" / f) for f in FILES[:4]]
    run(IngestConfig(sources=tuple(warcs), out=f"s3://{bucket}/a"))
    run(IngestConfig(sources=tuple(warcs[1:3]), out=f"s3://{bucket}/b"))   # crawl B repeats pages of A
    out, index = f"s3://{bucket}/dedup", f"s3://{bucket}/index"
    for crawl in ("a", "b"):
        config = tmp_path / f"dedup-{crawl}.yaml"
        config.write_text(json.dumps({"inputs": [f"s3://{bucket}/{crawl}"], "out": out, "index": index,
                                      "run": f"crawl-{crawl}"}))
        _done(_run(cluster, config, "dedup"))
        dd.run(dd.DedupConfig(inputs=(f"s3://{bucket}/{crawl}",), out=str(tmp_path / "dedup"),
                              index=str(tmp_path / "index"), run=f"crawl-{crawl}"))
    sql = "SELECT run, id, keep, reason, duplicate_of, cluster_size FROM duplicates ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows == connect(str(tmp_path / "dedup")).sql(sql).fetchall()
    assert sum(1 for r in rows if r[0] == "crawl-b" and r[3] == "exact_duplicate") > 0
    assert not fsspec.filesystem("s3").find(f"{bucket}/dedup/_dedup")


def test_math_recall_on_s3_pages_on_the_cluster(shared, s3, cluster, math_model, tmp_path):
    """A recall round whose scoring is mapped on the two workers (each on its own copy of the
    run's folder, kept in step through S3) equals the same round built on this machine."""
    from tests.conftest import warc_bytes
    from tests.pipelines.math_corpus import html_records, seed_files

    bucket = s3.bucket()
    warcs = []
    for i, n in enumerate((5, 7)):                   # two WARCs: two page shards to map
        warcs.append(tmp_path / f"mix-{i}.warc.gz")
        warcs[-1].write_bytes(warc_bytes(html_records(shared, n_math=n, n_gsm=n, n_users=8 + i)))
    pages = f"s3://{bucket}/pages"
    run(IngestConfig(sources=tuple(map(str, warcs)), out=pages, math_prefilter=str(math_model),
                     math_prefilter_threshold=0.1))
    settings = {"inputs": [pages], "prefiltered": [pages], "seed_files": [str(p) for p in seed_files(shared)],
                "chunk_words": 150, "negatives": 300, "epoch": 40, "lr": 0.5, "min_count": 1, "bucket": 20_000,
                "threshold": 0.5, "policy": "auto", "max_rounds": 1, "allow_weak_model": True}
    out = f"s3://{bucket}/recall"
    here = _there_and_here(cluster, tmp_path, "math-recall", settings, out,
                           lambda config, folder: ["math", "recall", "--config", str(config)])
    # scores are the model's: the same pages, and one row per page
    sql = "SELECT id, source_row FROM math_scores ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows and rows == connect(str(here)).sql(sql).fetchall()
    n, ids = connect(out).sql("SELECT count(*), count(DISTINCT id) FROM math_scores").fetchall()[0]
    assert n == ids
    assert connect(out).sql("SELECT count(*) FROM math_rounds").fetchall() == [(1,)]
    assert not s3.keys(bucket, "recall/_work/")                  # the staging copy is gone
    # the scoring ran on the workers, on their own copies of the round's folder
    copies = [h / "cache" / "work" for h in cluster.homes]
    assert all(list(c.rglob("round-1/math_scores/*.parquet")) for c in copies), copies


def test_a_mixture_of_s3_pages_on_the_cluster(shared, s3, cluster, tmp_path):
    """Counting, routing and bucketing mapped on the two workers: the mixture published to S3
    equals the one built on this machine, row for row."""
    bucket = s3.bucket()
    root = f"s3://{bucket}/root"
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=root))
    spec = {"name": "t", "root": root, "total_tokens": 30_000, "seed": 5, "rows_per_shard": 40,
            "sources": [{"name": "web", "dataset": "pages", "share": 1.0, "max_epochs": 3}]}
    out = f"s3://{bucket}/mix"
    here = _there_and_here(cluster, tmp_path, "mix", spec, out,
                           lambda config, folder: ["mix", str(config), "--out", str(folder)])
    sql = "SELECT source, id, tokens, epoch FROM mixture ORDER BY ALL"
    rows = connect(out).sql(sql).fetchall()
    assert rows and rows == connect(str(here)).sql(sql).fetchall()
    keys = s3.keys(bucket, "mix/")
    assert "mix/manifest.json" in keys and not any("/_work/" in k for k in keys)
    # the mapped steps ran on the workers, each on its own copy of the build's folder
    assert all(any(p.is_file() for p in (h / "cache" / "work").rglob("_mix/**/*")) for h in cluster.homes)
