"""Score new page shards with a finished recall round's model and select math pages.

The production path after a recall run: each new crawl's page shards are scored by the last
round's model (``<recall out>/round-N/model.bin``) and pages at or above the model's operating
threshold (from its ``model.bin.json``; or a number given here) are selected, optionally up to
a token budget. Outputs under ``out``: ``math_scores`` (one shard per input shard, ledger-tracked:
a rerun scores only new or failed shards) and ``math_selected/selected.parquet`` (rebuilt when
shards were added).

    curate math score --model recall/round-2/model.bin crawl-2024-22/ --out math-2024-22/
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from curate import classify
from curate.errors import FatalError
from curate.io import MIRRORED, committed
from curate.query import files_sql
from pipelines.math_recall import score_into, select_into
from pipelines._job import Job
from pipelines._steps import Map, Steps
from pipelines._config import FileConfig, check_fields
from pipelines.dedup import input_shards


@dataclass(frozen=True)
class MathScoreConfig(FileConfig):
    """Settings of a scoring run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"threshold": (0, 1), "batch_rows": (1, None), "token_budget": (1, None)}
    PATHS: ClassVar[tuple] = ('model', 'inputs', 'out', 'tokenizer')            # resolved relative to a config file (the path rule)

    model: str                               # a round's model.bin (its model.bin.json must stand beside it)
    inputs: tuple[str, ...]                  # pages shards: files, globs, output roots
    out: str                                # output root: math_scores/, math_selected/
    threshold: float | str = "model"         # "model": the round's operating threshold; or a number in [0, 1]
    token_budget: int | None = None          # keep at most this many tokens of the top pages
    tokenizer: str | None = None             # tokenizer.json; default approx ceil(bytes/4)
    allow_weak_model: bool = False          # score with a model that failed validation
    batch_rows: int = 2_000                 # pages scored per batch
    memory_limit: str = "2GB"               # DuckDB (selection)

    def __post_init__(self):
        check_fields(self)
        if isinstance(self.inputs, str):
            raise FatalError("inputs must be a list of paths, not one string")
        if self.threshold != "model" and (isinstance(self.threshold, (str, bool)) or not 0 <= self.threshold <= 1):
            raise FatalError(f"threshold must be 'model' or a number in [0, 1], not {self.threshold!r}")

    def record(self) -> dict:
        """The model's metadata record; a one-line error when it is missing or the model is weak."""
        meta = Path(self.model + ".json")
        if not Path(self.model).is_file() or not meta.is_file():
            raise FatalError(f"{self.model}: not a finished recall round's model (need model.bin and model.bin.json)")
        record = json.loads(meta.read_text())
        if record.get("weakness") and not self.allow_weak_model:
            raise FatalError(f"{self.model} failed validation: {record['weakness']} (allow_weak_model = true overrides)")
        return record

    def cut(self, record: dict) -> float:
        return float(record["operating_threshold"] if self.threshold == "model" else self.threshold)


@dataclass
class ScoreSummary:
    model: str
    threshold: float
    shards: int
    pages: int
    selected: int
    out: str

    def result(self) -> dict:
        """The flow's result."""
        return {"model": self.model, "threshold": self.threshold, "pages": self.pages, "selected": self.selected}

    def format(self) -> str:
        return (f"scored {self.pages} pages in {self.shards} shard(s) with {self.model}; selected {self.selected} "
                f"at threshold {self.threshold:.4g} -> {self.out}/math_selected")


def model_id(config: MathScoreConfig, record: dict) -> str:
    return record.get("model_id") or classify.model_id(config.model)


def score_one(config: MathScoreConfig, record: dict, shard: str):
    """Score one shard with the model of ``record`` (the unit a flow maps over)."""
    return score_into(config.out, config.model, model_id(config, record), shard, int(record.get("round") or 0),
                           tokenizer=config.tokenizer, batch_rows=config.batch_rows,
                           chunk_words=record.get("chunk_words"))


def conclude(config: MathScoreConfig, record: dict, shards: list[str], done: list) -> ScoreSummary:
    """After every shard was scored (``done``: their completion records): fail on failed shards, else select."""
    failed = [f"{d.source}: {d.error}" for d in done if d.error]
    if failed:
        raise FatalError(f"{len(failed)} shard(s) could not be scored (rerun retries them): " + "; ".join(failed))
    threshold = config.cut(record)
    return ScoreSummary(model_id(config, record), threshold, len(shards), sum(d.records or 0 for d in done),
                        select(config, threshold), config.out)


def select(config: MathScoreConfig, threshold: float) -> int:
    """Write ``math_selected`` from every scored shard (rebuilt on each run: one DuckDB query, and
    shards scored since the last run must count)."""
    (Path(config.out) / "math_selected" / "selected.parquet").unlink(missing_ok=True)
    return select_into(config, Path(config.out), files_sql(committed(config.out, "math_scores")), threshold)


def _start(config: MathScoreConfig, state: dict) -> dict:
    return {"record": config.record(), "shards": input_shards(config.inputs)}


def _score(config: MathScoreConfig, ctx: dict, shard: str, tick):
    return score_one(config, ctx["record"], shard)           # a small completion record, not the rows


def _conclude(config: MathScoreConfig, state: dict) -> ScoreSummary:
    return conclude(config, state["record"], state["shards"], state["score"])


STEPS = Steps(
    "math-score", _start,
    (Map("score", _score, items=lambda config, state: state["shards"], context=("record",),
         label=lambda shard: Path(shard).name, retries=2, unit=" shard"),),
    _conclude, result=ScoreSummary.result, title=lambda config: f"math scoring into {config.out}",
    markdown=lambda config, summary: summary.format(),
)


JOB = Job(MathScoreConfig, STEPS, "score new page shards with a finished recall round's model", storage=MIRRORED,
          positional="inputs", hints=('query "SELECT count(*) AS pages FROM math_selected" --root {root}',),
          example=('model = "recall/round-3/model.bin"\n'
                   'inputs = ["new-shards"]\n'
                   'out = "scored"\n'))
run = JOB.run
