"""Removal sets a mixture applies: the dedup and decontamination outputs named by a source.

A source takes ``removals: [root, ...]``, each an output root of ``curate dedup`` (its
``duplicates`` dataset: rows with ``keep = false``), of ``curate decontaminate`` (its
``contamination`` dataset: every listed id) or of ``curate filter`` (its ``quality`` dataset:
rows with ``keep = false``), or several. Without the key, the source's own root
is looked at, as before. Why by name: dedup and decontamination usually write into roots of
their own (``--out dedup/``), and a mixture that looked only under the pages' root silently
kept what they removed.

Each output records which shards it read (dedup: its completion record's ``inputs``;
decontamination: one record per shard scanned), so a mixture can say which of its input
shards a removal set never covered instead of trusting it blindly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curate.errors import FatalError
from curate.io import DONE, Ledger, committed, storage_root
from curate.query import files_sql, sql_str

# our wording, printed and recorded for a source that no removal set covers (not an error: a
# mixture of code or of an already clean dataset has nothing to exclude)
NOTHING_EXCLUDED = "not deduplicated or decontaminated: nothing excluded"

_KINDS = {"duplicates": "dedup-", "contamination": "decontam-", "quality": "filter-"}


def _norm(path: str) -> str:
    return storage_root(path).canonical


@dataclass
class RemovalSet:
    """One dataset of removed ids (``duplicates`` or ``contamination``) under one root."""

    root: str
    dataset: str
    files: list[str]
    covered: set[str] = field(default_factory=set)      # input shards it read (normalised paths)

    def sql(self) -> str:
        """SELECT of the removed ids (one column, ``id``)."""
        rows = f"read_parquet({files_sql(self.files)})"
        return f"SELECT id FROM {rows}" + ("" if self.dataset == "contamination" else " WHERE NOT keep")

    def flag(self, file: str, has_id: bool) -> str | None:
        """A boolean SQL expression over one input file's rows: removed by this set. By row
        reference (``source_shard``, ``source_row``) where the set read this very file, so two
        documents sharing an id are never confused; by id otherwise (a set made from a copy).
        None when the set removed nothing."""
        if not self.files:
            return None
        if _norm(file) in self.covered:
            keep = "" if self.dataset == "contamination" else " AND NOT keep"
            rows = (f"SELECT source_row FROM read_parquet({files_sql(self.files)}) "
                    f"WHERE source_shard = {sql_str(file)}{keep}")
            return f"coalesce(file_row_number IN ({rows}), false)"
        return f"coalesce(id IN ({self.sql()}), false)" if has_id else None

    def describe(self) -> dict:
        return {"root": self.root, "dataset": self.dataset}


def _covered(root, dataset: str) -> set[str]:
    """Input shards the job behind ``dataset`` recorded as read, from its completion records."""
    ledger = Ledger(root)
    shards: set[str] = set()
    for key in ledger.keys(_KINDS[dataset]):
        record = ledger.get(key)
        if record is None or record.status != DONE:
            continue
        if dataset == "duplicates":
            shards.update(record.config.get("inputs", []))
        elif dataset == "quality":
            shards.add(record.source)
        else:
            shards.add(record.source)
    return {_norm(s) for s in shards}


def _sets_under(root) -> list[RemovalSet]:
    """The removal sets of ``root``: a dataset with rows, or a job that ran and removed nothing
    (a clean decontamination commits no contamination shard; its completion records say it ran)."""
    found = []
    for dataset in _KINDS:
        files, covered = committed(root, dataset), _covered(root, dataset)
        if files or covered:
            found.append(RemovalSet(str(root), dataset, files, covered))
    return found


def removal_sets(src, own_root) -> list[RemovalSet]:
    """The removal sets ``src`` applies: those of each root in ``src.removals`` (each must hold
    one, else a one-line error), or those under ``own_root`` when the key is absent."""
    if not src.exclude_removed:
        return []
    if src.removals is None:
        return _sets_under(own_root)
    sets = []
    for root in src.removals:
        store = storage_root(root)
        root = store.location
        if not store.remote and not root.is_dir():
            raise FatalError(f"source {src.name}: removal root {root} does not exist")
        found = _sets_under(root)
        if not found:
            raise FatalError(f"source {src.name}: {root} holds no dedup, decontamination or filter output "
                             "(no duplicates, contamination or quality dataset)")
        sets += found
    return sets


def check_coverage(src, sets: list[RemovalSet], files: list[str]) -> list[str]:
    """Input shards of ``src`` that some removal set did not read; a one-line error when a
    named removal set read none of them (it was made from other shards)."""
    mine = {_norm(f) for f in files}
    uncovered: set[str] = set()
    for s in sets:
        if not s.covered:                     # an output from before coverage was recorded: trust it
            continue
        if src.removals is not None and not (mine & s.covered):
            raise FatalError(f"source {src.name}: the {s.dataset} under {s.root} were made from other shards "
                             f"than dataset {src.dataset} (none of its {len(mine)} shards)")
        uncovered |= mine - s.covered
    return sorted(uncovered)
