"""The job registry: every job once, under one name, for the command line, the flows and the docs.

A job is a config (loaded from TOML/YAML), a local runner (``pipelines.<job>.run``: this
process and its worker pool, no Prefect) and a Prefect flow (``flows.<job>``: the same steps
mapped on Dask). ``curate run <job>``, ``curate serve <job> --cron`` and the README's job
table all read this registry; references are ``"module:attribute"`` strings so that reading
it imports neither Prefect nor a job's dependencies.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curate.errors import FatalError
from curate.io import DIRECT, LOCAL, MIRRORED, RootPolicy


@dataclass(frozen=True)
class Job:
    """One job: its name everywhere, what it does, where its config, runner and flow live."""

    name: str
    summary: str
    config: str                  # "module:Class" with .from_file(path), or "module:function(path)"
    runner: str                  # "module:function(config)", the run without Prefect
    flow: str                    # "module:flow", the Prefect flow (imported only by curate.cli and flows)
    storage: str = LOCAL         # object storage: DIRECT (writes s3:// itself), MIRRORED (a local mirror), LOCAL
    exclusive: bool = False      # its output root holds nothing else (a mixture)

    @property
    def root_policy(self) -> RootPolicy:
        """How its runs hold their output root (curate.io.holds_root)."""
        return RootPolicy(self.name, self.storage, self.exclusive)

    def config_target(self) -> Any:
        """The config class (or the loader function) the registry names."""
        return _resolve(self.config)

    def load_config(self, path: str | Path) -> Any:
        """The job's config from a TOML/YAML file (unknown keys refused)."""
        target = self.config_target()
        return target.from_file(path) if hasattr(target, "from_file") else target(path)

    def load_flow(self):
        return _resolve(self.flow)

    def load_runner(self):
        return _resolve(self.runner)


def _resolve(ref: str):
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


JOBS: dict[str, Job] = {job.name: job for job in (
    Job("ingest", "WARC/WET files, URLs or crawl ids -> page shards with lineage",
        "pipelines.ingest:IngestConfig", "pipelines.ingest:run", "flows.ingest:ingest_flow", storage=DIRECT),
    Job("crawl", "the next new files of Common Crawl crawls -> page shards (for schedules)",
        "pipelines.crawl:CrawlConfig", "pipelines.crawl:run", "flows.crawl:crawl_ingest", storage=MIRRORED),
    Job("dedup", "exact, URL and MinHash-LSH dedup of page shards, across runs",
        "pipelines.dedup:DedupConfig", "pipelines.dedup:run", "flows.dedup:dedup_flow", storage=DIRECT),
    Job("decontaminate", "flag documents that contain benchmark text",
        "pipelines.decontam:DecontamConfig", "pipelines.decontam:run", "flows.dedup:decontam_flow", storage=DIRECT),
    Job("code", "repositories -> dependency-ordered code samples with FIM",
        "pipelines.code:CodeConfig", "pipelines.code:run", "flows.code:code_flow", storage=MIRRORED),
    Job("arxiv", "arXiv LaTeX sources -> figure/caption pairs, images as PNG",
        "pipelines.arxiv:ArxivConfig", "pipelines.arxiv:run", "flows.arxiv:arxiv_flow", storage=DIRECT),
    Job("filter", "heuristic quality filters that keep math (Gopher, C4, FineWeb) -> quality rows",
        "pipelines.filter:FilterConfig", "pipelines.filter:run", "flows.filter:filter_flow", storage=DIRECT),
    Job("mix", "a reproducible training mixture to a token budget",
        "pipelines.mix._spec:load_spec", "pipelines.mix:run", "flows.mixture:mixture_flow", exclusive=True),
    Job("math-recall", "DeepSeekMath's iterative math page recall (fastText rounds)",
        "pipelines.math_recall:RecallConfig", "pipelines.math_recall:run", "flows.math_recall:math_recall_flow", storage=MIRRORED),
    Job("math-score", "score new page shards with a finished recall round's model",
        "pipelines.math_score:ScoreConfig", "pipelines.math_score:run", "flows.math_recall:math_score_flow", storage=MIRRORED),
    Job("math-corpus", "a new crawl to a math mixture: fast ingest, score, cross-crawl dedup, decontaminate, mix",
        "pipelines.math_corpus:MathCorpusConfig", "pipelines.math_corpus:run", "flows.math_corpus:math_corpus_flow", storage=MIRRORED),
)}


def root_policy(name: str) -> RootPolicy:
    """The registry's root policy of job ``name`` (for ``@holds_root``)."""
    return JOBS[name].root_policy


def get(name: str) -> Job:
    """The job called ``name``; a one-line error listing the jobs otherwise."""
    try:
        return JOBS[name]
    except KeyError:
        raise FatalError(f"unknown job {name!r}; jobs: {', '.join(JOBS)}") from None


def markdown_table() -> str:
    """The jobs as a markdown table (the README's, checked by a test)."""
    lines = ["| job | what it does |", "| --- | --- |"]
    lines += [f"| [`{job.name}`](docs/{job.name}.md) | {job.summary} |" for job in JOBS.values()]
    return "\n".join(lines)
