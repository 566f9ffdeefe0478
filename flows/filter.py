"""The quality filters as a Prefect flow on Dask: one task per input shard (pipelines/filter.py)."""

# No `from __future__ import annotations` here: Prefect builds the flow's parameter model from its
# signature (see flows/dedup.py).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines import filter as qf


@flow(name="filter", log_prints=True)
@holds_root(root_policy("filter"), config_out)
def filter_flow(config: qf.FilterConfig) -> dict:
    """Judge every page shard not yet judged with these settings."""
    return run_steps(qf.STEPS, config)
