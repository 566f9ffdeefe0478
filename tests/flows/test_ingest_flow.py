"""Ingestion under the real Prefect engine on a real Dask LocalCluster (2 process workers)."""

from __future__ import annotations

import pytest

from curate.query import connect
from pipelines.ingest import IngestConfig, run

FILES = ["dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz", "resiliparse/warcfile.warc.gz",
         "warcio/example.warc.gz", "warcio/example-trunc.warc"]
PAGES = "SELECT * FROM pages ORDER BY id"
REJECTED = "SELECT * FROM rejected ORDER BY warc_path, warc_offset"


def rows(root, sql):
    return connect(root).sql(sql).fetchall()


@pytest.fixture(scope="module")
def plain(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("plain")
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(out)))
    return out


def test_flow_on_dask_gives_exactly_the_plain_rows(prefect_api, shared, plain, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import ingest_flow

    config = IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(tmp_path))
    state = ingest_flow.with_options(task_runner=task_runner(workers=2))(config, return_state=True)
    result = state.result()
    assert result["inputs"] == 5 and not result["failed"]
    assert rows(tmp_path, PAGES) == rows(plain, PAGES)
    assert rows(tmp_path, REJECTED) == rows(plain, REJECTED)
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        (artifact,) = client.read_artifacts(artifact_filter=ArtifactFilter(
            key=ArtifactFilterKey(any_=["ingest-summary"]),
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    assert "| sample-0000.warc.gz | done | 24 | 22 | 2 |" in artifact.data
    assert "| example-trunc.warc | partial |" in artifact.data
    again = ingest_flow.with_options(task_runner=task_runner(workers=2))(config)
    assert again["inputs"] == 0 and again["skipped"] == 5
    assert rows(tmp_path, "SELECT count(*) FROM pages") == rows(plain, "SELECT count(*) FROM pages")


def test_killed_worker_then_rerun_completes_without_loss_or_duplicates(prefect_api, shared, plain, tmp_path):
    import os
    import signal
    import threading
    import time

    import dask
    from distributed import Client, LocalCluster

    from curate.io import input_key
    from flows._runner import task_runner
    from flows.jobs import ingest_flow

    sources = tuple(str(shared / "warc" / f) for f in FILES)
    config = IngestConfig(sources=sources, out=str(tmp_path))
    victim = tmp_path / "_staging" / input_key(sources[0])
    killed = []
    with dask.config.set({"distributed.scheduler.allowed-failures": 0, "distributed.worker.daemon": False}), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        pids = list(client.run(os.getpid).values())

        def kill_when_busy():
            deadline = time.monotonic() + 120
            while not victim.exists() and time.monotonic() < deadline:
                time.sleep(0.005)
            for pid in pids:  # a real SIGKILL of every worker process, mid-task
                os.kill(pid, signal.SIGKILL)
            killed.append(victim.exists())

        killer = threading.Thread(target=kill_when_busy)
        killer.start()
        try:
            first = ingest_flow.with_options(task_runner=task_runner(address=cluster.scheduler_address))(config)
        except Exception as exc:  # the flow may fail outright when its workers die
            first = {"error": str(exc)}
        killer.join()
        assert killed == [True]
        second = ingest_flow.with_options(task_runner=task_runner(address=cluster.scheduler_address))(config)
    assert not second["failed"]
    assert second["inputs"] >= 1 and second["inputs"] + second["skipped"] == len(FILES)
    assert rows(tmp_path, PAGES) == rows(plain, PAGES)
    assert rows(tmp_path, REJECTED) == rows(plain, REJECTED)
    assert not any((tmp_path / "_staging").glob("*/*/*.parquet"))
