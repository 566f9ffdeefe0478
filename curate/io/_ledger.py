"""Per-input completion records: the source of truth for "is this input done?".

One small JSON file per input under ``root/_ledger/``, written atomically after
the input's shards are committed. Queryable in DuckDB as the ``ledger`` view.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from curate.io._names import readable
from curate.io._remote import RemoteRoot, storage_root

LEDGER = "_ledger"

DONE = "done"            # every record read
PARTIAL = "partial"      # the file is corrupt past some point; rows before it were kept
FAILED = "failed"        # nothing usable (404, network gave up): no rows; redone on the next run
UNSUPPORTED = "unsupported"  # not an input of this job (a WAT file, an HTML file): said once, not redone
FINISHED = (DONE, PARTIAL, UNSUPPORTED)


@dataclass
class Completion:
    """What one finished input produced."""

    key: str
    source: str
    status: str
    records: int = 0
    pages: int = 0
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    started: str | None = None
    finished: str | None = None
    seconds: float = 0.0
    shards: dict[str, list[str]] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)


class Ledger:
    """Completion records of one output root (a folder, or an fsspec URL: see ``_remote.py``)."""

    def __init__(self, root: str | os.PathLike):
        self.store = storage_root(root)

    def _name(self, key: str) -> str:
        return f"{LEDGER}/{key}.json"

    def get(self, key: str) -> Completion | None:
        data = self.store.read_bytes(self._name(key))
        return None if data is None else Completion(**json.loads(data))

    def is_done(self, key: str) -> bool:
        """True when ``key`` finished (done or partial); failed inputs are redone."""
        done = self.get(key)
        return done is not None and done.status in FINISHED

    def record(self, completion: Completion) -> None:
        """Write ``completion``: atomically in a folder, as one PUT on object storage (whole or absent)."""
        # a name that is not UTF-8 is recorded readably (its bytes as \x escapes): JSON readers
        # such as DuckDB's refuse lone surrogates; the record's key (a hash of the bytes) is exact
        data = json.dumps(readable(asdict(completion)), indent=1, sort_keys=True).encode()
        self.store.write_bytes(self._name(completion.key), data)

    def keys(self, prefix: str = "") -> list[str]:
        """The keys of the records whose key starts with ``prefix``, sorted."""
        self.store.invalidate()
        return [n.rsplit("/", 1)[-1][:-5] for n in self.store.list(LEDGER, f"{prefix}*.json")]

    def remove(self, key: str) -> None:
        """Delete a record (its shards must be retracted first: they become invisible with it)."""
        if self.store.exists(self._name(key)):
            self.store.remove([self._name(key)])

    def all(self) -> list[Completion]:
        self.store.invalidate()
        found = (self.store.read_bytes(name) for name in self.store.list(LEDGER, "*.json"))
        return [Completion(**json.loads(data)) for data in found if data is not None]


def publish(local, url: str, *, record_key: str | None = None, last: str | None = None,
            skip: tuple[str, ...] = ("_work", "_lock", "_staging", "_ledger", "_listed")) -> list[str]:
    """Upload a finished local build to ``url`` in commit order: every file but ``last``, then
    (with ``record_key``) a completion record listing every Parquet file by its dataset (the
    folder holding it, at any depth: ``round-2/math_scores/x.parquet`` is of ``math_scores``;
    readers see them only then), then ``last`` (a manifest that says the build is complete).
    Top-level folders in ``skip`` and dot-named temporary files or folders stay local.
    Returns the uploaded names."""
    local, remote = Path(local), RemoteRoot(url)
    files = sorted(p for p in local.rglob("*") if p.is_file() and p.relative_to(local).parts[0] not in skip
                   and not any(part.startswith(".") for part in p.relative_to(local).parts))
    names = [p.relative_to(local).as_posix() for p in files]
    for path, name in zip(files, names):
        if name != last:
            remote.fs.put_file(str(path), remote.full(name))
    if record_key is not None:
        shards: dict[str, list[str]] = {}
        for name in names:
            if name.endswith(".parquet") and "/" in name:
                shards.setdefault(name.split("/")[-2], []).append(name)
        Ledger(url).record(Completion(key=record_key, source=str(local), status=DONE, shards=shards))
    if last is not None and last in names:
        remote.fs.put_file(str(local / last), remote.full(last))
    return names
