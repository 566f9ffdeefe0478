"""Decontamination job: page shards in, a ``contamination`` dataset out.

Each input shard is scanned against the benchmarks it has not been scanned
against yet (the ledger keeps, per shard, which benchmark versions it has
seen), so adding a benchmark later scans existing shards for that benchmark
only; the page shards themselves are never rewritten. A document is removed
if it has any row in ``contamination``.

Run without Prefect: ``curate decontaminate INPUT... --benchmarks DIR --out DIR``.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from curate.decontam import Benchmark, NgramIndex, RULES, find_benchmarks, load_items
from curate.io import DIRECT, Completion, DONE, FAILED, Ledger, ShardStore
from curate.errors import FatalError, ShardError
from pipelines._common import Transaction
from pipelines._config import FileConfig
from pipelines._job import Job
from pipelines._steps import Map, Steps
from pipelines.dedup import input_shards, read_batches
from schemas import CONTAMINATION

COLUMNS = ["id", "url", "crawl", "warc_path", "warc_offset", "text"]


@dataclass(frozen=True)
class DecontaminateConfig(FileConfig):
    """Settings of a decontamination run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"n": (1, None), "min_words": (1, None), "batch_rows": (1, None)}
    CHOICES: ClassVar[dict] = {"rule": tuple(RULES)}
    PATHS: ClassVar[tuple] = ('inputs', 'benchmarks', 'out')            # resolved relative to a config file (the path rule)

    inputs: tuple[str, ...]                 # pages shards: files, globs, folders
    benchmarks: tuple[str, ...]             # benchmark files or folders (see curate.decontam)
    out: str                                # output root: contamination/, _ledger/ (a folder or an s3:// URL)
    n: int = 10                             # DeepSeek: 10-gram match
    min_words: int = 3                      # shorter benchmark texts are ignored; 3..n-1 words must match whole
    only: tuple[str, ...] = ()              # benchmark names to use (default: all found)
    rule: str = "evidence"                  # evidence (see curate/decontam/_evidence.py) | deepseek (plain)
    batch_rows: int = 2_000                 # documents scanned per batch



@dataclass
class DecontamSummary:
    shards: int = 0
    skipped: int = 0
    documents: int = 0
    contaminated: int = 0
    by_benchmark: Counter = field(default_factory=Counter)
    benchmarks: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def result(self) -> dict:
        """The flow's result."""
        return {"shards": self.shards, "skipped": self.skipped, "documents": self.documents,
                "contaminated": self.contaminated, "by_benchmark": dict(self.by_benchmark),
                "failed": [shard for shard, _ in self.failed]}

    def format(self) -> str:
        lines = [f"benchmarks: {', '.join(self.benchmarks)}",
                 f"shards: {self.shards} scanned, {self.skipped} already scanned for these benchmarks",
                 f"documents scanned: {self.documents}, contaminated: {self.contaminated}"]
        lines += [f"  {b}: {n} documents" for b, n in sorted(self.by_benchmark.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append(f"time: {self.seconds:.1f}s")
        lines += [f"FAILED {shard}: {error}" for shard, error in self.failed]
        return "\n".join(lines)


def shard_key(path: str) -> str:
    return f"{Path(path).stem}-{hashlib.sha1(path.encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"


def select_benchmarks(config: DecontaminateConfig) -> list[Benchmark]:
    found = find_benchmarks(config.benchmarks)
    unknown = sorted(set(config.only) - {b.name for b in found})
    if unknown:
        raise FatalError(f"--only {', '.join(unknown)}: no such benchmark; found: "
                         f"{', '.join(sorted(b.name for b in found)) or 'none'} (under {', '.join(config.benchmarks)})")
    return [b for b in found if not config.only or b.name in config.only]


def covered(ledger: Ledger, key: str, rule: str) -> set[str]:
    """Benchmark versions shard ``key`` was already scanned against under ``rule``."""
    done: set[str] = set()
    for name in ledger.keys(f"decontam-{key}-"):
        record = ledger.get(name)
        if record and record.status == DONE and record.config.get("rule", "deepseek") == rule:
            done.update(record.config.get("benchmarks", []))
    return done


def retract_other_rules(config: DecontaminateConfig, key: str) -> None:
    """A scan under another rule is replaced, not added to: its rows and records go."""
    ledger, store = Ledger(config.out), ShardStore(config.out, {"contamination": CONTAMINATION})
    for name in ledger.keys(f"decontam-{key}-"):
        record = ledger.get(name)
        if record and record.config.get("rule", "deepseek") != config.rule:
            store.retract(record.shards)
            ledger.remove(name)


def scan_shard(config: DecontaminateConfig, shard: str, benches: list[Benchmark], index: NgramIndex) -> Completion:
    """Scan one shard against ``benches`` (whose items ``index`` holds); write rows and the ledger record."""
    keys = sorted(b.key for b in benches)
    key = f"decontam-{shard_key(shard)}-{hashlib.sha1(' '.join([*keys, config.rule]).encode('utf-8', 'surrogateescape')).hexdigest()[:8]}"
    store = ShardStore(config.out, {"contamination": CONTAMINATION})
    done = Completion(key=key, source=shard, status=DONE,
                      config={"benchmarks": keys, "n": config.n, "rule": config.rule})
    counts: Counter = Counter()
    row0 = 0
    # an unreadable shard is recorded as failed (retried by the next run); others go on
    with Transaction(store, done, config.out) as tx:
        for batch, cols in read_batches(shard, COLUMNS, config.batch_rows, ShardError):
            meta = {c: batch.column(c).to_pylist() for c in cols if c != "text"}
            hit_docs = set()
            for m in index.scan(batch.column("text")):
                row = {c: meta[c][m.doc] for c in meta}
                row.update(source_shard=shard, source_row=row0 + m.doc, benchmark=m.benchmark, item=m.item,
                           part=m.part, n=m.n, ngram=m.ngram, matches=m.matches, rule=m.rule)
                tx.writers["contamination"].write(row)
                if (m.doc, m.benchmark) not in hit_docs:
                    hit_docs.add((m.doc, m.benchmark))
                    counts[m.benchmark] += 1
            done.records += batch.num_rows
            done.rejected += len({d for d, _ in hit_docs})
            row0 += batch.num_rows
        done.reasons = dict(counts)
        done.pages = done.records - done.rejected
    return tx.done


def plan(config: DecontaminateConfig) -> tuple[list[tuple[str, list[Benchmark]]], int, list[Benchmark]]:
    """(shard, benchmarks still to scan) pairs, shards already complete, all benchmarks."""
    benches = select_benchmarks(config)
    ledger = Ledger(config.out)
    todo, skipped = [], 0
    for shard in input_shards(config.inputs):
        retract_other_rules(config, shard_key(shard))
        seen = covered(ledger, shard_key(shard), config.rule)
        missing = [b for b in benches if b.key not in seen]
        if missing:
            todo.append((shard, missing))
        else:
            skipped += 1
    return todo, skipped, benches


def build_index(config: DecontaminateConfig, benches: list[Benchmark]) -> NgramIndex:
    """The n-gram index of ``benches``, built once per process (workers scan many shards)."""
    return _cached_index(tuple(benches), config.n, config.min_words, config.rule)


@functools.lru_cache(maxsize=4)
def _cached_index(benches: tuple[Benchmark, ...], n: int, min_words: int, rule: str) -> NgramIndex:
    return NgramIndex([it for b in benches for it in load_items(b)], n=n, min_words=min_words, rule=rule)


def _plan(config: DecontaminateConfig, state: dict) -> dict:
    todo, skipped, benches = plan(config)
    return {"todo": [(shard, [b.key for b in missing]) for shard, missing in todo], "skipped": skipped,
            "benches": benches}


def _scan(config: DecontaminateConfig, ctx: dict, item: tuple[str, list[str]], tick) -> Completion:
    shard, keys = item
    benches = [b for b in ctx["benches"] if b.key in keys]
    return scan_shard(config, shard, benches, build_index(config, benches))   # index cached per process


def _summary(config: DecontaminateConfig, state: dict) -> DecontamSummary:
    summary = DecontamSummary(skipped=state["skipped"], benchmarks=[b.key for b in state["benches"]])
    for (shard, _), done in zip(state["todo"], state.get("scan", [])):
        if done.status == FAILED:
            summary.failed.append((shard, done.error or ""))
        summary.shards += 1
        summary.documents += done.records
        summary.contaminated += done.rejected
        summary.by_benchmark.update(done.reasons)
    summary.seconds = state["seconds"]
    return summary


STEPS = Steps(
    "decontaminate", _plan,
    (Map("scan", _scan, items=lambda config, state: state["todo"], context=("benches",),
         label=lambda item: Path(item[0]).name, retries=2, unit=" shard",
         failed=lambda item, error: Completion(key="", source=item[0], status=FAILED, error=error)),),
    _summary, result=DecontamSummary.result, title=lambda config: f"Decontamination into {config.out}",
)


JOB = Job(DecontaminateConfig, STEPS, "flag documents that contain benchmark text", storage=DIRECT, positional="inputs",
          hints=('query "SELECT id, benchmark, item, part, rule, ngram FROM contamination LIMIT 20" --root {root}',),
          example=('inputs = ["shards"]\n'
                   'benchmarks = ["benchmarks/"]\n'
                   'out = "decontam"\n'
                   'only = ["gsm8k", "math500"]\n'))
run = JOB.run
