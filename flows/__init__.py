"""Prefect flows: orchestration only (list inputs, map tasks, collect small stats).

The work is done by ``pipelines``; flows pass paths and configs, never tables. The names in
``__all__`` load on first use (Prefect and Dask are imported only by what needs them: `curate
server status` does not)."""

import importlib

_HOME = {"InputsFailed": "flows._report", "flow_of": "flows.jobs", "task_runner": "flows._runner"}

__all__ = ["InputsFailed", "flow_of", "task_runner"]


def __getattr__(name: str):
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'flows' has no attribute {name!r}")
