"""Running curate as an operator does: Ctrl-C of `curate run` and a rerun, the run's log lines
read back from the real Prefect server, its UI in headless Chromium on a non-default port,
mistakes under `curate run`, and `curate status` / `redo` / `server status` from the shell."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from curate.query import connect

PAGES = "SELECT * FROM pages ORDER BY id"
REJECTED = "SELECT * FROM rejected ORDER BY warc_path, warc_offset"


def _inputs(shared: Path) -> list[str]:
    return [str(shared / "warc"), str(shared / "html" / "colah-blog"), str(shared / "html" / "trafilatura-cache")]


def _restore_ctrl_c():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def curate(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True,
                          env=dict(os.environ), cwd=cwd)


def rows(root, sql):
    return connect(root).sql(sql).fetchall()


def _flow_run_of(out: Path, newest: bool = True):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.sorting import FlowRunSort

    with get_client(sync_client=True) as client:
        runs = [r for r in client.read_flow_runs(limit=200, sort=FlowRunSort.START_TIME_DESC)
                if r.parameters.get("config", {}).get("out") == str(out)]
    return runs[0] if newest else runs[-1]


def _logs(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    with get_client(sync_client=True) as client:
        for _ in range(20):        # the API handler ships logs in batches: give it a moment
            logs, page = [], None
            while page is None or len(page) == 200:          # the API pages by 200
                page = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id])),
                                        limit=200, offset=len(logs))
                logs += page
            if any("Finished in state" in log.message and log.task_run_id is None for log in logs):
                return logs
            time.sleep(0.5)
    return logs


@pytest.fixture(scope="module")
def clean(shared, tmp_path_factory):
    """An uninterrupted local ingest of the 16 shared inputs (204 pages)."""
    from pipelines.ingest import IngestConfig, run

    out = tmp_path_factory.mktemp("clean")
    run(IngestConfig(sources=tuple(_inputs(shared)), out=str(out)))
    return out


def test_ctrl_c_of_curate_run_loses_no_page_and_the_run_logs_to_prefect(prefect_api, shared, clean, tmp_path):
    out = tmp_path / "out"
    cfg = tmp_path / "ingest.toml"
    cfg.write_text("sources = [" + ", ".join(f'"{s}"' for s in _inputs(shared)) + f']\nout = "{out}"\n')
    proc = subprocess.Popen([sys.executable, "-m", "curate", "run", "ingest", "--config", str(cfg), "--dask-workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ),
                            start_new_session=True, preexec_fn=_restore_ctrl_c)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and proc.poll() is None and len(list((out / "_ledger").glob("*.json"))) < 4:
        time.sleep(0.02)
    assert proc.poll() is None, proc.communicate()
    os.killpg(proc.pid, signal.SIGINT)                       # Ctrl-C at a terminal: the whole group
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("curate: interrupted: ") and lines[0].endswith(" of 16 inputs done; rerun to resume")
    # nothing in flight was recorded: no page is a rejected 'worker died' row, no input half-done
    assert rows(out, "SELECT count(*) FROM rejected WHERE detail LIKE '%worker died%'") == [(0,)]
    interrupted = _flow_run_of(out)
    assert interrupted.state.type.value in ("CRASHED", "CANCELLED", "FAILED")

    again = curate("run", "ingest", "--config", str(cfg), "--dask-workers", "2")
    assert again.returncode == 0, again.stderr[-3000:]
    assert rows(out, "SELECT count(*) FROM pages") == [(204,)]
    assert rows(out, PAGES) == rows(clean, PAGES)
    assert rows(out, REJECTED) == rows(clean, REJECTED)

    # the rerun's log lines, from the server: the plan, each input's outcome under its task run,
    # progress and the summary under the flow run
    rerun = _flow_run_of(out)
    logs = _logs(rerun.id)
    flow_lines = [log.message for log in logs if log.task_run_id is None]
    task_lines = [log.message for log in logs if log.task_run_id is not None]
    assert any(line.startswith("ingest: ") and "to do" in line and "already done (skipped)" in line for line in flow_lines)
    assert any("of 16 done" in line for line in flow_lines)
    assert any(line.startswith("inputs: ") and "already done" in line and "pages/s" in line
               for line in flow_lines), flow_lines[-5:]                    # the run's summary
    assert any(": done: " in line and " pages, " in line for line in task_lines), task_lines[:5]
    assert any(line.startswith("whirlwind.warc.wat.gz") and "unsupported" in line
               for line in task_lines + flow_lines) or rows(out, "SELECT count(*) FROM ledger WHERE status = "
                                                               "'unsupported'") == [(1,)]

    status = curate("status", str(out))
    assert status.returncode == 0, status.stderr
    assert "job       ingest" in status.stdout and "14 done, 1 partial, 1 unsupported" in status.stdout
    assert "last run  ingest" in status.stdout and "completed" in status.stdout
    assert "rows      pages 204, rejected 11" in status.stdout and "lock      free" in status.stdout


def test_mistakes_under_curate_run_are_one_line_and_exit_2(prefect_api, tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'sources = ["{tmp_path / "nope.warc.gz"}"]\nout = "{tmp_path / "out"}"\n')
    done = curate("run", "ingest", "--config", str(cfg), "--dask-workers", "1")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"curate: error: input not found: '{tmp_path / 'nope.warc.gz'}'"]
    verbose = curate("-v", "run", "ingest", "--config", str(cfg), "--dask-workers", "1")
    assert verbose.returncode == 2 and "Traceback" in verbose.stderr          # the traceback, asked for
    typo = tmp_path / "typo.toml"
    typo.write_text('sourcez = ["x"]\nout = "o"\n')
    done = curate("run", "ingest", "--config", str(typo))
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "did you mean sources" in done.stderr


def test_server_status_finds_the_server_from_any_folder(prefect_api, tmp_path):
    port = prefect_api.rsplit(":", 1)[1].split("/")[0]
    done = curate("server", "status", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"http://127.0.0.1:{port}/api: healthy" in done.stdout
    # stop, from a folder that started no server, names the running ones and stops none of them
    elsewhere = {k: v for k, v in os.environ.items() if k not in ("PREFECT_HOME", "PREFECT_API_URL")}
    stop = subprocess.run([sys.executable, "-m", "curate", "server", "stop"], capture_output=True, text=True,
                          env=elsewhere, cwd=tmp_path)
    assert stop.returncode == 2 and f"port {port} " in stop.stderr and len(stop.stderr.splitlines()) == 1
    assert curate("server", "status", "--port", port, cwd=tmp_path).returncode == 0


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed (the README's "
                                                           "test command installs it)")
def test_the_ui_on_a_non_default_port_shows_the_run_and_its_logs(prefect_api, shared, tmp_path):
    import json
    import urllib.request

    port = int(prefect_api.rsplit(":", 1)[1].split("/")[0])
    assert port != 4200
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ui-settings") as resp:
        assert json.load(resp)["api_url"] == prefect_api          # the page talks to this server
    cfg = tmp_path / "ingest.toml"
    cfg.write_text(f'sources = ["{shared / "warc/dolma/sample-0000.warc.gz"}"]\nout = "{tmp_path / "out"}"\n')
    assert curate("run", "ingest", "--config", str(cfg), "--dask-workers", "1").returncode == 0
    run = _flow_run_of(tmp_path / "out")
    _logs(run.id)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'chromium'}", "--window-size=1400,1000", "--virtual-time-budget=20000"]
    url = f"http://127.0.0.1:{port}/runs/flow-run/{run.id}"
    dom = ""
    for _ in range(3):                       # a loaded machine may need a second look
        dom = subprocess.run(["chromium", *flags, "--dump-dom", url], capture_output=True, text=True,
                             timeout=120).stdout
        if "sample-0000.warc.gz" in dom and ": done: " in dom:
            break
    subprocess.run(["chromium", *flags, f"--screenshot={tmp_path / 'flow-run.png'}", url], capture_output=True,
                   timeout=120)
    assert run.name in dom                                   # the run, shown by the UI
    assert "Can't connect to Server API" not in dom
    assert "sample-0000.warc.gz" in dom and ": done: 24 records, 22 pages, 2 rejected" in dom   # its log lines
    assert (tmp_path / "flow-run.png").stat().st_size > 10_000
