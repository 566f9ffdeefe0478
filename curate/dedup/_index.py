"""A persistent, incremental index of dedup keys across runs (crawls).

Layout::

    index/manifest.json                    params + committed generations (name, base, count)
    index/gen=<run>/docs.parquet           node, id, crawl, exact_hash, url_hash
    index/gen=<run>/keys/kind=<k>/*.parquet  hash, node (k: band_NN, exact, url)

Each run is one generation with a contiguous block of global node numbers
starting at ``base``; later runs get larger numbers, so with minimum-label
clustering a document already indexed is always the representative of a
cluster it shares with new documents. A new run reads only the keys of earlier
generations (never their texts or signatures). A generation becomes visible by
a folder rename followed by an atomic manifest rewrite.

An index at an fsspec URL (``s3://bucket/index``) is read from a copy in this machine's cache,
one copy per manifest version (generations never change once committed, so a copy is never
stale, and the Dask workers of one machine share it). A new generation is uploaded object by
object, then the manifest: until the manifest names it, no reader sees it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import asdict
from pathlib import Path

from curate.dedup._sketch import SketchParams
from curate.errors import FatalError
from curate.io import RemoteRoot, local_work, storage_root, write_atomic


class DedupIndex:
    """Generations of dedup keys under ``folder``, all sketched with ``params``."""

    def __init__(self, folder: str | Path, params: SketchParams):
        store = storage_root(folder)
        self.url = store.canonical if store.remote else None       # on object storage: a copy here
        self.folder = self._copy() if self.url else Path(folder)
        self.params = params
        self.manifest = self._load()
        stored = self.manifest.get("params")
        if stored and stored != asdict(params):
            raise FatalError(f"dedup index {self.folder} was built with {stored}, this run uses {asdict(params)}: "
                             "sketches made with different settings cannot be compared; use a new index folder")

    def _copy(self) -> Path:
        """This machine's copy of the index at ``self.url``, downloaded unless already here."""
        remote = RemoteRoot(self.url)
        remote.invalidate()
        manifest = remote.read_bytes("manifest.json")
        if manifest is None:
            return local_work(self.url, "_index", "empty")        # no generation yet
        folder = local_work(self.url, "_index", hashlib.sha256(manifest).hexdigest()[:16])
        if folder.exists():
            return folder
        tmp = folder.with_name(f".{folder.name}.{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        for gen in json.loads(manifest)["generations"]:          # only the committed generations
            prefix = remote.full(f"gen={gen['name']}")
            for name in remote.fs.find(prefix):
                target = tmp / f"gen={gen['name']}" / name[len(prefix) + 1:]
                target.parent.mkdir(parents=True, exist_ok=True)
                remote.fs.get_file(name, str(target))
        tmp.mkdir(parents=True, exist_ok=True)
        (tmp / "manifest.json").write_bytes(manifest)
        try:
            tmp.rename(folder)
        except OSError:                                          # another process was first
            shutil.rmtree(tmp, ignore_errors=True)
        return folder

    def _load(self) -> dict:
        try:
            return json.loads((self.folder / "manifest.json").read_text())
        except FileNotFoundError:
            return {"params": None, "generations": []}

    @property
    def generations(self) -> list[dict]:
        return list(self.manifest["generations"])

    def committed(self, name: str) -> dict | None:
        return next((g for g in self.manifest["generations"] if g["name"] == name), None)

    def base_for(self, name: str) -> int:
        """First node number of run ``name``: its own if committed, else after every generation."""
        gen = self.committed(name)
        if gen:
            return gen["base"]
        return sum(g["count"] for g in self.manifest["generations"])

    def others(self, name: str) -> list[Path]:
        """Folders of the committed generations other than ``name``."""
        return [self.folder / f"gen={g['name']}" for g in self.manifest["generations"] if g["name"] != name]

    def key_files(self, name: str, kind: str) -> list[str]:
        return [str(p) for gen in self.others(name) for p in sorted((gen / "keys" / f"kind={kind}").glob("*.parquet"))]

    def doc_files(self, name: str) -> list[str]:
        return [str(gen / "docs.parquet") for gen in self.others(name) if (gen / "docs.parquet").exists()]

    def staging(self, name: str) -> Path:
        """An empty folder to write generation ``name`` into before :meth:`commit`."""
        path = self.folder / f".staging-{name}"
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        return path

    def commit(self, name: str, staged: Path, base: int, count: int, crawls: list[str]) -> None:
        """Make the staged generation visible (idempotent for a name already committed)."""
        if self.committed(name):
            shutil.rmtree(staged, ignore_errors=True)
            return
        manifest = {"params": asdict(self.params),
                    "generations": self.generations + [{"name": name, "base": base, "count": count,
                                                        "crawls": crawls}]}
        if self.url:
            self._upload(name, staged, manifest)
            return
        final = self.folder / f"gen={name}"
        shutil.rmtree(final, ignore_errors=True)       # left by a crash between rename and manifest
        staged.rename(final)
        write_atomic(self.folder / "manifest.json", json.dumps(manifest, indent=1).encode())
        self.manifest = manifest

    def _upload(self, name: str, staged: Path, manifest: dict) -> None:
        """Generation ``name`` to object storage, then the manifest naming it. Object names are
        fixed, so the upload after a crash overwrites the leftovers of the one before."""
        remote = RemoteRoot(self.url)
        for path in sorted(p for p in staged.rglob("*") if p.is_file()):
            remote.fs.put_file(str(path), remote.full(f"gen={name}/{path.relative_to(staged).as_posix()}"))
        remote.write_bytes("manifest.json", json.dumps(manifest, indent=1).encode())
        shutil.rmtree(staged, ignore_errors=True)
        self.manifest = manifest
