"""Ingestion as a Prefect flow: the job's steps (pipelines/ingest) with one task per input
file, mapped on Dask.

The ledger under the output root is the source of truth for what is done: a
rerun after a crash or a killed worker maps only the inputs without a
completion record, so no row is missed or written twice. Prefect's result
cache is not used.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines.ingest import STEPS, IngestConfig


@flow(name="ingest", log_prints=True)
@holds_root(root_policy("ingest"), config_out)
def ingest_flow(config: IngestConfig, task_retries: int = 2):
    """Ingest every input of ``config`` that the ledger does not list as done."""
    return run_steps(STEPS, config, task_retries=task_retries)
