"""The math corpus job (``math-corpus``): DeepSeekMath's production path for each new crawl.

One run takes the next files of the configured crawls through five stages, each the steps of
an existing job and each resumable through its own ledger records:

1. **ingest** (the crawl job): the next ``max_files`` WARC files, in fast recall mode with the
   current model (``math_prefilter``: pages that cannot be math are not extracted);
2. **score** (math-score): pages shards not yet scored, with the same model; ``math_selected``
   is rebuilt over every scored shard;
3. **dedup**: pages shards no dedup run has seen, against the cross-crawl index under
   ``<out>/_dedup_index`` (documents of earlier crawls are the earlier copies);
4. **decontaminate**: shards not yet scanned against the benchmarks;
5. **mix**: the selected math pages that dedup kept and no benchmark flagged, up to
   ``total_tokens``, into ``<out>/mixtures/<inputs hash>/`` (unchanged inputs: no new build).

Serve on one schedule: ``curate serve math-corpus --config corpus.toml --cron "0 4 * * *"``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import ClassVar

from curate.io import MIRRORED, Ledger, committed
from pipelines import crawl, decontaminate, dedup, math_score, mix
from pipelines._common import format_value
from pipelines._job import Job
from pipelines._steps import Stage, Steps
from pipelines.mix import MixSpec, SourceSpec


@dataclass(frozen=True, kw_only=True)
class MathCorpusConfig(crawl.CrawlConfig):
    """Settings of the chain (TOML/YAML keys have the same names). Which crawl files a run takes
    and how they are ingested are the crawl job's keys, below; ``math_prefilter`` defaults to
    ``model``."""
    RANGES: ClassVar[dict] = {**crawl.CrawlConfig.RANGES, "total_tokens": (1, None), "token_budget": (1, None)}
    PATHS: ClassVar[tuple] = (*crawl.CrawlConfig.PATHS, "model", "benchmarks", "tokenizer")

    model: str                              # the current recall round's model.bin (model.bin.json beside it)
    benchmarks: tuple[str, ...]             # benchmark files or folders (see curate.decontam)
    threshold: float | str = "model"        # selection threshold: the model's operating one, or a number
    token_budget: int | None = None         # selection: at most this many tokens of the top pages
    total_tokens: int = 1_000_000_000       # mixture size (a smaller corpus is flagged SHORT)
    tokenizer: str | None = None            # tokenizer.json; default approx ceil(bytes/4)
    seed: int = 0                           # selection and mixture seed

    def crawl(self) -> crawl.CrawlConfig:
        own = {f.name: getattr(self, f.name) for f in fields(crawl.CrawlConfig)}
        return crawl.CrawlConfig(**{**own, "math_prefilter": self.math_prefilter or self.model})

    def score(self) -> math_score.MathScoreConfig:
        return math_score.MathScoreConfig(model=self.model, inputs=(str(Path(self.out) / "pages"),), out=self.out,
                                      threshold=self.threshold, token_budget=self.token_budget,
                                      tokenizer=self.tokenizer)

    def dedup(self, shards: list[str]) -> dedup.DedupConfig:
        return dedup.DedupConfig(inputs=tuple(shards), out=self.out, index=str(Path(self.out) / "_dedup_index"))

    def decontaminate(self) -> decontaminate.DecontaminateConfig:
        return decontaminate.DecontaminateConfig(inputs=(str(Path(self.out) / "pages"),), benchmarks=self.benchmarks,
                                       out=self.out)

    def mixture(self) -> tuple[MixSpec, str]:
        """The spec and its output folder, named by what goes in (so a rerun on the same data builds nothing)."""
        spec = MixSpec(name="math", root=self.out, total_tokens=self.total_tokens, seed=self.seed,
                       tokenizer=self.tokenizer,
                       sources=(SourceSpec(name="math", dataset="pages", share=1.0, only_ids="math_selected"),))
        inputs = [*committed(self.out, "pages"), *committed(self.out, "duplicates"),
                  *committed(self.out, "contamination"), *sorted(map(str, (Path(self.out) / "math_selected").glob("*")))]
        stamp = hashlib.sha1("\n".join([repr(spec.to_dict()), *inputs]).encode("utf-8", "surrogateescape")).hexdigest()[:12]
        return spec, str(Path(self.out) / "mixtures" / stamp)


def not_deduplicated(out: str) -> list[str]:
    """Pages shards under ``out`` that no finished dedup run took as input."""
    seen = {s for done in Ledger(out).all() if done.key.startswith("dedup-") for s in done.config.get("inputs", [])}
    return [s for s in committed(out, "pages") if s not in seen]


def _pages(config: MathCorpusConfig) -> bool:
    return bool(committed(config.out, "pages"))


def _dedup_config(config: MathCorpusConfig, state: dict):
    shards = not_deduplicated(config.out)
    return config.dedup(shards) if shards else None


def _mix_seed(config: MathCorpusConfig, state: dict) -> dict:
    return {"out": config.mixture()[1]}


@dataclass
class CorpusSummary:
    """Each stage's result (None: the stage had nothing to do)."""

    stages: dict[str, dict | None]
    seconds: float = 0.0

    def result(self) -> dict:
        failed = [f for r in self.stages.values() if r for f in r.get("failed") or []]
        return {**{name: r if r is not None else "nothing to do" for name, r in self.stages.items()},
                "failed": failed, "seconds": round(self.seconds, 1)}

    def format(self) -> str:
        lines = [f"math corpus run: {self.seconds:.1f}s"]
        for name, r in self.stages.items():
            shown = "nothing to do" if r is None else ", ".join(
                f"{k} {format_value(v)}" for k, v in r.items() if not isinstance(v, (dict, list)) or k == "failed")
            lines.append(f"  {name:14s} {shown}")
        return "\n".join(lines)


def _summary(config: MathCorpusConfig, state: dict) -> CorpusSummary:
    stages = {step.name: None if state.get(step.name) is None else step.steps.result(state[step.name])
              for step in STEPS.steps}
    return CorpusSummary(stages, state["seconds"])


STEPS = Steps(
    "math-corpus", lambda config, state: {},
    (Stage("ingest", crawl.STEPS, lambda config, state: config.crawl()),
     Stage("score", math_score.STEPS, lambda config, state: config.score() if _pages(config) else None),
     Stage("dedup", dedup.STEPS, _dedup_config),
     Stage("decontaminate", decontaminate.STEPS,
           lambda config, state: config.decontaminate() if _pages(config) else None),
     Stage("mix", mix.STEPS, lambda config, state: config.mixture()[0], seed=_mix_seed)),
    _summary, result=CorpusSummary.result, title=lambda config: f"Math corpus under {config.out}",
)


JOB = Job(MathCorpusConfig, STEPS, "a new crawl to a math mixture: fast ingest, score, cross-crawl dedup, "
          "decontaminate, mix", storage=MIRRORED,
          hints=('query "SELECT count(*) AS pages FROM math_selected" --root {root}',),
          example=('out = "math-corpus"\n'
                   'model = "recall/round-3/model.bin"\n'
                   'benchmarks = ["benchmarks/"]\n'
                   'crawls = ["latest"]\n'
                   'max_files = 10\n'
                   'total_tokens = 10_000_000\n'))
run = JOB.run
