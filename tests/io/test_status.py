"""`curate status ROOT` and `curate redo ROOT`: on a folder and on an S3 bucket (moto on
127.0.0.1), from the command line, on the shared real WARCs."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from curate.query import connect

FILES = ["warcio/example.warc.gz", "warcio/example-trunc.warc", "dolma/sample-0001.warc.gz"]


def curate(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True,
                          env=dict(os.environ), cwd=cwd)


def _pages(root):
    return connect(root).sql("SELECT id, url, text FROM pages ORDER BY id").fetchall()


@pytest.fixture(params=["folder", "s3"])
def root(request, tmp_path):
    if request.param == "folder":
        return str(tmp_path / "shards")
    s3 = request.getfixturevalue("s3")
    return f"s3://{s3.bucket()}/shards"


def test_status_then_redo_then_rerun_gives_the_same_rows_once(shared, root, tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/crawl/missing.warc.gz"
    sources = [str(shared / "warc" / f) for f in FILES]
    first = curate("ingest", *sources, dead, "--out", root, "--http-retries", "0", "-q")
    assert first.returncode == 1, first.stderr                      # the dead URL failed, the rest done
    want = _pages(root)
    done = curate("status", root)
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "job       ingest\n" in text
    assert "inputs    2 done, 1 failed, 1 partial" in text
    assert f"  failed  {dead}: " in text
    assert "last run  ingest " in text and "s, failed: failed 1, inputs 4, pages 16, rejected 5" in text
    assert "rows      pages 16, rejected 5" in text and ("lock      free" in text or root.startswith("s3:"))
    assert "settings  " in text and "(4 inputs)" in text

    again = curate("redo", root, "sample-0001.warc.gz", "--failed")
    assert again.returncode == 0, again.stderr
    assert "2 input(s) will run again" in again.stdout
    assert "rows      pages 1, rejected 3" in curate("status", root).stdout       # taken out, not hidden twice
    rerun = curate("ingest", *sources, "--out", root, "-q")           # the dead URL is not asked for again
    assert rerun.returncode == 0, rerun.stderr
    assert _pages(root) == want                                     # the same rows, none twice
    assert "inputs    2 done, 1 partial\n" in curate("status", root).stdout


def test_mistakes_are_one_line(tmp_path, shared):
    for argv, said in ((["status", str(tmp_path / "nowhere")], "no output root at"),
                       (["status", str(tmp_path)], "is not a curate output root"),
                       (["redo", str(tmp_path)], "give INPUT")):
        done = curate(*argv)
        assert done.returncode == 2 and len(done.stderr.splitlines()) == 1 and said in done.stderr, done.stderr
    out = tmp_path / "shards"
    assert curate("ingest", str(shared / "warc" / FILES[0]), "--out", str(out), "-q").returncode == 0
    done = curate("redo", str(out), "nope.warc.gz")
    assert done.returncode == 2 and "no input 'nope.warc.gz'" in done.stderr


def test_status_names_the_run_holding_the_lock(shared, tmp_path):
    from curate.io import RootLock, RootPolicy

    out = tmp_path / "shards"
    assert curate("ingest", str(shared / "warc" / FILES[0]), "--out", str(out), "-q").returncode == 0
    assert "lock      free" in curate("status", str(out)).stdout
    with RootLock(out, RootPolicy("ingest", "direct")):
        held = curate("status", str(out)).stdout
        refused = curate("redo", str(out), "example.warc.gz")
    assert f"lock      ingest, pid {os.getpid()} on " in held
    assert refused.returncode == 2 and "in use by another run" in refused.stderr


@pytest.mark.parametrize("sig", ["SIGKILL", "SIGINT"])
def test_a_killed_or_interrupted_run_s_inputs_are_pending_with_why(shared, tmp_path, sig):
    import signal
    import time

    inputs = [str(shared / "warc"), str(shared / "html" / "trafilatura-cache")]
    out = tmp_path / "shards"
    proc = subprocess.Popen([sys.executable, "-m", "curate", "ingest", *inputs, "--out", str(out), "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while proc.poll() is None and len(list((out / "_ledger").glob("*.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None
    os.killpg(proc.pid, getattr(signal, sig))
    proc.wait(timeout=60)
    text = curate("status", str(out)).stdout
    done = int(text.split("inputs    ")[1].split(" done")[0])
    pending = [line for line in text.splitlines() if line.startswith("  pending ")]
    assert done >= 3 and len(pending) >= 1, text
    why = "was killed before finishing it" if sig == "SIGKILL" else "was interrupted"
    assert all(why in line for line in pending), text
    if sig == "SIGKILL":
        assert "killed before it finished" in text.split("last run  ")[1].splitlines()[0]
    assert curate("ingest", *inputs, "--out", str(out), "-q").returncode == 0
    after = curate("status", str(out)).stdout
    assert "pending" not in after and "inputs    13 done, 1 partial, 1 unsupported\n" in after, after
