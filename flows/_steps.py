"""The Prefect executor of a job's steps (``pipelines/_steps.py``): map steps become tasks
mapped on the flow's task runner (Dask), single steps become one task, hooks run in the
flow itself. Each job's flow (generated in ``flows/jobs.py``) calls :func:`run_steps`.
"""

from __future__ import annotations

from prefect import get_run_logger, task, unmapped

from curate.io import active_mirror
from flows._report import finish
from pipelines import PROGRESS, Map, Steps, context, drive as run_loop


class RetryResult(Exception):
    """A map step's result asks for a retry (e.g. an input that failed to download)."""


def _here(mirror, fn, *args):
    """``fn(*args)`` on this worker; for a mirrored job on a machine other than the flow's,
    on this machine's copy of its folder, brought up to date first and uploaded after."""
    if mirror is None or not mirror.elsewhere():
        return fn(*args)
    mirror.pull()
    result = fn(*mirror.relocate(args))
    mirror.push()
    return mirror.relocate(result, back=True)


_COUNTS = ("records", "pages", "rejected", "documents", "kept", "rows", "removed")


def outcome_line(label: str, result) -> str:
    """One input's outcome for the task run's log: ``sample.warc.gz: done: 24 records, 22 pages,
    2 rejected (1.3 s)``, or its status and one-line reason when it did not finish."""
    status = getattr(result, "status", None)
    if status is None:
        return f"{label}: finished"
    counts = ", ".join(f"{getattr(result, k)} {k}" for k in _COUNTS if isinstance(getattr(result, k, None), int))
    error = getattr(result, "error", None)
    seconds = getattr(result, "seconds", None)
    return (f"{label}: {status}" + (f": {counts}" if counts else "") + (f" ({seconds:.1f} s)" if seconds else "")
            + (f"; {' '.join(str(error).split())[:300]}" if error else ""))


@task(cache_policy=None, retry_delay_seconds=2)
def map_task(fn, config, ctx: dict, item, label: str, retry_if=None, mirror=None):
    result = _here(mirror, fn, config, ctx, item, None)
    why = retry_if(result) if retry_if else None
    if why:
        reason = f"{label}: failed: {' '.join(str(why).split())[:300]}"
        get_run_logger().warning("%s", reason)          # the task run's one line, whatever Prefect adds
        raise RetryResult(reason)
    line = outcome_line(label, result)
    failed = getattr(result, "status", None) in ("failed", "unsupported", "partial")
    (get_run_logger().warning if failed else get_run_logger().info)("%s", line)
    return result


@task(cache_policy=None, retry_delay_seconds=2)
def single_task(fn, config, state: dict, mirror=None):
    import time

    began = time.monotonic()
    result = _here(mirror, fn, config, state)
    get_run_logger().info("done in %.1f s", time.monotonic() - began)
    return result


def spread() -> bool:
    """Whether this flow's tasks may run on other machines: its task runner is a Dask cluster
    that the flow did not start itself (a LocalCluster's workers share this machine's cache)."""
    from distributed import LocalCluster
    from prefect.context import FlowRunContext

    runner = getattr(FlowRunContext.get(), "task_runner", None)
    return hasattr(runner, "address") and not isinstance(getattr(runner, "_cluster", None), LocalCluster)


def run_steps(steps: Steps, config, *, ask=None, **extra):
    """Run ``steps`` as this flow's tasks; publish the summary artifact; return the result
    (a Failed state carrying it when inputs failed, see flows/_report.py)."""
    summary = drive(steps, config, ask=ask, **extra)
    result = steps.result(summary)
    get_run_logger().info("%s", summary.format() if hasattr(summary, "format") else result)
    return finish(f"{steps.job}-summary", steps.title(config), result,
                  markdown=steps.markdown(config, summary) if steps.markdown else None)


def drive(steps: Steps, config, *, ask=None, **extra):
    """The steps' summary, each map step mapped on the flow's task runner (the loop is
    pipelines._steps.drive, shared with the local executor)."""
    log = get_run_logger()
    many = spread()
    log.info("%s: planning (%s)", steps.job, steps.title(config) or steps.job)
    mirror = active_mirror() if many else None          # a mirrored job's folder, kept in step

    def synced(run):
        """``run`` with what this machine wrote uploaded before (for tasks elsewhere) and what
        the tasks wrote elsewhere downloaded after."""
        def go(*args):
            if mirror:
                mirror.push()
            result = run(*args)
            if mirror:
                mirror.pull()
            return result
        return go

    def single(step, cfg, ctx):
        return single_task.with_options(name=f"{steps.job}: {step.name}", task_run_name=step.name,
                                        retries=step.retries).submit(step.fn, cfg, ctx, mirror).result()

    def stage(sub_steps, sub, seed):
        log.info("%s: stage %s", steps.job, sub_steps.job)
        return drive(sub_steps, sub, ask=ask, **seed)

    return run_loop(steps, config, ask=ask, **{"spread": many, **extra}, on_single=synced(single), on_stage=stage,
                    on_map=synced(lambda step, cfg, state: _map(steps, step, cfg, state, log, mirror)))


def _finished(future) -> bool:
    """Has ``future``'s task finished (asked of Dask without waiting: the run is being interrupted)?"""
    wrapped = getattr(future, "wrapped_future", None)
    return wrapped is not None and getattr(wrapped, "status", None) == "finished"


def _map(steps: Steps, step: Map, config, state: dict, log, mirror=None) -> list:
    job = steps.job
    items = step.items(config, state)
    PROGRESS.begin(steps, step, state, items)
    skipped = state.get("skipped") if PROGRESS.inputs and isinstance(state.get("skipped"), int) else 0
    log.info("%s: %d to do%s", step.name, len(items), f", {skipped} already done (skipped)" if skipped else "")
    mapped = map_task.with_options(name=f"{job}: {step.name}", task_run_name=f"{step.name} {{label}}",
                                   retries=state.get("task_retries", step.retries))
    futures = mapped.map(unmapped(step.fn), unmapped(config), unmapped(context(step, state)), items,
                         [step.label(item) for item in items], retry_if=unmapped(step.retry_if),
                         mirror=unmapped(mirror))
    out = []
    try:
        for item, future in zip(items, futures):
            future.wait()
            PROGRESS.done += 1
            log.info("%s: %d of %d done", step.name, PROGRESS.done, PROGRESS.total)
            if future.state.is_completed() or step.failed is None:
                out.append(future.result())         # raises when the step has no stand-in for failures
                continue
            error = str(future.state.message or "task failed")
            log.warning("%s %s failed after retries: %s", step.name, step.label(item), error)
            out.append(step.failed(item, error))
    except KeyboardInterrupt:                       # count what finished out of order too
        PROGRESS.done += sum(_finished(f) for f in futures[len(out) + 1:])
        raise
    return out
