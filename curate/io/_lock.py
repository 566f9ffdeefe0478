"""One run per output root at a time.

Two runs writing one root would race: each redoes the other's unfinished inputs
(``ShardStore.begin`` removes what it takes for leftovers of a crash) and both write
shards of the same names. A run therefore holds an exclusive ``flock`` on
``<root>/_lock`` from start to end. The kernel drops the lock when the holder
exits, however it exits (``kill -9`` included), so a lock is never stale; the file
only says who held it last.

The lock is re-entrant within a process: a job that runs another job on the same
root (the code job's dedup, crawl's ingest) takes it once. Tasks that a run sends to
Dask workers do not take it; the run that sent them holds it. On object storage
(``s3://``) there is no lock, and only a job whose :class:`RootPolicy` says ``direct``
writes there.
"""

from __future__ import annotations

import fcntl
import functools
import os
import socket
import threading
from datetime import datetime, timezone
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from curate.errors import FatalError

LOCK_FILE = "_lock"
_held: dict[str, list] = {}          # resolved root -> [fd, depth]
JOB_FILE = "_job"                    # the job that wrote this root (one per line where jobs share one)
#: storage policies: how a job may use an object-storage (fsspec URL) root
DIRECT, MIRRORED, LOCAL = "direct", "mirrored", "local"


@dataclass(frozen=True)
class RootPolicy:
    """How a job holds its output root; each job's is chosen in the job registry
    (``pipelines/jobs.py``), so the library names no job.

    ``storage``: ``direct`` (every output goes through ShardStore and the ledger, so it may write
    an ``s3://`` root itself), ``mirrored`` (it runs on a local mirror of such a root and
    publishes it when it finishes) or ``local`` (folders only). ``shares``: the other jobs whose
    output may live in the same root (see :func:`_claim` for the rule)."""

    job: str
    storage: str = LOCAL
    shares: tuple[str, ...] = ()


#: roots from before the ``_job`` file: the job a dataset folder says wrote it
_LEGACY = {"pages": "ingest", "duplicates": "dedup", "contamination": "decontaminate", "code_samples": "code",
           "figures": "arxiv", "quality": "filter", "math_rounds": "math-recall", "mixture": "mix"}


def named_jobs(store) -> list[str] | None:
    """The jobs a root's ``_job`` file names (``store``: its storage root), None without one.
    (Files from before the one-job rule may say ``<job> exclusive``: the first word is the job.)"""
    marker = store.read_bytes(JOB_FILE)
    if marker is None:
        return None
    return [line.split()[0] for line in marker.decode().splitlines() if line.strip()]


def root_jobs(root) -> list[str]:
    """The jobs that wrote ``root`` (a folder or an ``s3://`` URL): its ``_job`` file (one job
    per line), else what its dataset folders say (a root from before the file existed)."""
    from curate.io._remote import storage_root

    store = storage_root(root)
    named = named_jobs(store)
    if named is not None:
        return named
    return sorted({job for folder, job in _LEGACY.items() if store.is_folder(folder)})


def _claim(root, policy: RootPolicy) -> None:
    """The ownership rule, in one place: **an output root holds one job's output**. The root's
    ``_job`` file names the job that wrote it; another job's run into it is refused with one line
    naming both. The one exception is declared, not assumed: jobs that write the same dataset the
    same way name each other in ``shares`` (``ingest`` and ``crawl`` both append page shards, so a
    crawl root may also take files ingested by hand). Why: every root's views (``rejected``,
    ``ledger``, ``removals``) and a mixture's removal sets read a root as one job's output; two
    jobs' rows in one root are read as the wrong thing. Object storage follows the same rule."""
    from curate.io._remote import storage_root

    there, job = root_jobs(root), policy.job
    others = [j for j in there if j != job and j not in policy.shares]
    if others:
        named = " and ".join(f"{j}'s" for j in others)
        raise FatalError(f"{root} holds {named} output; {job} writes into a root of its own "
                         f"(one job per output root): choose another --out")
    if job not in there:
        store = storage_root(root)
        store.write_bytes(JOB_FILE, "".join(f"{j}\n" for j in [*there, job]).encode())


_guard = threading.Lock()


class RootLock:
    """``with RootLock(root, policy):`` — the run's exclusive hold on ``root`` (``policy``: the
    job's :class:`RootPolicy`, or its name for a local-only job)."""

    def __init__(self, root: str | os.PathLike, policy: RootPolicy | str):
        from curate.io._remote import storage_root

        self.policy = policy if isinstance(policy, RootPolicy) else RootPolicy(policy)
        store = storage_root(root)
        self.url = str(root) if store.remote else None
        self.root, self.job = Path(root), self.policy.job

    def __enter__(self) -> "RootLock":
        if self.url is not None:
            # object storage has no flock: one run per root is the scheduler's promise there
            # (a deployment runs one flow per root). Only jobs whose every output goes through
            # ShardStore and Ledger may write there; the others say so in one line.
            if self.policy.storage != DIRECT:
                raise FatalError(f"{self.job} cannot write to {self.url}: its outputs go to a local folder "
                                 "only; give it a local output folder")
            _claim(self.url, self.policy)
            return self
        if self.root.exists() and not self.root.is_dir():
            raise FatalError(f"output root {self.root} is a file, not a folder")
        self.created = not self.root.exists()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # tidied after a failed run only if it held nothing of anyone's before (see _tidy)
            self.was_empty = self.created or not any(p.name != LOCK_FILE for p in self.root.iterdir())
        except OSError as exc:
            raise FatalError(f"cannot create output root {self.root}: {exc.strerror or exc}") from exc
        self.key = str(self.root.resolve())
        with _guard:
            if self.key in _held:
                _held[self.key][1] += 1
                return self
            path = self.root / LOCK_FILE
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as exc:              # read-only folder or file system: refused, nothing written
                raise FatalError(f"output root {self.root} is not writable: {exc.strerror}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 400, 0).decode(errors="replace").strip() or "another process"
                os.close(fd)
                raise FatalError(f"output root {self.root} is in use by another run ({holder}); "
                                 "wait for it to finish or choose another output") from None
            try:
                _claim(self.root, self.policy)
            except FatalError:
                os.close(fd)
                if self.was_empty:
                    self._tidy()
                raise
            os.ftruncate(fd, 0)
            since = datetime.now(timezone.utc).isoformat(timespec="seconds")
            os.pwrite(fd, f"{self.job}, pid {os.getpid()} on {socket.gethostname()}, since {since}\n".encode(), 0)
            _held[self.key] = [fd, 1]
        return self

    def __exit__(self, *exc) -> None:
        if self.url is not None:
            return
        with _guard:
            entry = _held[self.key]
            entry[1] -= 1
            if entry[1] == 0:
                del _held[self.key]
                if exc[0] is not None and self.was_empty:
                    self._tidy()
                fcntl.flock(entry[0], fcntl.LOCK_UN)
                os.close(entry[0])

    def _tidy(self) -> None:
        """After a run into an empty (or new) root that failed before writing anything (a refused
        input, a bad setting): leave no ``_lock``, no empty work folders, and no root the run
        itself created. A root that held anything before, or now holds any file (work to
        resume), keeps everything."""
        try:
            others = [p for p in self.root.rglob("*") if p.name not in (LOCK_FILE, JOB_FILE) or p.parent != self.root]
            if any(not p.is_dir() for p in others):
                return
            for p in sorted(others, key=lambda p: len(p.parts), reverse=True):
                p.rmdir()
            (self.root / LOCK_FILE).unlink()
            (self.root / JOB_FILE).unlink(missing_ok=True)
            if self.created:
                self.root.rmdir()
        except OSError:
            pass                        # tidying is best effort; the lock itself is released anyway


def holds_root(policy: RootPolicy, root_of: Callable[..., str | os.PathLike]):
    """Decorator: the function runs holding the lock on ``root_of(*args, **kwargs)``.

    A ``mirrored`` job given an object-storage root runs on a local mirror instead (see
    :func:`_mirrored`)."""
    def wrap(fn):
        @functools.wraps(fn)
        def locked(*args, **kwargs):
            from curate.io._remote import storage_root

            root = root_of(*args, **kwargs)
            if policy.storage == MIRRORED and storage_root(root).remote:
                return _mirrored(locked, policy.job, str(root), args, kwargs)
            with RootLock(root, policy):
                return fn(*args, **kwargs)
        return locked
    return wrap


def _mirrored(run: Callable, job: str, url: str, args: tuple, kwargs: dict):
    """``run`` on this machine's mirror of ``url`` (its config's ``out`` replaced), then the
    mirror published to ``url``: files, then one completion record listing every shard, so
    readers of ``url`` see the new outputs all at once. Steps that Dask sends to other machines
    work on their own copies, kept in step through the staging copy (see curate/io/_mirror.py),
    which is deleted once the outputs are published. A rerun on this machine finds its finished
    work in the mirror, and one after a crash also what other machines uploaded."""
    from dataclasses import replace

    from curate.io._mirror import Mirror
    from curate.io._ledger import publish

    mirror = Mirror.here(url, job)
    with mirror.running() as local:
        result = run(replace(args[0], out=str(local)), *args[1:], **kwargs)
    publish(local, url, record_key=job)
    mirror.drop()
    if hasattr(result, "out"):
        result.out = url
    return result


def config_out(config, *args, **kwargs) -> str:
    """Where a job's config says its output goes (the usual ``root_of``)."""
    return config.out
