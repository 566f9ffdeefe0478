"""Flows on a standard Dask cluster: `dask scheduler` and `dask worker --nworkers 2` started as
separate processes, with their default (daemonic) worker processes, reached by `curate run
--dask-address` as a user would. The rows equal those of the local run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from curate.query import connect
from pipelines import dedup as dd
from pipelines.ingest import IngestConfig, run

FILES = ["dolma/sample-0000.warc.gz", "resiliparse/warcfile.warc.gz", "warcio/example-trunc.warc"]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, prefect_api):
    folder = tmp_path_factory.mktemp("dask")
    info = folder / "scheduler.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}   # dask's own defaults
    logs = [open(folder / name, "wb") for name in ("scheduler.log", "workers.log")]
    scheduler = subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(info)], env=env,
                                 stdout=logs[0], stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not info.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    address = json.loads(info.read_text())["address"]
    workers = subprocess.Popen([str(BIN / "dask"), "worker", address, "--nworkers", "2", "--nthreads", "1",
                                "--no-dashboard"], env=env, stdout=logs[1], stderr=subprocess.STDOUT)
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=120)
        # the standard set-up: worker processes are daemonic (where multiprocessing forbids children)
        assert set(client.run(lambda: __import__("multiprocessing").current_process().daemon).values()) == {True}
    yield address
    for proc in (workers, scheduler):
        proc.terminate()
        proc.wait(timeout=30)
    for log in logs:
        log.close()


def _curate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curate", *args], env=dict(os.environ), capture_output=True,
                          text=True, timeout=600)


def _rows(root, sql):
    return connect(str(root)).sql(sql).fetchall()


def test_ingest_and_dedup_on_a_standard_cluster_equal_the_local_run(cluster, shared, tmp_path):
    sources = [str(shared / "warc" / f) for f in FILES]
    local, remote = tmp_path / "local", tmp_path / "remote"
    run(IngestConfig(sources=tuple(sources), out=str(local / "shards")))
    config = tmp_path / "ingest.yaml"
    config.write_text(json.dumps({"sources": sources, "out": str(remote / "shards")}))
    done = _curate("run", "ingest", "--config", str(config), "--dask-address", cluster)
    assert done.returncode == 0, done.stderr[-3000:]
    for sql in ("SELECT * FROM pages ORDER BY id", "SELECT * FROM rejected ORDER BY warc_path, warc_offset"):
        assert _rows(remote / "shards", sql) == _rows(local / "shards", sql)
    assert _rows(remote / "shards", "SELECT count(*) FROM pages")[0][0] > 20

    dd.run(dd.DedupConfig(inputs=(str(local / "shards"),), out=str(local / "dedup"), run="r"))
    config = tmp_path / "dedup.yaml"
    config.write_text(json.dumps({"inputs": [str(remote / "shards")], "out": str(remote / "dedup"), "run": "r"}))
    done = _curate("run", "dedup", "--config", str(config), "--dask-address", cluster)
    assert done.returncode == 0, done.stderr[-3000:]
    # the same decisions; source_shard names the shard under each root
    sql = "SELECT * EXCLUDE (source_shard), regexp_extract(source_shard, '[^/]+$') FROM duplicates ORDER BY id"
    assert _rows(remote / "dedup", sql) == _rows(local / "dedup", sql)
    shutil.rmtree(tmp_path, ignore_errors=True)
