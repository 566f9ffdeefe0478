"""Configuration, input resolution and summary of a dedup run."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import ClassVar

from curate.dedup import DedupIndex, SketchParams
from curate.errors import FatalError
from curate.io import DONE, Ledger, WorkFolder, dataset_shards
from pipelines._config import FileConfig, check_fields

ORDER = {  # representative rule -> SQL ORDER BY (smallest first is kept)
    "earliest": "crawl ASC NULLS LAST, id, shard, row",
    "latest": "crawl DESC NULLS LAST, id, shard, row",
    "longest": "n_words DESC, crawl ASC NULLS LAST, id, shard, row",
}
READ_COLUMNS = ["id", "url", "crawl", "warc_path", "warc_offset", "text"]


@dataclass(frozen=True)
class DedupConfig(FileConfig):
    """Settings of one dedup run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"num_perm": (1, None), "bands": (1, None), "rows": (1, None), "ngram": (1, None), "jaccard_threshold": (0, 1), "batch_rows": (1, None), "threads": (1, None)}
    CHOICES: ClassVar[dict] = {"representative": tuple(ORDER)}
    PATHS: ClassVar[tuple] = ('inputs', 'out', 'index')            # resolved relative to a config file (the path rule)

    inputs: tuple[str, ...]                 # pages shards: files, globs, or folders (root/pages/*.parquet)
    out: str                                # output root: duplicates/, dedup_clusters/, _ledger/ (a folder or an s3:// URL)
    run: str | None = None                  # run name; default: derived from the input list
    index: str | None = None                # persistent cross-run index folder (None: this run only)
    # LSH: None chooses by verify. Verified (the default): 24 bands x 5 rows of 120 permutations,
    # P(candidate) 0.998 at Jaccard 0.75 (benchmarks/dedup_recall.py); the extra candidates cost
    # only verification. Unverified: FineWeb's 14 x 8 of 112 (0.78 at 0.75, 0.007 at 0.4).
    num_perm: int | None = None             # MinHash permutations (bands x rows)
    bands: int | None = None                # LSH bands
    rows: int | None = None                 # rows per band
    ngram: int = 5                          # word n-gram shingles
    seed: int = 42                          # MinHash seed (same seed, same decisions)
    exact: bool = True                      # exact duplicates of normalised text
    urls: bool = True                       # same normalised URL
    representative: str = "earliest"        # earliest | latest | longest
    verify: bool = True                     # candidate pairs verified (signature estimate, exact when close);
    jaccard_threshold: float = 0.7          # ... pairs below this are not linked (also the report's threshold)
    batch_rows: int = 1_000                 # documents sketched per batch
    memory_limit: str = "2GB"               # DuckDB's limit for the grouping steps (it spills beyond)
    threads: int = 2                        # DuckDB threads
    keep_work: bool = False                 # keep _dedup/<run>/ after success

    def __post_init__(self):
        check_fields(self)
        if self.bands is None and self.rows is None and self.num_perm is None:
            for name, value in zip(("num_perm", "bands", "rows"), (120, 24, 5) if self.verify else (112, 14, 8)):
                object.__setattr__(self, name, value)
        elif None in (self.bands, self.rows, self.num_perm):
            known = [v for v in (self.bands, self.rows) if v is not None]
            if self.num_perm is None and len(known) == 2:
                object.__setattr__(self, "num_perm", self.bands * self.rows)
            elif self.num_perm is not None and len(known) == 1:
                object.__setattr__(self, "rows" if self.rows is None else "bands", self.num_perm // known[0])
            else:
                raise FatalError("give num_perm with bands or rows, or bands and rows (or none: chosen by verify)")
        self.params  # validates bands x rows

    @property
    def params(self) -> SketchParams:
        return SketchParams(self.num_perm, self.bands, self.rows, self.ngram, self.seed)

    @property
    def kinds(self) -> list[str]:
        return [f"band_{b:02d}" for b in range(self.bands)] + ["exact"] * self.exact + ["url"] * self.urls


@dataclass
class Plan:
    """The resolved inputs and folders of a run."""

    run: str
    shards: list[str]
    work: WorkFolder                         # each machine's copy of the work files (see curate/io/_work.py)
    base: int = 0
    supersedes: list[str] = field(default_factory=list)   # earlier runs of a root that has grown since


@dataclass
class DedupSummary:
    run: str
    documents: int = 0
    kept: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    rounds: int = 0
    skipped: bool = False
    seconds: float = 0.0
    s_curve: list = field(default_factory=list)
    edges: int = 0                          # candidate pairs from all key kinds
    quality: dict | None = None             # the flow's quality report, when asked for

    def result(self) -> dict:
        """The flow's result."""
        if self.skipped:
            return {"run": self.run, "skipped": True}
        out = {"run": self.run, "documents": self.documents, "kept": self.kept, "removed": self.removed,
               "clusters": self.clusters, "rounds": self.rounds, "s_curve": self.s_curve}
        if self.quality is not None:
            out["quality"] = self.quality
        return out

    def markdown(self) -> str:
        """The flow's artifact."""
        if self.skipped:
            return f"# Dedup run {self.run}\n\nalready done"
        lines = [f"# Dedup run {self.run}", "",
                 f"{self.documents} documents, {self.kept} kept, {self.clusters} clusters, "
                 f"{self.edges} candidate edges", "", "| reason | documents |", "| --- | ---: |"]
        lines += [f"| {k} | {v} |" for k, v in sorted(self.removed.items())]
        if self.quality:
            from pipelines.dedup._verify import format_report

            lines += ["", "```", format_report(self.quality), "```"]
        return "\n".join(lines)

    def format(self) -> str:
        if self.skipped:
            return f"dedup run {self.run}: already done (see the duplicates dataset)"
        rate = self.documents / self.seconds if self.seconds else 0.0
        lines = [f"dedup run {self.run}: {self.documents} documents, {self.kept} kept, "
                 f"{self.documents - self.kept} removed in {self.clusters} clusters ({self.rounds} rounds)"]
        lines += [f"  {reason}: {n}" for reason, n in sorted(self.removed.items())]
        lines.append("  candidate probability by Jaccard: "
                     + ", ".join(f"{s:.2f}->{p:.2f}" for s, p in self.s_curve))
        lines.append(f"time: {self.seconds:.1f}s, {rate:.0f} documents/s")
        return "\n".join(lines)


def input_shards(inputs) -> list[str]:
    """Expand output roots (local or ``s3://``), folders, files and globs into a sorted,
    de-duplicated list of pages shards."""
    found: set[str] = set()
    for item in inputs:
        hits = dataset_shards(item, "pages")
        if not hits:
            raise FatalError(f"no Parquet input found at {item} (nor committed pages shards under it)")
        found.update(hits)
    return sorted(found)


def _superseded(config: DedupConfig, run: str, shards: list[str]) -> list[str]:
    """The earlier runs in ``out`` that this one replaces: a root that has grown (scheduled
    ingestion adds shards every day) is deduplicated again whole, so the result is the same as
    deduplicating every page at once (same kept pages, cluster sizes across everything), and the
    earlier run's rows are retired once the new ones are committed (:func:`retire`). An earlier
    run of inputs that are *not* all among these is another dataset's dedup: one line, as before;
    deduplicating across separate roots is what ``index`` (with ``run`` names) is for."""
    ledger, mine, found = Ledger(config.out), set(shards), []
    for key in ledger.keys("dedup-"):
        record = ledger.get(key)
        if key.startswith("dedup-code-") or record is None or record.status != DONE or key == f"dedup-{run}":
            continue
        if set(record.config.get("inputs", [])) <= mine:
            found.append(key)
            continue
        raise FatalError(f"{config.out} holds a dedup of other inputs ({key[len('dedup-'):]}), not all among these; "
                         "dedup all inputs in one run, give --index and --run to dedup across runs, or choose "
                         "another --out")
    return sorted(found)


def retire(config: DedupConfig, keys: list[str]) -> None:
    """Remove the earlier runs ``keys`` replaced: the record first (its rows are invisible from
    then on), then its shards. A kill in between leaves unlisted files only, and the next run
    (which finds itself done) retires them again."""
    from curate.io import storage_root

    ledger, store = Ledger(config.out), storage_root(config.out)
    for key in keys:
        record = ledger.get(key)
        if record is None:
            continue
        ledger.remove(key)
        store.remove([p for paths in record.shards.values() for p in paths if store.exists(p)])


def plan(config: DedupConfig, spread: bool = True) -> Plan:
    """The run's inputs and folders; ``spread``: its steps may run on several machines, so
    on object storage the work files are shared through it (see curate/io/_work.py)."""
    shards = input_shards(config.inputs)
    run = config.run or "run-" + hashlib.sha1("\n".join(shards).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    supersedes = _superseded(config, run, shards) if config.run is None and config.index is None else []
    work = WorkFolder(config.out, "_dedup", run, spread=spread)
    base = DedupIndex(config.index, config.params).base_for(run) if config.index else 0
    return Plan(run, shards, work, base, supersedes)


def is_done(config: DedupConfig, p: Plan) -> bool:
    return Ledger(config.out).is_done(f"dedup-{p.run}")
