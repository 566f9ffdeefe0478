"""Filter job: page shards in, a ``quality`` dataset out (one row per page: keep or not, why).

Each input shard is one step (resumable: a shard judged with the same settings is skipped),
writing ``quality/`` rows and a completion record under the output root. Nothing is deleted
from the pages: a mixture leaves out what the filters dropped by naming the root in its
source's ``removals`` (or keeps only the kept pages with ``where`` / ``only_ids`` over
``quality``), and thresholds can be re-tuned in DuckDB over the recorded measurements.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import ClassVar

from curate.errors import FatalError, ShardError
from curate.io import DIRECT, Completion, DONE, FAILED, Ledger, ShardStore
from curate.quality import FAMILIES, Thresholds, judge
from pipelines._common import Transaction
from pipelines._config import FileConfig, check_fields
from pipelines._job import Job
from pipelines._steps import Map, Steps
from pipelines.dedup import input_shards, read_batches
from schemas import QUALITY

COLUMNS = ["id", "text", "lang"]


@dataclass(frozen=True, kw_only=True)
class FilterConfig(FileConfig, Thresholds):
    """Settings of a filter run (TOML/YAML keys have the same names; the thresholds are below)."""
    RANGES: ClassVar[dict] = {"batch_rows": (1, None), "gopher_min_alpha_words": (0, 1), "fineweb_min_line_punct": (0, 1),
                              "fineweb_max_short_lines": (0, 1), "gopher_max_bullet_lines": (0, 1),
                              "gopher_max_ellipsis_lines": (0, 1)}
    PATHS: ClassVar[tuple] = ("inputs", "out")            # resolved relative to a config file (the path rule)

    inputs: tuple[str, ...]                 # pages shards: files, globs, folders (an ingest root)
    out: str                                # output root: quality/, _ledger/
    rules: tuple[str, ...] = FAMILIES       # rule families, in order: gopher_quality, gopher_repetition, c4, fineweb
    math_aware: bool = True                 # formulas as one word, markdown markers not bullets (false: as datatrove)
    batch_rows: int = 2_000                 # pages judged per batch

    def __post_init__(self):
        check_fields(self)
        unknown = [r for r in self.rules if r not in FAMILIES]
        if unknown or not self.rules:
            raise FatalError(f"rules must be some of {', '.join(FAMILIES)}, not {list(self.rules)}")

    def thresholds(self) -> Thresholds:
        return Thresholds(**{f.name: getattr(self, f.name) for f in fields(Thresholds)})

    def fingerprint(self) -> str:
        """What changes a decision: the rules, the mode and every threshold."""
        settings = {"rules": list(self.rules), "math_aware": self.math_aware, **asdict(self.thresholds())}
        return hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]


@dataclass
class FilterSummary:
    shards: int = 0
    skipped: int = 0
    pages: int = 0
    kept: int = 0
    reasons: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def result(self) -> dict:
        """The flow's result."""
        return {"shards": self.shards, "skipped": self.skipped, "pages": self.pages, "kept": self.kept,
                "reasons": dict(self.reasons), "failed": [s for s, _ in self.failed]}

    def format(self) -> str:
        rate = self.pages / self.seconds if self.seconds else 0.0
        lines = [f"filter: {self.pages} pages in {self.shards} shard(s), {self.kept} kept, {self.pages - self.kept} "
                 f"dropped ({self.skipped} shard(s) already judged), {rate:.0f} pages/s"]
        lines += [f"  {r}: {n}" for r, n in self.reasons.most_common()]
        lines += [f"FAILED {s}: {e}" for s, e in self.failed]
        return "\n".join(lines)


def _shard_prefix(shard: str) -> str:
    digest = hashlib.sha1(shard.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"filter-{Path(shard).stem[:60]}-{digest}-"


def shard_key(config: FilterConfig, shard: str) -> str:
    return _shard_prefix(shard) + config.fingerprint()


def _retract_other_settings(config: FilterConfig, shard: str, ledger: Ledger) -> None:
    """A shard judged again with other settings replaces its rows: one decision per page."""
    store = ShardStore(config.out, {"quality": QUALITY})
    for key in ledger.keys(_shard_prefix(shard)):
        if key != shard_key(config, shard):
            record = ledger.get(key)
            if record is not None:
                store.retract(record.shards)
            ledger.remove(key)


def judge_shard(config: FilterConfig, shard: str) -> Completion:
    """Judge every page of one shard; write its ``quality`` rows and completion record."""
    t = config.thresholds()
    store = ShardStore(config.out, {"quality": QUALITY})
    done = Completion(key=shard_key(config, shard), source=shard, status=DONE,
                      config={"fingerprint": config.fingerprint(), "rules": list(config.rules),
                              "math_aware": config.math_aware})
    reasons: Counter = Counter()
    row0 = 0
    with Transaction(store, done, config.out) as tx:
        for batch, cols in read_batches(shard, COLUMNS, config.batch_rows, ShardError):
            ids = batch.column("id").to_pylist() if "id" in cols else [None] * batch.num_rows
            langs = batch.column("lang").to_pylist() if "lang" in cols else ["en"] * batch.num_rows
            for i, text in enumerate(batch.column("text").to_pylist()):
                v = judge(text, langs[i], t, config.rules, config.math_aware)
                tx.writers["quality"].write({
                    "id": ids[i], "source_shard": shard, "source_row": row0 + i, "lang": langs[i], "keep": v.keep,
                    "reason": v.reason, "value": v.value, "failed": [r for r, _ in v.failed.values()],
                    "skipped": v.skipped, "math_aware": config.math_aware, **v.measures})
                reasons[v.reason or "kept"] += 1
            row0 += batch.num_rows
        done.records = row0
        done.pages = reasons.pop("kept", 0)
        done.rejected = row0 - done.pages
        done.reasons = dict(reasons)
    return tx.done


def _plan(config: FilterConfig, state: dict) -> dict:
    ledger = Ledger(config.out)
    todo, skipped = [], 0
    for shard in input_shards(config.inputs):
        _retract_other_settings(config, shard, ledger)
        if ledger.is_done(shard_key(config, shard)):
            skipped += 1
        else:
            todo.append(shard)
    return {"todo": todo, "skipped": skipped}


def _judge(config: FilterConfig, ctx: dict, shard: str, tick) -> Completion:
    return judge_shard(config, shard)


def _summary(config: FilterConfig, state: dict) -> FilterSummary:
    summary = FilterSummary(skipped=state["skipped"], seconds=state["seconds"])
    for shard, done in zip(state["todo"], state.get("judge", [])):
        if done.status == FAILED:
            summary.failed.append((shard, done.error or ""))
            continue
        summary.shards += 1
        summary.pages += done.records
        summary.kept += done.pages
        summary.reasons.update(done.reasons)
    return summary


STEPS = Steps(
    "filter", _plan,
    (Map("judge", _judge, items=lambda config, state: state["todo"], label=lambda shard: Path(shard).name,
         retries=2, unit=" shard", failed=lambda shard, error: Completion(key="", source=shard, status=FAILED,
                                                                         error=error)),),
    _summary, result=FilterSummary.result, title=lambda config: f"Quality filters into {config.out}",
)


JOB = Job(FilterConfig, STEPS, "heuristic quality filters that keep math (Gopher, C4, FineWeb) -> quality rows",
          storage=DIRECT, positional="inputs",
          hints=('query "SELECT reason, count(*) AS pages, round(median(value), 3) AS median_value FROM quality '
                 'WHERE NOT keep GROUP BY ALL ORDER BY 2 DESC" --root {root}',),
          example=('inputs = ["shards"]\n'
                   'out = "quality"\n'
                   'math_aware = true\n'
                   'c4_curly_bracket = true\n'))
run = JOB.run
