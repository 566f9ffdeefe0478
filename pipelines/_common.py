"""Pieces every pipeline's runner shares: a progress bar and the ``--config`` entry point."""

from __future__ import annotations

from contextlib import contextmanager

import sys
from pathlib import Path


class _NoBar:
    """Stands in for a tqdm bar when progress output is off."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, **values) -> None:
        pass

    def set_description(self, text: str) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(enabled: bool, **kwargs):
    """A tqdm bar on stderr, or a silent stand-in (same methods) when ``enabled`` is false."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    # disable=None: no bar when stderr is not a terminal (cron logs, CI), where \r lines pile up
    return tqdm(file=sys.stderr, dynamic_ncols=True, disable=None, **kwargs)


_shared: dict = {}                 # the run's pool of worker processes (see shared_pool)


def ignore_interrupts() -> None:
    """In a worker process: leave Ctrl-C to the process that drives the run. The terminal sends
    SIGINT to the whole process group; a worker that died of it would print a traceback and
    break the pool, while the driver ends the run cleanly (nothing half-written is recorded)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _new_pool(workers: int):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver"),
                               initializer=ignore_interrupts)


def _drop_pool(pool) -> None:
    """End ``pool`` now (an interrupted run): queued calls cancelled, running ones killed (what
    they staged is never committed, so the rerun redoes them)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.kill()


@contextmanager
def shared_pool(workers: int):
    """One pool of ``workers`` processes for every map step of a run: a new pool per step cost
    each worker its imports again (pyarrow, DuckDB: about a second) three times per mixture."""
    if workers <= 1 or "pool" in _shared:
        yield
        return
    pool = _new_pool(workers)
    _shared["pool"] = (pool, workers)
    try:
        yield
    except BaseException:
        _drop_pool(pool)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        _shared.pop("pool", None)


def pool_workers() -> int:
    """The processes of the run's shared pool (1 when the run has none: a single step running on
    a Dask worker, or a run with one worker)."""
    shared = _shared.get("pool")
    return shared[1] if shared else 1


def pool_map(fn, args: list[tuple], workers: int):
    """``fn(*a)`` for each ``a``, in order; in worker processes when ``workers`` > 1 (the run's
    shared pool when there is one)."""
    if workers <= 1 or len(args) <= 1:
        for a in args:
            yield fn(*a)
        return
    shared = _shared.get("pool")
    if shared is not None and shared[1] == workers:
        yield from shared[0].map(fn, *zip(*args))
        return
    pool = _new_pool(workers)
    try:
        yield from pool.map(fn, *zip(*args))
    except BaseException:
        _drop_pool(pool)
        raise
    pool.shutdown(wait=True)


def expand_inputs(sources, *, what: str = "input", allow_urls: bool = False) -> list[str]:
    """Files, folders and globs (and URLs when allowed) as a sorted, de-duplicated list of absolute paths."""
    from pathlib import Path

    from curate.errors import FatalError

    out: list[str] = []
    for s in sources:
        if allow_urls and "://" in s:
            out.append(s)
            continue
        from curate.io import matches

        hits = matches(s) or [s]                 # an existing name as written, else a glob
        if not hits or not all(Path(h).exists() for h in hits):
            raise FatalError(f"no {what} at {s}")
        out += [str(Path(h).resolve()) for h in hits]
    return sorted(dict.fromkeys(out))


def input_key(prefix: str, source: str) -> str:
    """Ledger and shard key of one input: readable name plus a hash of the full path."""
    import hashlib

    from curate.io import readable

    # readable: a name that is not UTF-8 would fail as a shard file's name (its bytes as xNN, with
    # no backslash, which globs such as DuckDB's read as an escape)
    name = readable(source.rstrip("/").rsplit("/", 1)[-1][:60]).replace(chr(92), "_")
    return f"{prefix}-{name}-{hashlib.sha1(source.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def pending(sources: list[str], out: str, prefix: str) -> tuple[list[str], int]:
    """(inputs without a finished completion record, number already finished)."""
    from curate.io import Ledger

    ledger = Ledger(out)
    todo = [s for s in sources if not ledger.is_done(input_key(prefix, s))]
    return todo, len(sources) - len(todo)


def format_value(value) -> str:
    """A summary value for people: rounded numbers, short lists and mappings (the CLI's run
    summary and the flows' artifacts show the same thing the same way)."""
    if isinstance(value, bool) or value is None:
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {format_value(v)}" for k, v in list(value.items())[:12]) or "-"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value[:5]) + (f" (+{len(value) - 5} more)" if len(value) > 5 else "") or "-"
    return str(value)


class Transaction:
    """One input written all or nothing, with its completion record: the frame every job uses.

    ``with Transaction(store, done, out) as tx:`` opens staging writers (``tx.writers``); the body
    fills them and ``tx.done``. On success the shards are committed, then the record is written.
    An input error (``input_errors``, e.g. an unreadable shard) aborts the staging and records the
    input as failed, to be retried by the next run, and is not raised; any other exception aborts
    and is raised. Staging never outlives the frame, whatever happens (a failing commit included)."""

    def __init__(self, store, done, out: str, *, input_errors: tuple[type[BaseException], ...] | None = None,
                 typed_errors: bool = False):
        from curate.errors import ShardError

        self.store, self.done, self.out = store, done, out
        self.input_errors = (ShardError,) if input_errors is None else input_errors   # (): every error raises
        self.typed_errors = typed_errors          # the error as "Type: message" (ingest's ledger format)
        self.key = done.key

    def __enter__(self) -> "Transaction":
        import time

        self.t0 = time.monotonic()
        self.writers = self.store.begin(self.key)
        return self

    def __exit__(self, kind, exc, tb) -> bool:
        import time

        from curate.io import FAILED, Completion

        if kind is None:
            try:
                self.done.shards = self.store.commit(self.key, self.writers)
            except BaseException as error:
                self.store.abort(self.key, self.writers)
                _raise_if_unwritable(error, self.out, self.key)
                raise
        else:
            self.store.abort(self.key, self.writers)
            if not issubclass(kind, self.input_errors):
                _raise_if_unwritable(exc, self.out, self.key)
                return False
            error = f"{type(exc).__name__}: {exc}" if self.typed_errors else str(exc)
            self.done = Completion(key=self.key, source=self.done.source, status=FAILED, error=error,
                                   config=self.done.config, started=self.done.started)
        if self.done.started:
            from datetime import datetime, timezone

            self.done.finished = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.done.seconds = round(time.monotonic() - self.t0, 3)
        self._record()
        return True

    def _record(self) -> None:
        """Write the completion record; without it the committed shards are taken back."""
        from curate.io import Ledger

        try:
            Ledger(self.out).record(self.done)
        except BaseException as error:
            self.store.retract(self.done.shards)
            _raise_if_unwritable(error, self.out, self.key)
            raise


_UNWRITABLE = {28: "no space left on device", 122: "disk quota exceeded", 27: "file too large",
               30: "read-only file system"}


def _raise_if_unwritable(error: BaseException, out: str, key: str) -> None:
    """A full (or read-only) output disk ends the run with one line: the input left no trace."""
    from curate.errors import FatalError

    if not isinstance(error, OSError):
        return
    text = str(error)
    why = _UNWRITABLE.get(error.errno or 0) or next(
        (w for n, w in _UNWRITABLE.items() if f"[errno {n}]" in text.lower() or w in text.lower()), None)
    if why is None:
        return
    raise FatalError(f"cannot write to {out}: {why}; nothing of input {key} was kept "
                     f"(free space and run again: finished inputs are skipped)") from error


def write_table(path: Path, table) -> None:
    """Write ``table`` to ``path`` through a temp file and a rename."""
    import pyarrow.parquet as pq

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)
