"""Dedup and decontamination as Prefect flows on Dask: the jobs' steps (pipelines/dedup,
pipelines/decontam.py) run by the generic executor (flows/_steps.py).

``dedup``: sketching is mapped over input shards and bucketing over key kinds
(each band, exact, url); numbering and the final clustering are single tasks
over files. Every task reads and writes files under the run's work folder and
returns small numbers, so tasks pass paths, never tables. Each step skips work
whose output exists, so a rerun after a crash or a killed worker resumes.

``decontaminate``: one task per input shard, each scanning only the benchmarks
that shard has not been scanned against.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines import decontam as dc, dedup as dd


@flow(name="dedup", log_prints=True)
@holds_root(root_policy("dedup"), config_out)
def dedup_flow(config: dd.DedupConfig, report_sample: int = 400) -> dict:
    """Exact, URL and MinHash-LSH dedup of ``config.inputs`` (see pipelines/dedup),
    then a quality report on ``report_sample`` removed pairs (0: none)."""
    return run_steps(dd.STEPS, config, report_sample=report_sample)


@flow(name="decontaminate", log_prints=True)
@holds_root(root_policy("decontaminate"), config_out)
def decontam_flow(config: dc.DecontamConfig):
    """Scan every shard against the benchmarks it has not seen yet."""
    return run_steps(dc.STEPS, config)
