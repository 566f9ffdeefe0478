"""A mirrored job's folder, kept in step across the machines of a cluster.

Jobs that cannot write object storage directly (storage policy ``mirrored``, and mixtures) run on a
local folder and publish it when they finish (``curate.io._lock._mirrored``). Their steps
mapped on Dask write into that folder too, so a worker on another machine needs its own copy:
before tasks are sent, the flow's machine uploads what changed in its folder to
``<root>/_work/<job>/`` (the staging copy); a task on another machine downloads what changed
there into its own folder (in its cache), runs with every path of the flow's folder mapped to
its own, and uploads what it wrote; after the tasks the flow's machine downloads their files.
Workers on the flow's machine (a LocalCluster) share its folder and skip all of this.

Each copy remembers, in ``.mirror-state.json``, the fingerprint of every file as last synced,
so only files written since move, and a file deleted on one machine is deleted on the others.
Files that a job writes at once in a dot-named temporary are never seen half written.
"""

from __future__ import annotations

import copy
import dataclasses
import fcntl
import json
import os
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path, PurePath

from curate.io._remote import RemoteRoot, local_work, object_stamp

_STATE = ".mirror-state.json"
_SKIP = {"_lock", "_staging"}
_active: ContextVar["Mirror | None"] = ContextVar("curate_mirror", default=None)


def active() -> "Mirror | None":
    """The mirror the current flow runs on, if any."""
    return _active.get()


@contextmanager
def running_on(mirror: "Mirror"):
    token = _active.set(mirror)
    try:
        yield mirror
    finally:
        _active.reset(token)


@dataclasses.dataclass(frozen=True)
class Mirror:
    """Job ``job``'s mirror of ``url``; ``origin`` is the folder on the flow's machine."""

    url: str
    job: str
    origin: str

    @classmethod
    def here(cls, url: str, job: str) -> "Mirror":
        """The mirror whose flow runs on this machine."""
        return cls(url, job, str(local_work(url, f"_{job}")))

    @property
    def local(self) -> Path:
        """This machine's copy (resolved here, from this machine's cache)."""
        return local_work(self.url, f"_{self.job}")

    @contextmanager
    def running(self):
        """The flow's run on this mirror: brought up to date with what other machines left in
        the staging copy (a rerun after a crash), and :func:`active` for the executor."""
        self.pull()
        with running_on(self):
            yield self.local

    def elsewhere(self) -> bool:
        """True on a machine whose copy is not the flow's folder."""
        return str(self.local) != self.origin

    def _staging(self) -> RemoteRoot:
        return RemoteRoot(f"{self.url.rstrip('/')}/_work/{self.job}")

    # -- syncing -----------------------------------------------------------------------
    @contextmanager
    def _locked(self):
        """One sync at a time per copy (several worker processes may share a machine's cache)."""
        self.local.mkdir(parents=True, exist_ok=True)
        with open(self.local / ".mirror-lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield self._state()

    def _state(self) -> dict:
        try:
            return json.loads((self.local / _STATE).read_text())
        except FileNotFoundError:
            return {}

    def _save(self, state: dict) -> None:
        tmp = self.local / f"{_STATE}.{os.getpid()}"
        tmp.write_text(json.dumps(state, sort_keys=True))
        tmp.replace(self.local / _STATE)

    def _files(self) -> dict[str, Path]:
        found = {}
        for path in self.local.rglob("*"):
            rel = path.relative_to(self.local)
            if path.is_file() and rel.parts[0] not in _SKIP and not any(p.startswith(".") for p in rel.parts):
                found[rel.as_posix()] = path
        return found

    def push(self) -> int:
        """Upload the files written or deleted here since the last sync; returns how many."""
        remote, moved = self._staging(), 0
        with self._locked() as state:
            files = self._files()
            for rel, path in sorted(files.items()):
                stat = path.stat()
                mark = [stat.st_size, stat.st_mtime_ns]
                if state.get(rel, {}).get("local") != mark:
                    remote.fs.put_file(str(path), remote.full(rel))
                    state[rel] = {"local": mark, "remote": object_stamp(remote.fs.info(remote.full(rel)))}
                    moved += 1
            gone = [rel for rel in state if rel not in files]
            remote.remove([rel for rel in gone if remote.exists(rel)])
            for rel in gone:
                del state[rel]
            self._save(state)
        return moved

    def pull(self) -> int:
        """Download the staged files that changed since the last sync here (and delete those
        deleted there); returns how many."""
        remote, moved = self._staging(), 0
        remote.invalidate()
        with self._locked() as state:
            try:
                listing = remote.fs.find(remote.path, detail=True)
            except FileNotFoundError:
                listing = {}
            seen = set()
            for name, info in sorted(listing.items()):
                rel = name[len(remote.path) + 1:]
                seen.add(rel)
                mark = object_stamp(info)
                if state.get(rel, {}).get("remote") == mark and (self.local / rel).exists():
                    continue
                target = self.local / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
                remote.fs.get_file(name, str(tmp))
                tmp.replace(target)
                stat = target.stat()
                state[rel] = {"local": [stat.st_size, stat.st_mtime_ns], "remote": mark}
                moved += 1
            for rel in [r for r in state if r not in seen]:     # deleted on another machine
                (self.local / rel).unlink(missing_ok=True)
                del state[rel]
            self._save(state)
        return moved

    def drop(self) -> None:
        """Delete the staging copy (the job published its outputs)."""
        remote = self._staging()
        try:
            remote.fs.rm(remote.path, recursive=True)
        except FileNotFoundError:
            pass
        (self.local / _STATE).unlink(missing_ok=True)

    # -- paths -------------------------------------------------------------------------
    def relocate(self, value, back: bool = False):
        """``value`` with every path under the flow's folder moved under this machine's copy
        (``back``: the other way), through strings, paths, containers and dataclasses."""
        old, new = (str(self.local), self.origin) if back else (self.origin, str(self.local))
        return _move(value, old, new)


def _move(value, old: str, new: str):
    if isinstance(value, str):
        return new + value[len(old):] if value == old or value.startswith(old + "/") else value
    if isinstance(value, PurePath):
        text = str(value)
        moved = _move(text, old, new)
        return type(value)(moved) if moved != text else value
    if isinstance(value, dict):
        return {k: _move(v, old, new) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_move(v, old, new) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        moved = copy.copy(value)
        for field in dataclasses.fields(value):
            object.__setattr__(moved, field.name, _move(getattr(value, field.name), old, new))
        return moved
    if hasattr(value, "__relocate__"):                      # e.g. a WorkFolder
        return value.__relocate__(lambda v: _move(v, old, new))
    return value
