"""Every job interrupted as an operator interrupts it (Ctrl-C to the process group, SIGTERM,
kill -9) at several moments of a run on the shared real data, then run again: the outputs equal
an uninterrupted run's, byte for byte (benchmarks/digest.py's digest: every dataset file's name and
bytes), and an interrupted command says so in one line and exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.digest import digest

ROOT = Path(__file__).resolve().parents[1]
MOMENTS = ((0.45, signal.SIGINT), (0.7, signal.SIGTERM), (0.9, signal.SIGKILL))


def _restore_ctrl_c():
    # a child of a shell that runs us in the background inherits SIGINT ignored: as at a terminal
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def curate(argv, cwd: Path, after: float | None = None, sig=None) -> tuple[int, str, float]:
    """Run ``curate argv`` in its own process group; ``after`` seconds in, send ``sig`` the way a
    terminal (SIGINT: the whole group), a service manager (SIGTERM: the process) or the OOM
    killer (SIGKILL: the group) does. Returns (exit code, stderr, seconds)."""
    t0 = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "curate", *argv], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True, preexec_fn=_restore_ctrl_c,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    if after is not None:
        try:
            proc.wait(timeout=after)
        except subprocess.TimeoutExpired:
            if sig == signal.SIGTERM:
                proc.send_signal(sig)
            else:
                os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=240)
    return proc.returncode, err, time.monotonic() - t0


def _shared_inputs(shared: Path) -> list[str]:
    return [str(shared / "warc"), str(shared / "html" / "colah-blog"), str(shared / "html" / "trafilatura-cache")]


def job_argv(job: str, shared: Path) -> list[str]:
    return {
        "ingest": ["ingest", *_shared_inputs(shared), "--out", "out", "--workers", "2", "-q"],
        "dedup": ["dedup", "../pages", "--out", "out", "-q"],
        "filter": ["filter", "../pages", "--out", "out", "-q"],
        "decontaminate": ["decontaminate", "../pages", "--benchmarks", str(shared / "benchmarks"), "--out", "out"],
        "code": ["code", *sorted(str(p) for p in (shared / "repos").iterdir()), "--out", "out"],
        "arxiv": ["arxiv", *sorted(str(p) for p in (shared / "arxiv").iterdir()), "--out", "out"],
        "mix": ["mix", "../mix.yaml", "--out", "out", "-q"],
    }[job]


@pytest.fixture(scope="module")
def pages(shared, tmp_path_factory) -> Path:
    """The 204 real pages of the shared WARCs and HTML folders (an uninterrupted ingest)."""
    base = tmp_path_factory.mktemp("interrupts")
    done = subprocess.run([sys.executable, "-m", "curate", "ingest", *_shared_inputs(shared), "--out", "pages", "-q"],
                          cwd=base, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    (base / "mix.yaml").write_text(
        "name: interrupts\nroot: pages\ntotal_tokens: 60000\nseed: 3\nsources:\n"
        "  - {name: math, dataset: pages, where: has_math, share: 0.4, max_epochs: 3}\n"
        "  - {name: web, dataset: pages, where: NOT has_math, share: 0.6}\n")
    return base / "pages"


ALL = ["ingest", "dedup", "filter", "decontaminate", "code", "arxiv", "mix"]
#: the default suite: every job once (Ctrl-C mid-run), ingest and mix at every moment and signal;
#: -m slow runs every job at every moment
CASES = ([pytest.param(job, MOMENTS, id=f"{job}-all") for job in ("ingest", "mix")]
         + [pytest.param(job, MOMENTS[:1], id=f"{job}-ctrl-c") for job in ALL if job not in ("ingest", "mix")]
         + [pytest.param(job, MOMENTS[1:], id=f"{job}-term-kill", marks=pytest.mark.slow)
            for job in ALL if job not in ("ingest", "mix")])


@pytest.mark.parametrize("job,moments", CASES)
def test_an_interrupted_job_reruns_to_the_uninterrupted_output(job, moments, shared, pages, tmp_path):
    import shutil

    # every run in the same folder: rows name the files they came from
    here = tmp_path / "work"
    here.mkdir()
    (tmp_path / "pages").symlink_to(pages)
    (tmp_path / "mix.yaml").write_text((pages.parent / "mix.yaml").read_text().replace("root: pages", f"root: {pages}"))
    argv = job_argv(job, shared)
    rc, err, seconds = curate(argv, here)
    assert rc == 0, err
    want = digest(here / "out")
    assert want[0] > 0 or job == "decontaminate"
    interrupted = 0
    for share, sig in moments:
        shutil.rmtree(here / "out")
        rc, err, _ = curate(argv, here, after=seconds * share, sig=sig)
        if rc != 0:                                # it was still running: interrupted
            interrupted += 1
            if sig == signal.SIGKILL:
                assert rc == -signal.SIGKILL
            else:                                  # one line, no traceback, exit 130
                assert rc == 130, err
                lines = [line for line in err.splitlines() if line.strip()]
                assert lines[-1].startswith("curate: interrupted"), err
                assert "Traceback" not in err, err
        again, err, _ = curate(argv, here)
        assert again == 0, err
        assert digest(here / "out") == want, f"{job} after {sig.name} at {share:.0%}"
    assert interrupted >= 1 or len(moments) == 2, (
        f"{job} finished before every interrupt ({seconds:.1f} s): the test tested nothing")


def test_an_interrupt_while_the_command_starts_is_one_line(pages, tmp_path):
    """Ctrl-C while Python imports the command line or builds its options (every job's config is
    read then) ends in one line and 130, as later; a signal after the command is done leaves its
    exit status alone. (CI once caught a fast mix here: the handler was installed too late.)"""
    argv = ["filter", str(pages), "--out", "out", "-q"]
    seen = set()
    for after in (0.05, 0.2, 0.4, 0.7, 1.0, 1.5):
        rc, err, _ = curate(argv, tmp_path, after=after, sig=signal.SIGINT)
        assert rc in (0, 130), err
        if rc == 130:
            lines = [line for line in err.splitlines() if line.strip()]
            assert len(lines) == 1 and lines[0].startswith("curate: interrupted"), err
        seen.add(rc)
    assert 130 in seen, "every run finished before its interrupt: the test tested nothing"
    rc, err, _ = curate(argv, tmp_path)
    assert rc == 0, err
