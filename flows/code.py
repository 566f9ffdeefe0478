"""The code corpus as a Prefect flow: the code job's steps (pipelines/code.py), one task per
input (repository folder, archive or Parquet file) mapped on Dask, then the near-dedup of
all samples as one task."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines import code as cp


@flow(name="code", log_prints=True)
@holds_root(root_policy("code"), config_out)
def code_flow(config: cp.CodeConfig):
    """Order, concatenate and FIM every repository input not yet done, then dedup the samples."""
    return run_steps(cp.STEPS, config)
