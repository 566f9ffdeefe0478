"""One run per output root: a second run gets a clear error, a killed holder frees the root."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from curate.errors import FatalError
from curate.io._lock import RootLock

CURATE = str(Path(sys.executable).parent / "curate")
HOLD = ("import sys, time\nfrom curate.io._lock import RootLock\n"
        "with RootLock(sys.argv[1], 'ingest'):\n    print('held', flush=True)\n    time.sleep(120)\n")


@pytest.fixture()
def holder(tmp_path):
    """Another process holding the lock on ``tmp_path / 'out'``."""
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(out)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    yield out, proc
    proc.kill()
    proc.wait()


def test_a_second_run_on_a_root_in_use_gets_one_line_and_exit_2(holder, shared):
    out, proc = holder
    with pytest.raises(FatalError, match=rf"output root {out} is in use by another run \(ingest, pid {proc.pid} "):
        with RootLock(out, "dedup"):
            pass
    run = subprocess.run([CURATE, "ingest", str(shared / "warc" / "warcio" / "example.warc.gz"), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr.strip() == (f"curate: error: output root {out} is in use by another run "
                                  f"({(out / '_lock').read_text().strip()}); wait for it to finish or choose "
                                  "another output")
    assert not (out / "pages").exists()                     # the second run touched nothing


def test_a_killed_holder_leaves_no_stale_lock(holder):
    out, proc = holder
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while True:                                             # the kernel drops the lock with the process
        try:
            with RootLock(out, "ingest"):
                break
        except FatalError:
            assert time.monotonic() < deadline
            time.sleep(0.1)


def test_the_lock_is_reentrant_within_a_run_and_released_after(tmp_path):
    out = tmp_path / "out"
    with RootLock(out, "code"):
        with RootLock(out, "dedup"):                        # the code job's dedup on the same root
            pass
        check = subprocess.run([sys.executable, "-c", HOLD.replace("time.sleep(120)", "pass"), str(out)],
                               capture_output=True, text=True)
        assert check.returncode != 0 and "in use by another run (code, pid" in check.stderr
    check = subprocess.run([sys.executable, "-c", HOLD.replace("time.sleep(120)", "pass").replace("'ingest'", "'code'"),
                            str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


def test_an_output_path_that_is_a_file_is_one_line(tmp_path, shared):
    out = tmp_path / "taken"
    out.write_text("not a folder")
    run = subprocess.run([CURATE, "ingest", str(shared / "warc" / "warcio" / "example.warc.gz"), "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    assert run.stderr == f"curate: error: output root {out} is a file, not a folder\n"
    assert out.read_text() == "not a folder"


def test_a_root_holds_one_jobs_output(tmp_path):
    """The ownership rule: the first job's name goes in ``_job``; any other job is refused in one
    line naming both, and leaves the root as it was; jobs that declare each other share."""
    from curate.io._lock import RootPolicy, root_jobs

    out = tmp_path / "out"
    with RootLock(out, RootPolicy("ingest", shares=("crawl",))):
        pass
    assert root_jobs(out) == ["ingest"]
    for job in ("dedup", "filter", "code", "mix"):
        with pytest.raises(FatalError, match=rf"^{out} holds ingest's output; {job} writes into a root of its own"):
            with RootLock(out, job):
                pass
    with RootLock(out, RootPolicy("crawl", shares=("ingest",))):
        pass
    assert root_jobs(out) == ["ingest", "crawl"]
    with pytest.raises(FatalError, match="holds ingest's and crawl's output; dedup"):
        with RootLock(out, "dedup"):
            pass
    assert (out / "_job").read_text() == "ingest\ncrawl\n"


def test_a_root_from_before_the_job_file_is_known_by_its_folders(tmp_path):
    from curate.io._lock import root_jobs

    (tmp_path / "old" / "duplicates").mkdir(parents=True)
    assert root_jobs(tmp_path / "old") == ["dedup"]
    with pytest.raises(FatalError, match="holds dedup's output; filter writes"):
        with RootLock(tmp_path / "old", "filter"):
            pass
