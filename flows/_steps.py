"""The Prefect executor of a job's steps (``pipelines/_steps.py``): map steps become tasks
mapped on the flow's task runner (Dask), single steps become one task, hooks run in the
flow itself. Each job's flow is a typed wrapper around :func:`run_steps`, so that Prefect
builds the deployment's parameter model from the job's config class.
"""

from __future__ import annotations

import time

from prefect import get_run_logger, task, unmapped

from flows._report import finish
from pipelines._steps import Map, Single, Stage, Steps, context


class RetryResult(Exception):
    """A map step's result asks for a retry (e.g. an input that failed to download)."""


@task(cache_policy=None, retry_delay_seconds=2)
def map_task(fn, config, ctx: dict, item, label: str, retry_if=None):
    result = fn(config, ctx, item, None)
    why = retry_if(result) if retry_if else None
    if why:
        raise RetryResult(f"{label}: {why}")
    return result


@task(cache_policy=None, retry_delay_seconds=2)
def single_task(fn, config, state: dict):
    return fn(config, state)


def run_steps(steps: Steps, config, *, ask=None, **extra):
    """Run ``steps`` as this flow's tasks; publish the summary artifact; return the result
    (a Failed state carrying it when inputs failed, see flows/_report.py)."""
    summary = drive(steps, config, ask=ask, **extra)
    result = steps.result(summary)
    get_run_logger().info("%s", summary.format() if hasattr(summary, "format") else result)
    return finish(f"{steps.job}-summary", steps.title(config), result,
                  markdown=steps.markdown(config, summary) if steps.markdown else None)


def drive(steps: Steps, config, *, ask=None, **extra):
    """The steps' summary, each map step mapped on the flow's task runner."""
    log = get_run_logger()
    t0 = time.monotonic()
    state = dict(extra)
    state.update(steps.start(config, state))
    while True:
        for step in steps.steps:
            if not steps.runs(step, config, state):
                continue
            if isinstance(step, Map):
                state[step.name] = _map(steps.job, step, config, state, log)
            elif isinstance(step, Single):
                state[step.name] = single_task.with_options(
                    name=f"{steps.job}: {step.name}", task_run_name=step.name, retries=step.retries,
                ).submit(step.fn, config, context(step, state)).result()
            elif isinstance(step, Stage):
                sub = step.config(config, state)
                seed = step.seed(config, state) if step.seed else {}
                log.info("%s: stage %s%s", steps.job, step.name, "" if sub is not None else " (nothing to do)")
                state[step.name] = None if sub is None else drive(step.steps, sub, ask=ask, **seed)
            else:
                state[step.name] = step.fn(config, state, ask)
        if state.get("skip") or steps.repeat is None or not steps.repeat(config, state):
            break
    state["seconds"] = time.monotonic() - t0
    return steps.finish(config, state)


def _map(job: str, step: Map, config, state: dict, log) -> list:
    items = step.items(config, state)
    mapped = map_task.with_options(name=f"{job}: {step.name}", task_run_name=f"{step.name} {{label}}",
                                   retries=state.get("task_retries", step.retries))
    futures = mapped.map(unmapped(step.fn), unmapped(config), unmapped(context(step, state)), items,
                         [step.label(item) for item in items], retry_if=unmapped(step.retry_if))
    out = []
    for item, future in zip(items, futures):
        future.wait()
        if future.state.is_completed() or step.failed is None:
            out.append(future.result())         # raises when the step has no stand-in for failures
            continue
        error = str(future.state.message or "task failed")
        log.warning("%s %s failed after retries: %s", step.name, step.label(item), error)
        out.append(step.failed(item, error))
    return out
