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
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict
from pathlib import Path

from curate.dedup._sketch import SketchParams
from curate.errors import FatalError
from curate.io._ledger import write_atomic


class DedupIndex:
    """Generations of dedup keys under ``folder``, all sketched with ``params``."""

    def __init__(self, folder: str | Path, params: SketchParams):
        self.folder = Path(folder)
        self.params = params
        self.manifest = self._load()
        stored = self.manifest.get("params")
        if stored and stored != asdict(params):
            raise FatalError(f"dedup index {self.folder} was built with {stored}, this run uses {asdict(params)}: "
                             "sketches made with different settings cannot be compared; use a new index folder")

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
        final = self.folder / f"gen={name}"
        shutil.rmtree(final, ignore_errors=True)       # left by a crash between rename and manifest
        staged.rename(final)
        manifest = {"params": asdict(self.params),
                    "generations": self.generations + [{"name": name, "base": base, "count": count,
                                                        "crawls": crawls}]}
        write_atomic(self.folder / "manifest.json", json.dumps(manifest, indent=1).encode())
        self.manifest = manifest
