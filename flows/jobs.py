"""Every registered job as a Prefect flow, generated from its :class:`pipelines.Job`.

``<job>_flow`` (``ingest_flow``, ``math_recall_flow``, ...) takes the job's config and its run
options (``Job.params``) and runs the job's steps with the executor of ``flows/_steps.py``:
map steps as tasks mapped on the flow's task runner (Dask), single steps as one task each,
holding the output root as the job's storage policy says. A job whose config asks a person
(math recall's ``policy = "ask"``) pauses the run for the answer (``flows/_ask.py``).

The flows are attributes of this module so that a deployment's runner finds them by name
(entrypoint ``flows/jobs.py:<job>_flow``). Prefect builds each flow's parameter model from the
generated signature, whose annotations are the config classes themselves (not strings, which
a runner importing this file under another module name could not resolve).
"""

from __future__ import annotations

import inspect

from prefect import Flow, flow, get_run_logger

from flows._steps import run_steps
from pipelines import Job
from pipelines.jobs import JOBS

__all__ = ["flow_of", *(job.flow_name for job in JOBS.values())]


def _signature(job: Job) -> inspect.Signature:
    kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
    return inspect.Signature([inspect.Parameter("config", kind, annotation=job.config_class)]
                             + [inspect.Parameter(p.name, kind, default=p.default, annotation=p.type)
                                for p in job.params])


def _make(job: Job) -> Flow:
    signature = _signature(job)

    def steps(config, **params):
        ask = None
        if job.asks is not None and job.asks(config):
            from flows._ask import pause_for_decisions

            timeout = params.get("pause_timeout", 3600)
            ask = lambda n, todo: pause_for_decisions(n, todo, timeout)  # noqa: E731
        # a config's own task_retries (scheduled jobs) sets the Prefect retries of its map steps
        seed = {"task_retries": config.task_retries} if hasattr(config, "task_retries") else {}
        return run_steps(job.steps, config, ask=ask, _say=get_run_logger().info, **seed, **params)

    held = job.held(steps)

    def run(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        params = dict(bound.arguments)
        return held(params.pop("config"), **params)

    run.__name__ = run.__qualname__ = job.flow_name
    run.__module__ = __name__
    run.__doc__ = f"The {job.name} job: {job.summary}."
    run.__signature__ = signature
    run.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    return flow(name=job.name, log_prints=True)(run)


def flow_of(name: str) -> Flow:
    """The flow of the job called ``name`` (a one-line error naming the jobs otherwise)."""
    from pipelines.jobs import get

    return globals()[get(name).flow_name]


globals().update({job.flow_name: _make(job) for job in JOBS.values()})
