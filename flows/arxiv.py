"""arXiv figure extraction as a Prefect flow: the arxiv job's steps (pipelines/arxiv.py), one
task per input (a paper or a bulk tar) on Dask."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines import arxiv as ax


@flow(name="arxiv", log_prints=True)
@holds_root(root_policy("arxiv"), config_out)
def arxiv_flow(config: ax.ArxivConfig):
    """Figure-caption pairs from every input the ledger does not list as done."""
    return run_steps(ax.STEPS, config)
