"""Prefect flows: orchestration only (list inputs, map tasks, collect small stats).

The work is done by ``pipelines``; flows pass paths and configs, never tables.
"""
