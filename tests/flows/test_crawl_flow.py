"""Scheduled crawl ingestion against a loopback server in Common Crawl's layout."""

from __future__ import annotations

from curate.query import connect
from tests.http_server import CCServer

CRAWL = "CC-MAIN-2099-01"
FILES = ["warcio/example.warc.gz", "warcio/example-iana.org-chunked.warc", "dolma/sample-0001.warc.gz"]


def ledger(root):
    return dict(connect(root).sql("SELECT regexp_extract(source, '[^/]+$'), status FROM ledger").fetchall())


def finished(root):
    return dict(connect(root).sql("SELECT regexp_extract(source, '[^/]+$'), finished FROM ledger").fetchall())


def test_each_run_ingests_new_paths_only_and_records_failures(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import crawl_flow
    from pipelines.crawl import CrawlConfig

    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        server.statuses[server.paths[1]] = [404] * 100  # this path is broken for good
        config = CrawlConfig(out=str(tmp_path), crawls=("latest",), max_files=2, cc_base_url=server.url,
                             cc_index_url=server.url, task_retries=0)
        from curate.cli._flows import outcome

        def flow(config):                  # a run with a failed input ends Failed, keeping its summary
            result, failure = outcome(crawl_flow.with_options(task_runner=task_runner(workers=2))(
                config, return_state=True))
            assert (failure is None) == (not result["failed"])
            return result

        first = flow(config)
        assert first["inputs"] == 2 and len(first["failed"]) == 1 and "example-iana" in first["failed"][0]
        assert ledger(tmp_path) == {"example.warc.gz": "done", "example-iana.org-chunked.warc": "failed"}
        stamp = finished(tmp_path)["example.warc.gz"]

        second = flow(config)  # the failed path is retried, the new one taken, the done one left alone
        assert second["skipped"] == 1 and second["inputs"] == 2
        assert ledger(tmp_path) == {"example.warc.gz": "done", "example-iana.org-chunked.warc": "failed",
                                    "sample-0001.warc.gz": "done"}
        assert finished(tmp_path)["example.warc.gz"] == stamp

        server.statuses[server.paths[1]] = []  # fixed upstream
        third = flow(config)
        assert third["inputs"] == 1 and not third["failed"]
    assert set(ledger(tmp_path).values()) == {"done"}
    crawls = connect(tmp_path).sql("SELECT DISTINCT crawl FROM pages").fetchall()
    assert crawls == [(CRAWL,)]  # "latest" resolved through collinfo.json
    counts = connect(tmp_path).execute("SELECT count(*), count(DISTINCT id) FROM pages").fetchone()
    assert counts[0] == counts[1] == 1 + 1 + 15


def test_serve_registers_a_cron_deployment(prefect_api, tmp_path):
    import os
    import subprocess
    import sys
    import time

    from prefect.client.orchestration import get_client

    cfg = tmp_path / "crawl.toml"
    cfg.write_text(f'out = "{tmp_path / "out"}"\ncrawls = ["CC-MAIN-2099-01"]\nmax_files = 3\n')
    proc = subprocess.Popen([sys.executable, "-m", "curate", "serve", "crawl", "--config", str(cfg), "--cron", "*/5 * * * *"],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deployment = None
        deadline = time.monotonic() + 90
        with get_client(sync_client=True) as client:
            while deployment is None and time.monotonic() < deadline and proc.poll() is None:
                try:
                    deployment = client.read_deployment_by_name("crawl/crawl")
                except Exception:
                    time.sleep(1)
        assert deployment is not None, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "timeout"
        assert [s.schedule.cron for s in deployment.schedules] == ["*/5 * * * *"]
        assert deployment.parameters["config"]["max_files"] == 3
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    with get_client(sync_client=True) as client:                    # SIGTERM paused the schedule
        assert client.read_deployment_by_name("crawl/crawl").paused
    proc = subprocess.Popen([sys.executable, "-m", "curate", "serve", "crawl", "--config", str(cfg), "--cron", "*/5 * * * *"],
                            env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:                                                            # serving it again resumes it
        deadline, paused = time.monotonic() + 90, True
        with get_client(sync_client=True) as client:
            while paused and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(1)
                paused = client.read_deployment_by_name("crawl/crawl").paused
        assert not paused
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_a_served_every_minute_schedule_fires_and_ingests(prefect_api, shared, tmp_path):
    # As deployed: `curate serve crawl --cron` against a real server and its scheduler; the
    # loopback mirror has Common Crawl's layout. Within 3 minutes a scheduled run must complete
    # and the ledger must record the file.
    import os
    import subprocess
    import sys
    import time

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterDeploymentId, FlowRunFilterState,
                                                FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType

    FINAL = (StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED)

    with CCServer(CRAWL, [shared / "warc" / FILES[0]]) as server:
        cfg = tmp_path / "crawl.toml"
        cfg.write_text(f'out = "{tmp_path / "out"}"\ncrawls = ["latest"]\nmax_files = 1\n'
                       f'cc_base_url = "{server.url}"\ncc_index_url = "{server.url}"\n')
        log = open(tmp_path / "serve.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "curate", "serve", "crawl", "--config", str(cfg),
                                 "--cron", "* * * * *", "--name", "every-minute"], env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline, runs = time.monotonic() + 180, []
            with get_client(sync_client=True) as client:
                while time.monotonic() < deadline and proc.poll() is None:
                    time.sleep(3)
                    try:
                        deployment = client.read_deployment_by_name("crawl/every-minute")
                    except Exception:
                        continue
                    # ask for finished runs only: the scheduler queues up to 100 future ones
                    runs = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                        deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]),
                        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(FINAL)))), limit=10)
                    if runs:
                        break
            assert runs, (tmp_path / "serve.log").read_text()[-3000:]
            assert runs[0].state.is_completed(), (runs[0].state.message, (tmp_path / "serve.log").read_text()[-3000:])
            assert runs[0].auto_scheduled                           # fired by the schedule, not by hand
        finally:
            proc.terminate()
            proc.wait(timeout=60)
            log.close()
        # the operator's view: one line per run, a clean stop on SIGTERM, no queued runs left behind
        text = (tmp_path / "serve.log").read_text()
        assert "serving crawl/every-minute on '* * * * *'" in text
        line = next(l for l in text.splitlines() if l.startswith("run ") and "Completed" in l)
        assert "inputs 1" in line and "pages 1" in line and "failed 0" in line and "started" in line
        assert "stopped serving crawl/every-minute" in text and "never awaited" not in text
        assert proc.returncode == 0
        with get_client(sync_client=True) as client:
            deployment = client.read_deployment_by_name("crawl/every-minute")
            queued = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id]),
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))), limit=10)
        assert queued == []
        # stopping serve paused the schedule: a minute cron that kept firing would have a past-due
        # run within 75 s (the scheduler looks every 10 s here); none comes
        stopped = time.monotonic()
        assert deployment.paused
        listed = subprocess.run([sys.executable, "-m", "curate", "schedules"], capture_output=True, text=True,
                                env=dict(os.environ))
        line = next(l for l in listed.stdout.splitlines() if l.startswith("crawl/every-minute "))
        assert line.split()[1:7] == ["*", "*", "*", "*", "*", "paused"], listed.stdout
        with get_client(sync_client=True) as client:
            before = len(client.read_flow_runs(flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])), limit=200))
        time.sleep(max(0.0, stopped + 75 - time.monotonic()))
        with get_client(sync_client=True) as client:
            after = client.read_flow_runs(flow_run_filter=FlowRunFilter(
                deployment_id=FlowRunFilterDeploymentId(any_=[deployment.id])), limit=200)
        assert len(after) == before and not [r for r in after if r.state.type == StateType.SCHEDULED]
        listed = subprocess.run([sys.executable, "-m", "curate", "schedules"], capture_output=True, text=True,
                                env=dict(os.environ)).stdout
        assert " paused  0 " in next(l for l in listed.splitlines() if l.startswith("crawl/every-minute "))
        # and the operator's controls
        for action, want in (("resume", "active"), ("pause", "paused")):
            done = subprocess.run([sys.executable, "-m", "curate", "schedules", action, "crawl/every-minute"],
                                  capture_output=True, text=True, env=dict(os.environ))
            assert done.returncode == 0, done.stderr
            with get_client(sync_client=True) as client:
                assert client.read_deployment_by_name("crawl/every-minute").paused == (want == "paused")
        done = subprocess.run([sys.executable, "-m", "curate", "schedules", "delete", "every-minute"],
                              capture_output=True, text=True, env=dict(os.environ))
        assert done.returncode == 0, done.stderr
        wrong = subprocess.run([sys.executable, "-m", "curate", "schedules", "pause", "every-minute"],
                               capture_output=True, text=True, env=dict(os.environ))
        assert wrong.returncode == 2 and wrong.stderr.startswith("curate: error: no deployment 'every-minute'")
    assert ledger(tmp_path / "out") == {"example.warc.gz": "done"}
