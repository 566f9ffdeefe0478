"""A run's work files, reachable from every machine that runs one of its steps.

A job mapped on Dask writes intermediate files in one step (a sketch per shard) and reads
them in another (the bucketing of all sketches), and the two may run on different machines.
For a local output root the work folder is ``<root>/<parts>`` as before: the machines that
run such a job share that folder (one machine, or a mounted file system). For a root on
object storage each machine keeps a copy in its own cache (see ``local_work``), and every
file a step finishes is also uploaded under ``<root>/<parts>/``; a step elsewhere downloads
what it reads. The upload of a step's last file marks the step done.

Work files are written once under names that say what they hold, and never change after,
so a downloaded copy is never stale and a step that finds its output skips.

A :class:`WorkFolder` pickles as its root and parts only: each machine resolves its own
local folder when it uses it, so a plan made on the flow's machine works on every worker.
A run whose steps all run on one machine (``curate dedup``, a flow on a local cluster) keeps
its work files in that machine's cache only (``spread=False``): uploading them would cost
requests per file for nothing.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from curate.io._remote import RemoteRoot, local_work, storage_root


class WorkFolder:
    """``WorkFolder(root, "_dedup", run)``: the work files of one run under ``root``."""

    def __init__(self, root, *parts: str, spread: bool = True):
        self.root, self.parts, self.spread = str(root), tuple(parts), spread

    def __reduce__(self):
        return (_rebuild, (self.root, self.parts, self.spread))

    def __relocate__(self, move) -> "WorkFolder":
        """The same work folder with its root passed through ``move`` (see curate/io/_mirror.py)."""
        return WorkFolder(move(self.root), *self.parts, spread=self.spread)

    def __repr__(self) -> str:
        return f"WorkFolder({self.root!r}, {', '.join(map(repr, self.parts))}, spread={self.spread})"

    @property
    def local(self) -> Path:
        """This machine's folder (resolved where it is used: never sent between machines)."""
        return local_work(self.root, *self.parts)

    @property
    def shared(self) -> bool:
        """True when the files also live on object storage: the root is an fsspec URL and the
        run's steps may run on several machines."""
        return self.spread and storage_root(self.root).remote

    def _remote(self) -> RemoteRoot:
        return RemoteRoot(self.root.rstrip("/") + "/" + "/".join(self.parts))

    def __truediv__(self, rel: str) -> Path:
        return self.local / rel

    def has(self, rel: str) -> bool:
        """Whether ``rel`` is finished: on object storage, uploaded (a local copy alone may be
        a step killed before its upload: it is uploaded by :meth:`put` on the rerun)."""
        if self.shared:
            return self._remote().exists(rel)
        return (self.local / rel).exists()

    def finished(self, rels: list[str]) -> Path | None:
        """The local path of a step's last file (of ``rels``, the step's files in upload order)
        when the step is done: downloaded when another machine did it, uploaded when this
        machine did it and was killed before the upload; None when the step has to run."""
        last = rels[-1]
        if self.has(last):
            return self.fetch([last])[0]
        if (self.local / last).exists():
            self.put(rels)
            return self.local / last
        return None

    def fetch(self, rels: list[str]) -> list[Path]:
        """Local paths of ``rels``, downloading those this machine does not have yet."""
        paths = [self.local / rel for rel in rels]
        if self.shared:
            remote = self._remote()
            for rel, path in zip(rels, paths):
                if not path.exists():
                    path.parent.mkdir(parents=True, exist_ok=True)
                    # a dot-named temporary, then a rename: a reader never sees half a file
                    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
                    remote.fs.get_file(remote.full(rel), str(tmp))
                    tmp.replace(path)
        return paths

    def put(self, rels: list[str]) -> None:
        """Upload the local files ``rels``, in order (the last one marks the step done)."""
        if self.shared:
            remote = self._remote()
            for rel in rels:
                remote.fs.put_file(str(self.local / rel), remote.full(rel))

    def remove(self) -> None:
        """Delete the run's work files, here and on object storage (after the run's record)."""
        shutil.rmtree(self.local, ignore_errors=True)
        if self.shared:
            remote = self._remote()
            try:
                remote.fs.rm(remote.path, recursive=True)
            except FileNotFoundError:
                pass


def _rebuild(root: str, parts: tuple, spread: bool) -> WorkFolder:
    return WorkFolder(root, *parts, spread=spread)
