"""The README's main job (`curate demo`) and `curate run` through Prefect and Dask."""

from __future__ import annotations

import re

import os
import subprocess
import sys
from pathlib import Path

from curate.query import connect


def curate(*args):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True,
                          env=dict(os.environ))


def test_demo_runs_through_prefect_and_dask(prefect_api, tmp_path):
    done = curate("demo", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "flow 'ingest' on a local Dask cluster: 1 input(s) processed" in done.stdout
    assert "pages written: 6, rejected: 3" in done.stdout
    assert connect(tmp_path / "shards").execute("SELECT count(*) FROM pages WHERE has_math").fetchone() == (4,)


def test_run_pipeline_from_config(prefect_api, shared, tmp_path):
    cfg = tmp_path / "ingest.yaml"
    cfg.write_text(f"sources:\n  - {shared / 'warc/warcio'}\nout: {tmp_path / 'out'}\n")
    done = curate("run", "ingest", "--config", str(cfg), "--dask-workers", "2")
    assert done.returncode == 0, done.stderr[-3000:]
    assert "ingest: completed" in done.stdout.splitlines() and re.search(r"^  inputs +5$", done.stdout, re.M)
    assert "INFO" not in done.stdout + done.stderr                 # third-party logs only with -v
    ledger = dict(connect(tmp_path / "out").execute("SELECT regexp_extract(source, '[^/]+$'), status FROM ledger").fetchall())
    assert ledger["example-trunc.warc"] == "partial" and ledger["example.warc"] == "done"


def test_a_run_with_a_failed_input_finishes_the_others_then_fails(prefect_api, shared, tmp_path):
    import socket

    with socket.socket() as s:                                      # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/crawl/missing.warc.gz"
    cfg = tmp_path / "ingest.yaml"
    cfg.write_text(f"sources:\n  - {shared / 'warc/warcio/example.warc.gz'}\n  - {dead}\nout: {tmp_path / 'out'}\n"
                   "http_retries: 0\n")
    done = curate("run", "ingest", "--config", str(cfg), "--dask-workers", "2")
    assert done.returncode == 1, done.stderr[-3000:]
    assert "ingest: FAILED: 1 input(s) failed: " + dead in done.stdout
    ledger = dict(connect(tmp_path / "out").execute("SELECT regexp_extract(source, '[^/]+$'), status FROM ledger").fetchall())
    assert ledger == {"example.warc.gz": "done", "missing.warc.gz": "failed"}
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:                   # the run's recorded state, and its summary
        runs = client.read_flow_runs(limit=200)
        (run,) = [r for r in runs if r.parameters.get("config", {}).get("out") == str(tmp_path / "out")]
        assert run.state.is_failed()
        (artifact,) = [a for a in client.read_artifacts(limit=200) if a.flow_run_id == run.id]
    assert "| missing.warc.gz | failed |" in artifact.data
    # the failed input's task run logs its one-line reason (read back from the server)
    from tests.flows.test_operator import _logs

    failed = [log for log in _logs(run.id) if log.task_run_id is not None and "missing.warc.gz" in log.message
              and log.level >= 30]
    assert failed and "\n" not in failed[-1].message and ": failed" in failed[-1].message, failed


def test_library_never_imports_prefect():
    code = ("import sys, curate, curate.io, curate.extract, curate.query, pipelines.ingest, schemas; "
            "print(any(m == 'prefect' or m.startswith('prefect.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_the_local_server_state_is_private(prefect_api):
    # no authentication on the local server (127.0.0.1 only): its database is its user's alone
    import stat

    home = Path(os.environ["PREFECT_HOME"])
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    db = home / "prefect.db"
    assert db.exists() and stat.S_IMODE(db.stat().st_mode) == 0o600
    assert prefect_api.startswith("http://127.0.0.1:")
