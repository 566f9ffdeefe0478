"""Training mixtures as a Prefect flow: the mix job's steps (pipelines/mix) with token
counting mapped over input shards, one selection task, routing mapped over input shards,
and one task per output shard, on Dask."""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow

from curate.io import holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines import mix
from pipelines.mix import MixSpec


@holds_root(root_policy("mix"), lambda spec, out=None: mix.output_folder(spec, out))
def _steps(spec: MixSpec, out=None):
    return run_steps(mix.STEPS, spec, out=out)


@flow(name="mix", log_prints=True)
def mixture_flow(spec: MixSpec, out: str | None = None):
    """Build ``spec`` into ``out`` (or ``spec.out``, local or ``s3://``); a finished build is
    returned as is."""
    return mix.built(lambda folder: _steps(spec, folder), spec, out)
