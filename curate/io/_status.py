"""What an output root holds, and making some of its inputs run again (``curate status`` / ``redo``).

Everything here is read from the root itself, a folder or an ``s3://`` prefix alike: the jobs that
wrote it (``_job``), its completion records (``_ledger``), the runs that wrote them (``_runs``,
one small record per run), what is staged but not committed (an interrupted input), and the
lock a run holds (local folders; object storage has no lock).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from curate.errors import FatalError
from curate.io._ledger import FAILED, FINISHED, Completion, Ledger
from curate.io._lock import LOCK_FILE, RootLock, RootPolicy, named_jobs
from curate.io._remote import storage_root
from curate.io._shards import STAGING

RUNS = "_runs"


def fingerprint(config: dict) -> str:
    """A short name for a set of settings (what a completion record says it was made with)."""
    return hashlib.sha1(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:12]


def record_run(root: str | os.PathLike, run: dict) -> None:
    """Keep one run's record (job, start, seconds, outcome, counts) under ``_runs/``: whole or absent."""
    store = storage_root(root)
    stamp = run.get("started", "").replace(":", "").replace("-", "").replace("+0000", "Z")
    store.write_bytes(f"{RUNS}/{stamp}-{os.getpid()}.json", json.dumps(run, sort_keys=True, default=str).encode())


@dataclass
class RootStatus:
    """What ``root`` holds (see the module docstring); :meth:`format` is ``curate status``."""

    root: str
    jobs: list[str] = field(default_factory=list)
    fingerprints: Counter = field(default_factory=Counter)
    inputs: dict[str, list[Completion]] = field(default_factory=dict)     # status -> records
    staged: list[str] = field(default_factory=list)                       # keys begun, not committed
    pending: list[tuple[str, str]] = field(default_factory=list)          # (input, why) planned, not done
    last_run: dict | None = None
    rows: dict[str, int] = field(default_factory=dict)
    lock: str | None = None

    def format(self) -> str:
        lines = [f"root      {self.root}", f"job       {', '.join(self.jobs) or '-'}"]
        if self.fingerprints:
            prints = ", ".join(f"{f} ({n} input{'s' * (n != 1)})" for f, n in self.fingerprints.most_common())
            lines.append(f"settings  {prints}" + ("  (more than one: inputs made with other settings)"
                                                  if len(self.fingerprints) > 1 else ""))
        counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(self.inputs.items())) or "none recorded"
        lines.append(f"inputs    {counts}" + (f", {len(self.pending)} pending" if self.pending else ""))
        for done in self.inputs.get(FAILED, []):
            lines.append(f"  failed  {done.source}: {' '.join(str(done.error).split())[:200]}")
        for label, why in self.pending[:50]:
            lines.append(f"  pending {label}: {why}")
        if len(self.pending) > 50:
            lines.append(f"  pending ... and {len(self.pending) - 50} more")
        for key in self.staged:
            lines.append(f"  staged  {key}: begun, not committed (a killed run's; the next run redoes it)")
        if self.last_run:
            r = self.last_run
            said = ", ".join(f"{k} {v}" for k, v in r.get("counts", {}).items())
            lines.append(f"last run  {r.get('job')} {r.get('started')}, {float(r.get('seconds', 0)):.1f} s, "
                         f"{r.get('outcome')}" + (f": {said}" if said else ""))
        else:
            lines.append("last run  -")
        lines.append("rows      " + (", ".join(f"{k} {v:,}" for k, v in sorted(self.rows.items())) or "-"))
        lines.append(f"lock      {self.lock or 'free'}")
        return "\n".join(lines)


def _lock_holder(root: str) -> str | None:
    """Who holds the root's lock now (its record: job, pid, host, since), or None when free."""
    path = Path(root) / LOCK_FILE
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)      # only a run's exclusive hold refuses it
    except BlockingIOError:
        return os.pread(fd, 400, 0).decode(errors="replace").strip() or "held by another process"
    finally:
        os.close(fd)
    return None


def _rows(store, records: list[Completion]) -> dict[str, int]:
    """Rows per dataset of the committed shards (the records list them; Parquet footers count)."""
    import pyarrow.parquet as pq

    rows: Counter = Counter()
    for done in records:
        for dataset, paths in done.shards.items():
            for rel in paths:
                try:
                    with store.open_read(rel) as fh:
                        rows[dataset] += pq.ParquetFile(fh).metadata.num_rows
                except (OSError, ValueError):
                    rows[dataset] += 0          # listed but unreadable: status still answers
    return dict(rows)


def root_status(root: str | os.PathLike) -> RootStatus:
    """The status of the output root ``root`` (a folder or an ``s3://`` URL)."""
    store = storage_root(root)
    store.invalidate()
    if not store.remote and not Path(root).is_dir():
        raise FatalError(f"no output root at {root}")
    status = RootStatus(store.uri("") if store.remote else str(Path(root).resolve()))
    status.jobs = named_jobs(store) or []
    records = Ledger(root).all()
    if not status.jobs and not records:
        raise FatalError(f"{root} is not a curate output root (no _job file, no completion records)")
    for done in sorted(records, key=lambda d: d.key):
        status.inputs.setdefault(done.status, []).append(done)
        if done.config:
            status.fingerprints[fingerprint(done.config)] += 1
    if not store.remote:
        staging = Path(root) / STAGING
        status.staged = sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []
        status.lock = _lock_holder(str(root))
    if store.remote:
        status.lock = "none (object storage has no lock: one run per root is the scheduler's promise)"
    runs = sorted(store.list(RUNS, "*.json"))
    if runs:
        data = store.read_bytes(runs[-1])
        status.last_run = json.loads(data) if data else None
    status.pending = _pending(status, records)
    run = status.last_run or {}
    if run.get("outcome") == "running" and not (status.lock and f"pid {run.get('pid')} " in status.lock):
        run["outcome"] = "killed before it finished (no record of its end)"
    if not status.jobs:                   # a root on object storage has no _job file: its runs say
        for name in runs:
            data = store.read_bytes(name)
            job = json.loads(data).get("job") if data else None
            if job and job not in status.jobs:
                status.jobs.append(job)
    status.rows = _rows(store, records)
    return status


def finished_among(root: str | os.PathLike, labels: list[str]) -> int:
    """How many of ``labels`` (a run's planned inputs) have a finished completion record in ``root``."""
    finished = [d for d in Ledger(root).all() if d.status in FINISHED]
    return sum(1 for label in labels if any(_matches(d, label) for d in finished))


def _pending(status: RootStatus, records: list[Completion]) -> list[tuple[str, str]]:
    """The last run's planned inputs that no finished record covers, each with why."""
    run = status.last_run or {}
    if run.get("outcome") == "completed":
        # a completed run left nothing pending, whatever its plan's labels were (a dedup plans its
        # shards, "shard 0", and records one run)
        return []
    finished = [d for d in records if d.status in FINISHED]
    left = [label for label in run.get("planned", []) if not any(_matches(d, label) for d in finished)]
    if not left:
        return []
    outcome, when, pid = run.get("outcome"), run.get("started"), run.get("pid")
    if outcome == "running":
        why = (f"its run (pid {pid}, since {when}) is running" if status.lock and f"pid {pid} " in status.lock
               else f"its run (pid {pid}, started {when}) was killed before finishing it")
    elif outcome == "interrupted":
        why = f"its run of {when} was interrupted"
    else:
        why = f"its run of {when} ended {outcome} before it"
    failed = {d.key for d in records if d.status == FAILED}
    return [(label, why) for label in left if label not in failed and not any(
        _matches(d, label) for d in records if d.key in failed)]


def _matches(done: Completion, wanted: str) -> bool:
    name = done.source.rstrip("/").rsplit("/", 1)[-1]
    return (wanted in (done.key, done.source, name) or os.path.abspath(wanted) == done.source
            or os.path.realpath(wanted) == done.source)          # inputs are recorded by their real path


def redo(root: str | os.PathLike, inputs: list[str], failed: bool = False) -> list[Completion]:
    """Make ``inputs`` (keys, sources or file names; with ``failed``, every failed input too) run
    again: their completion records and committed shards go, so the next run redoes them whole.
    Holds the root's lock meanwhile (not during a run). Returns the records removed."""
    if not inputs and not failed:
        raise FatalError("curate redo: give INPUT... (as curate status lists them) or --failed")
    store = storage_root(root)
    jobs = named_jobs(store) or []
    records = Ledger(root).all()
    if not records:
        raise FatalError(f"{root} holds no completion records: nothing to redo")
    chosen = [d for d in records if (failed and d.status == FAILED) or any(_matches(d, w) for w in inputs)]
    unknown = [w for w in inputs if not any(_matches(d, w) for d in records)]
    if unknown:
        raise FatalError(f"no input {unknown[0]!r} in {root}'s records (curate status {root} lists them)")
    policy = RootPolicy(jobs[0] if jobs else "redo", storage="direct")
    with RootLock(root, policy):
        ledger = Ledger(root)
        for done in chosen:
            # the record first: its shards are invisible from then on, so a kill between the two
            # steps leaves only unlisted files, which the rerun replaces
            ledger.remove(done.key)
            store.remove([p for paths in done.shards.values() for p in paths if store.exists(p)])
    return chosen
