"""The math corpus chain as one Prefect flow (pipelines/math_corpus.py): ingest, score, dedup,
decontaminate and mix for the next files of a crawl, each stage's map steps on Dask.
One deployment and one cron schedule the whole chain:
``curate serve math-corpus --config corpus.toml --cron "0 4 * * *"``."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines.math_corpus import STEPS, MathCorpusConfig

__all__ = ["MathCorpusConfig", "math_corpus_flow"]


@flow(name="math-corpus", log_prints=True)
@holds_root(root_policy("math-corpus"), config_out)
def math_corpus_flow(config: MathCorpusConfig):
    """One run of the chain for the next ``max_files`` files of the configured crawls."""
    return run_steps(STEPS, config, task_retries=config.task_retries)
