"""The Dask task runner: a local cluster by default, or an existing scheduler."""

from __future__ import annotations

import os

import dask

# Extraction starts its own worker processes (hard per-page timeouts); Dask's
# worker processes are daemonic by default, and daemonic processes cannot have
# children.
dask.config.set({"distributed.worker.daemon": False,
                 # the workers we start leave Ctrl-C to the flow's process (flows/_worker.py)
                 "distributed.worker.preload": ["flows._worker"]})

DASK_ADDRESS_ENV = "CURATE_DASK_ADDRESS"


def task_runner(address: str | None = None, workers: int | None = None, memory_limit: str | None = None,
                processes: bool = True):
    """DaskTaskRunner on ``address`` (or $CURATE_DASK_ADDRESS), else on a new LocalCluster.

    ``workers`` defaults to the number of cores; each worker runs one task at a
    time (one thread), since each task already uses a process for extraction.
    """
    from prefect_dask import DaskTaskRunner

    address = address or os.environ.get(DASK_ADDRESS_ENV)
    if address:
        return DaskTaskRunner(address=address)
    kwargs = {"n_workers": workers or os.cpu_count() or 1, "threads_per_worker": 1, "processes": processes,
              "dashboard_address": None}
    if memory_limit:
        kwargs["memory_limit"] = memory_limit
    return DaskTaskRunner(cluster_class="distributed.LocalCluster", cluster_kwargs=kwargs)
