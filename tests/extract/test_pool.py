"""The extraction pool: hard timeouts kill only the slow page; order and output are stable."""

from __future__ import annotations

import time

import pytest

from curate import reasons
from curate.extract import ExtractorPool
from tests import debian_docs
from tests.conftest import article


def slow_page() -> bytes:
    # ~700 KB of nested tables: trafilatura needs several seconds on it (measured ~4 s).
    cells = "".join(f"<div><table><tr><td><p>cell {i} some words here and there</p></td></tr></table></div>"
                    for i in range(8000))
    return f"<html><body>{cells}</body></html>".encode()


def jobs():
    yield "a", ("html", article("Alpha"), "http://a.test/", None)
    yield "skip", None
    yield "slow", ("html", slow_page(), "http://slow.test/", None)
    yield "b", ("html", article("Bravo"), "http://b.test/", None)
    yield "text", ("text", b"plain WET text \\frac{1}{2}", "http://c.test/", None)


def run(workers: int, timeout: float):
    with ExtractorPool(workers=workers, timeout=timeout) as pool:
        return list(pool.imap(jobs())), pool


def test_slow_page_times_out_and_the_rest_survive_in_order():
    t0 = time.monotonic()
    out, pool = run(workers=1, timeout=1.0)
    assert time.monotonic() - t0 < 30
    assert [ctx for ctx, _ in out] == ["a", "skip", "slow", "b", "text"]
    results = dict(out)
    assert results["skip"] is None
    assert results["slow"][:2] == ("rejected", reasons.EXTRACT_TIMEOUT)
    assert results["a"][0] == "ok" and "Alpha paragraph 0" in results["a"][1]["text"]
    assert results["b"][0] == "ok" and results["text"][1]["has_math"]
    assert pool.timeouts == 1 and pool.restarts == 1


def test_same_output_with_more_workers_and_in_process():
    one, _ = run(workers=1, timeout=60)
    two, _ = run(workers=2, timeout=60)
    inline, _ = run(workers=0, timeout=60)
    assert one == two == inline
    assert dict(one)["slow"][0] == "ok"  # with a generous timeout the slow page is extracted


def test_workers_are_recycled_without_losing_jobs():
    pages = [(i, ("html", article(f"Page {i}"), f"http://p.test/{i}", None)) for i in range(7)]
    with ExtractorPool(workers=1, timeout=60, max_tasks_per_worker=3) as pool:
        out = list(pool.imap(pages))
        restarts = pool.restarts
    assert [ctx for ctx, _ in out] == list(range(7))
    assert all(r[0] == "ok" and f"Page {i} paragraph 0" in r[1]["text"] for i, (_, r) in enumerate(out))
    assert restarts == 2


@pytest.mark.timeout(120)             # the old code hung here for ever
def test_long_pages_do_not_deadlock_the_pipe():
    # Regression: results and jobs both above the pipe buffer (64 KiB) used to block the worker
    # sending its result while the parent blocked sending the next job. Long real pages trigger it.

    wanted = ["user_guide/io.html", "user_guide/timeseries.html", "whatsnew/v0.24.0.html", "user_guide/io.html"]
    try:
        by_path = {p["path"]: p for p in debian_docs.pages("python-pandas-doc", None, ("non_math",))}
    except debian_docs.Unavailable as exc:
        pytest.skip(str(exc))
    big = [by_path[w] for w in wanted]     # 1 MB, 440 KB, 500 KB pages; the first gives 310 KB of text
    jobs_ = [(p["url"], ("html", p["body"], p["url"], None)) for p in big]
    with ExtractorPool(workers=1, timeout=120) as pool:
        out = list(pool.imap(jobs_))
    assert [u for u, _ in out] == [p["url"] for p in big]
    assert all(r[0] == "ok" for _, r in out) and max(len(r[1]["text"]) for _, r in out) > 300_000


def _pool_in_daemon(queue) -> None:
    import os
    import time

    with ExtractorPool(workers=1, timeout=5) as pool:
        queue.put(("pid", os.getpid(), pool._pool[0].proc.pid))
        queue.put(("extracted", list(pool.imap([("a", ("html", article("Alpha"), "http://a.test/", None))]))[0][1][0]))
        time.sleep(600)                            # killed here by the test


def test_extraction_workers_run_inside_a_daemonic_process_and_die_with_it():
    # what a standard `dask worker` is: a daemonic process, where multiprocessing forbids children
    import multiprocessing as mp
    import os
    import signal
    import time

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_pool_in_daemon, args=(queue,), daemon=True)
    proc.start()
    (_, host, worker), extracted = queue.get(timeout=120), queue.get(timeout=120)
    assert extracted == ("extracted", "ok") and host == proc.pid
    os.kill(host, signal.SIGKILL)                  # the Dask worker dies hard: no orphan is left
    proc.join(timeout=30)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and _alive(worker):
        time.sleep(0.2)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[1][0] != "Z"     # a zombie has exited
    except FileNotFoundError:
        return False


def _kill_worker_during_slow_page(pool, times: int, killed: list) -> None:
    """SIGKILL the worker busy on the slow page ``times`` times (each time a second into it)."""
    import os
    import signal

    seen = set()
    deadline = time.monotonic() + 90
    while len(killed) < times and time.monotonic() < deadline:
        for worker in list(pool._pool):
            pid = worker.proc.pid
            if pid in seen or not worker.queue or time.monotonic() - worker.started < 1.0:
                continue
            if worker.queue[0] == 2:               # the slow page is the third job
                seen.add(pid)
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        time.sleep(0.05)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("kills", [1, 2])
def test_a_worker_killed_from_outside_is_not_a_bad_page(kills):
    # One death (kill -9 from outside, an interrupt) is retried on a fresh worker: the page is
    # extracted. A page whose worker dies twice is the page's fault: a rejected row, the rest kept.
    import threading

    killed: list = []
    with ExtractorPool(workers=1, timeout=60) as pool:
        killer = threading.Thread(target=_kill_worker_during_slow_page, args=(pool, kills, killed))
        killer.start()
        out = dict(pool.imap(jobs()))
        killer.join()
        deaths = pool.deaths
    assert len(killed) == kills and deaths == kills
    assert out["a"][0] == out["b"][0] == "ok" and out["text"][0] == "ok"
    if kills == 1:
        assert out["slow"][0] == "ok"
    else:
        assert out["slow"] == ("rejected", reasons.EXTRACT_ERROR, "extraction worker died twice on this page")


def test_extraction_workers_ignore_ctrl_c():
    # The terminal's SIGINT reaches every process of the group: workers leave it to their parent
    import os
    import signal

    with ExtractorPool(workers=1, timeout=60) as pool:
        first = dict(pool.imap([("a", ("html", article("Alpha"), "http://a.test/", None))]))  # it is serving
        os.kill(pool._pool[0].proc.pid, signal.SIGINT)
        time.sleep(0.3)
        out = dict(pool.imap([("b", ("html", article("Bravo"), "http://b.test/", None))]))
        assert pool.deaths == 0 and pool._pool[0].proc.is_alive()
    assert first["a"][0] == out["b"][0] == "ok"
