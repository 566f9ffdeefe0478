"""Run page extraction in worker processes with a hard per-document timeout.

Some pages make trafilatura (or lxml, or a regex) run for minutes. A thread or
signal cannot stop code stuck in C, so each document goes to a worker process;
a worker that exceeds the timeout is killed and replaced, that document is
rejected with ``extract_timeout`` and the rest of the shard carries on.
Results come back in submission order, so output does not depend on timing or
on the number of workers.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import select
import struct
import time
from collections import deque
from multiprocessing.connection import Connection
from multiprocessing.reduction import ForkingPickler
from typing import Any, Iterable, Iterator

from curate import reasons

# A job's payload: (kind, body, url, charset); None means "no extraction needed".
Payload = tuple | None
# A result: ("ok", page) or ("rejected", reason, detail); None for passthrough jobs.
Result = tuple | None


def _extract_one(payload: tuple) -> tuple:
    """Extract one payload into a result; never raises for a bad page."""
    from curate.extract._page import Rejected, extract

    kind, body, url, charset = payload
    try:
        return ("ok", extract(kind, body, url, charset))
    except Rejected as exc:
        return ("rejected", exc.reason, exc.detail)
    except Exception as exc:  # any extractor bug: reject this page, keep going
        return ("rejected", reasons.EXTRACT_ERROR, f"{type(exc).__name__}: {exc}"[:500])


def _serve(jobs: Connection, results: Connection) -> None:
    """Worker loop: extract documents until the job pipe closes."""
    import gc
    import signal

    # Ctrl-C reaches the whole process group: the interrupt is the parent's to handle (it ends
    # the input uncommitted and closes our pipe, which ends us). A worker that died of it would
    # otherwise look like a page that killed its worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    # Objects inherited from the fork server never die: keep the collector off
    # them (fewer full-heap passes, fewer copy-on-write page faults).
    gc.freeze()
    # One thread, blocking reads: the parent never blocks writing a job (see _Worker.flush),
    # so a worker blocked sending a long result is always drained. (A reader thread here
    # cost ~30 ms a page: it re-takes the GIL for every 64 KiB of a body while the main
    # thread sits in C code, measured on real pages.)
    while True:
        try:
            seq, payload = jobs.recv()
        except (EOFError, OSError):
            return
        results.send((seq, _extract_one(payload)))


def _context():
    ctx = mp.get_context("forkserver")
    # Preloaded once in the fork server; every worker forks with trafilatura
    # imported and the language model loaded.
    ctx.set_forkserver_preload(["curate.extract._warm"])
    return ctx


def _frame(obj) -> bytes:
    """``obj`` as multiprocessing's Connection frames it (so ``Connection.recv`` reads it)."""
    buf = ForkingPickler.dumps(obj)
    n = len(buf)
    return (struct.pack("!i", n) if n <= 0x7FFFFFFF else struct.pack("!iQ", -1, n)) + bytes(buf)


class _Worker:
    def __init__(self, ctx):
        # two one-way pipes: jobs (our end non-blocking) and results
        job_r, self.jobs = ctx.Pipe(duplex=False)
        self.results, result_w = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_serve, args=(job_r, result_w), daemon=True, name="curate-extract")
        self.proc.start()
        job_r.close()
        result_w.close()
        os.set_blocking(self.jobs.fileno(), False)
        self.out = bytearray()            # framed jobs not yet taken by the pipe
        self.queue: deque[int] = deque()  # seqs sent, oldest (running) first
        self.started = 0.0                # when the running job started
        self.done = 0

    def flush(self) -> None:
        """Write what the job pipe takes now, never blocking: a worker blocked sending a long
        result would otherwise wait on us while we wait on it."""
        try:
            while self.out:
                written = os.write(self.jobs.fileno(), self.out)
                del self.out[:written]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:                   # the worker is gone: its results pipe says so
            self.out.clear()

    def stop(self, kill: bool = False) -> None:
        try:
            self.jobs.close()
            self.results.close()
        finally:
            if kill:
                self.proc.kill()
            self.proc.join(timeout=5)
            if self.proc.is_alive():
                self.proc.kill()
                self.proc.join()


class ExtractorPool:
    """Ordered, timeout-enforcing map of payloads over ``workers`` processes.

    ``workers=0`` runs in-process (no hard timeout): for debugging, and for hosts
    that cannot start processes. Inside a daemonic process (a standard ``dask worker``) the
    pool works too (see ``__enter__``).
    """

    def __init__(self, workers: int = 1, timeout: float = 30.0, *, max_pending: int = 256,
                 max_tasks_per_worker: int = 2000):
        self.workers, self.timeout = workers, timeout
        self.max_pending, self.max_tasks = max_pending, max_tasks_per_worker
        self._ctx = _context() if workers > 0 else None
        self._pool: list[_Worker] = []
        self.timeouts = self.restarts = self.deaths = 0

    def __enter__(self) -> "ExtractorPool":
        host = mp.current_process()
        if self.workers > 0 and host.daemon:
            # A plain `dask worker` (and dask-jobqueue, dask-kubernetes) runs tasks in daemonic
            # processes, and multiprocessing refuses children there because a daemonic process
            # is ended without joining them, which could orphan them. Ours cannot outlive it:
            # each is itself daemonic (ended at our exit) and returns when its job pipe closes,
            # which our death does (tested with SIGKILL). So the host is declared non-daemonic
            # (the flag only guards child creation here) and hard per-page timeouts work on any
            # Dask cluster.
            host.daemon = False
        self._pool = [_Worker(self._ctx) for _ in range(self.workers)]
        return self

    def __exit__(self, *exc) -> None:
        for w in self._pool:
            w.stop(kill=bool(w.queue))
        self._pool = []

    def _replace(self, worker: _Worker, kill: bool, payloads: dict[int, Payload]) -> None:
        """Swap in a fresh worker; jobs queued behind the lost one are sent to it again."""
        worker.stop(kill=kill)
        fresh = _Worker(self._ctx)
        self._pool[self._pool.index(worker)] = fresh
        self.restarts += 1
        for seq in worker.queue:
            self._send(fresh, seq, payloads[seq])

    @staticmethod
    def _send(worker: _Worker, seq: int, payload: Payload) -> None:
        if not worker.queue:
            worker.started = time.monotonic()
        worker.queue.append(seq)
        worker.out += _frame((seq, payload))
        worker.flush()

    @staticmethod
    def _inline(jobs: Iterable[tuple[Any, Payload]]) -> Iterator[tuple[Any, Result]]:
        for ctx, payload in jobs:
            yield ctx, None if payload is None else _extract_one(payload)

    def imap(self, jobs: Iterable[tuple[Any, Payload]]) -> Iterator[tuple[Any, Result]]:
        """Yield ``(ctx, result)`` for each ``(ctx, payload)`` job, in job order."""
        if self.workers == 0:
            yield from self._inline(jobs)
            return
        source = iter(jobs)
        contexts: dict[int, Any] = {}
        payloads: dict[int, Payload] = {}  # in flight, kept to resend after a worker is lost
        results: dict[int, Result] = {}
        retried: set[int] = set()          # pages whose worker died once: a second death rejects them
        next_seq = next_out = 0
        exhausted = False
        while True:
            # Two jobs per worker: the next one is already queued when the
            # current one finishes, so the worker never waits for the parent.
            while not exhausted and next_seq - next_out < self.max_pending:
                # a worker past max_tasks gets no more jobs; it is replaced once drained
                worker = min(self._pool, key=lambda w: (w.done >= self.max_tasks, len(w.queue)))
                if len(worker.queue) >= 2 or worker.done >= self.max_tasks:
                    break
                try:
                    ctx, payload = next(source)
                except StopIteration:
                    exhausted = True
                    break
                contexts[next_seq] = ctx
                if payload is None:
                    results[next_seq] = None
                else:
                    payloads[next_seq] = payload
                    self._send(worker, next_seq, payload)
                next_seq += 1
            while next_out in results:
                yield contexts.pop(next_out), results.pop(next_out)
                next_out += 1
            busy = [w for w in self._pool if w.queue]
            if not busy:
                if exhausted and next_out == next_seq:
                    return
                continue
            remaining = min(w.started for w in busy) + self.timeout - time.monotonic()
            pending = [w.jobs for w in busy if w.out]
            ready, writable, _ = select.select([w.results for w in busy], pending, [], max(0.0, remaining))
            for worker in busy:
                if worker.jobs in writable:
                    worker.flush()
            now = time.monotonic()
            for worker in busy:
                if worker.results in ready:
                    try:
                        seq, out = worker.results.recv()
                    except (EOFError, OSError):  # the worker died (segfault, OOM kill, kill -9)
                        self.deaths += 1
                        lost = worker.queue[0]
                        if lost in retried:      # twice on this page: the page kills its worker
                            worker.queue.popleft()
                            results[lost] = ("rejected", reasons.EXTRACT_ERROR,
                                             "extraction worker died twice on this page")
                            payloads.pop(lost)
                        else:                    # maybe not the page's fault (a kill from outside): retry once
                            retried.add(lost)
                        self._replace(worker, kill=True, payloads=payloads)
                        continue
                    worker.queue.popleft()
                    payloads.pop(seq)
                    results[seq] = out
                    worker.started = now
                    worker.done += 1
                    if worker.done >= self.max_tasks and not worker.queue:  # bound slow leaks
                        self._replace(worker, kill=False, payloads=payloads)
                elif now >= worker.started + self.timeout:
                    lost = worker.queue.popleft()
                    results[lost] = ("rejected", reasons.EXTRACT_TIMEOUT,
                                     f"extraction exceeded {self.timeout:g}s; worker killed")
                    payloads.pop(lost)
                    self.timeouts += 1
                    self._replace(worker, kill=True, payloads=payloads)
