"""A job declared once, as its steps; the local executor that runs them.

A job is a :class:`Steps`: ``start`` plans the run (what is left to do, from the ledger),
then its steps run in order, each storing its result in the run's ``state`` under its name:

- :class:`Map`: one call per item (an input file, a shard, a key kind); the calls are
  independent, so the local executor spreads them over processes and the Prefect
  executor (``flows/_steps.py``) maps them as tasks on Dask;
- :class:`Single`: one call over files the map steps wrote (numbering, clustering);
- :class:`Hook`: runs where the run is driven, never on a worker (a question to a
  person, a pause for review): it gets the executor's ``ask`` and the whole state,
  including the driver's own keys (``_say``: a log function);
- :class:`Stage`: another job's steps, run whole as one stage (the math corpus chain).

``finish`` turns the final state into the run's summary. ``repeat`` makes the step list
a loop (math recall's rounds): after each pass it says whether to go again.

Step functions are module-level (they travel to worker processes by reference) and
return small values: rows go to shards, never through the executor.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from pipelines._common import pool_map, progress_bar, shared_pool


@dataclass(frozen=True)
class Map:
    """``fn(config, context, item, tick)`` for each of ``items(config, state)``; results in a list.

    ``context`` holds the state keys named in ``context``. ``tick`` is a progress callback
    (one call per record) when the item runs in the driving process, else None.
    ``failed(item, error)`` stands in for the result of an item whose calls all failed (the
    Prefect executor's retries), so the others go on. ``spread`` False keeps the local
    executor in one process (the step has its own worker pool).
    """

    name: str
    fn: Callable[..., Any]
    items: Callable[[Any, dict], list]
    context: tuple[str, ...] = ()             # the state keys ``fn`` reads (only these travel to workers)
    label: Callable[[Any], str] = str
    failed: Callable[[Any, str], Any] | None = None
    retry_if: Callable[[Any], str | None] | None = None   # a result worth retrying (Prefect retries)
    retries: int = 1
    spread: bool = True
    unit: str = " item"
    when: Callable[[Any, dict], bool] | None = None


@dataclass(frozen=True)
class Single:
    """``fn(config, state)`` once, when ``when(config, state)``."""

    name: str
    fn: Callable[..., Any]
    when: Callable[[Any, dict], bool] | None = None
    retries: int = 1


@dataclass(frozen=True)
class Hook:
    """``fn(config, state, ask)`` in the driving process (``ask`` is the executor's, or None)."""

    name: str
    fn: Callable[..., Any]
    when: Callable[[Any, dict], bool] | None = None


@dataclass(frozen=True)
class Stage:
    """Another job's steps as one stage of this job: ``config(config, state)`` gives the stage's
    config (None: nothing to do this time), ``seed(config, state)`` its seed state. The stage's
    summary is stored under ``name``."""

    name: str
    steps: "Steps"
    config: Callable[[Any, dict], Any]
    seed: Callable[[Any, dict], dict] | None = None
    when: Callable[[Any, dict], bool] | None = None


@dataclass(frozen=True)
class Steps:
    """A job: plan, steps, summary (see the module docstring)."""

    job: str
    start: Callable[[Any, dict], dict]        # (config, seed state) -> state; "skip": nothing to do
    steps: tuple
    finish: Callable[[Any, dict], Any]        # (config, state) -> the run's summary
    result: Callable[[Any], dict] = field(default=lambda summary: summary)   # summary -> flow result
    title: Callable[[Any], str] = field(default=lambda config: "")
    markdown: Callable[[Any, Any], str] | None = None   # (config, summary) -> the artifact
    repeat: Callable[[Any, dict], bool] | None = None

    def runs(self, step, config, state: dict) -> bool:
        """Does ``step`` run now (a skipped run runs nothing)?"""
        return not state.get("skip") and (step.when is None or step.when(config, state))


@dataclass
class Progress:
    """Where this process's run stands (the map step under way): what an interrupted command says
    in its one line. Both executors keep it current."""

    job: str = ""
    step: str = ""
    inputs: bool = True        # the step maps over the job's inputs (its first map step)
    done: int = 0
    total: int = 0
    skipped: int = 0           # inputs found done by the plan (the first map step's)
    at: str = ""               # the step running now
    #: told the labels of the inputs a run is about to do (the run's record lists them as planned)
    on_plan: Callable[[list[str]], None] | None = None
    #: how many of the planned inputs are done now, from the root's records: after an interrupt,
    #: inputs that finished while the run was being stopped (tasks on Dask) count too
    recount: Callable[[], int] | None = None

    def begin(self, steps: "Steps", step: "Map", state: dict, items: list) -> None:
        first = next((s for s in steps.steps if isinstance(s, Map)), None)
        self.job, self.step, self.inputs = steps.job, step.name, step is first
        self.skipped = 0
        if step is first:                  # the job's inputs: those the plan found done count as done
            self.skipped = state.get("skipped") if isinstance(state.get("skipped"), int) else 0
            if self.on_plan is not None:
                try:
                    self.on_plan([step.label(item) for item in items])
                except Exception:          # the record is for people: it never costs the run
                    pass
        self.done, self.total = self.skipped, self.skipped + len(items)

    def line(self) -> str:
        """``interrupted: 3 of 14 inputs done; rerun to resume`` (finished work is never redone)."""
        if not self.job:
            return "interrupted; rerun to resume"
        if self.inputs:
            done = self.done
            if self.recount is not None:
                try:
                    done = max(done, self.skipped + self.recount())
                except Exception:
                    pass
            if done >= self.total and self.at and self.at != self.step:
                return (f"interrupted in {self.job}'s {self.at} step, all {self.total} inputs done; "
                        "rerun to resume")
            return f"interrupted: {done} of {self.total} inputs done; rerun to resume"
        return f"interrupted in {self.job}'s {self.step} step ({self.done} of {self.total} done); rerun to resume"


PROGRESS = Progress()


def context(step, state: dict) -> dict:
    """What a step's function sees of the state: a map step, the keys it names; a single step,
    all but the driver's own keys (those starting with "_", such as a log function)."""
    if isinstance(step, Map):
        return {key: state[key] for key in step.context}
    return {key: value for key, value in state.items() if not key.startswith("_")}


def _call(fn, config, ctx, item):
    return fn(config, ctx, item, None)


def drive(steps: Steps, config, *, on_map, on_single, on_stage, ask=None, timings: dict | None = None,
          **extra) -> Any:
    """The one loop both executors share: plan, each step in order (``repeat`` for another
    pass), summary. The executor says how a map step, a single step and a stage run:
    ``on_map(step, config, state)``, ``on_single(step, config, context)`` and
    ``on_stage(steps, config, seed)``; hooks always run here. ``extra`` seeds the state.
    ``timings``, when given, gets the wall seconds of the plan and of each step (summed over
    passes), by name: what benchmarks/scale.py reports per step."""
    t0 = time.monotonic()
    state = dict(extra)
    state.update(steps.start(config, state))
    if timings is not None:
        timings["plan"] = timings.get("plan", 0.0) + time.monotonic() - t0
    while True:
        for step in steps.steps:
            if not steps.runs(step, config, state):
                continue
            began = time.monotonic()
            PROGRESS.at = step.name
            if isinstance(step, Map):
                state[step.name] = on_map(step, config, state)
            elif isinstance(step, Single):
                state[step.name] = on_single(step, config, context(step, state))
            elif isinstance(step, Stage):
                sub = step.config(config, state)
                seed = step.seed(config, state) if step.seed else {}
                state[step.name] = None if sub is None else on_stage(step.steps, sub, seed)
            else:
                state[step.name] = step.fn(config, state, ask)
            if timings is not None:
                timings[step.name] = timings.get(step.name, 0.0) + time.monotonic() - began
        if state.get("skip") or steps.repeat is None or not steps.repeat(config, state):
            break
    state["seconds"] = time.monotonic() - t0
    return steps.finish(config, state)


def execute(steps: Steps, config, *, workers: int = 1, progress: bool = False, ask=None,
            timings: dict | None = None, **extra) -> Any:
    """Run ``steps`` here: map steps over ``workers`` processes (one pool for the run), the rest
    in this process (``timings``: see :func:`drive`)."""
    with shared_pool(workers):
        return drive(steps, config, ask=ask, timings=timings, **extra,
                     on_map=lambda step, cfg, state: _map_here(steps, step, cfg, state, workers, progress),
                     on_single=lambda step, cfg, ctx: step.fn(cfg, ctx),
                     on_stage=lambda sub_steps, sub, seed: execute(sub_steps, sub, workers=workers,
                                                                   progress=progress, ask=ask, **seed))


def _map_here(steps: Steps, step: Map, config, state: dict, workers: int, progress: bool) -> list:
    items = step.items(config, state)
    PROGRESS.begin(steps, step, state, items)
    out = []
    if step.spread:
        bar = progress_bar(progress, total=len(items), unit=step.unit, desc=step.name)
        ctx = context(step, state)
        for result in pool_map(_call, [(step.fn, config, ctx, item) for item in items], workers):
            out.append(result)
            PROGRESS.done += 1
            bar.update()
    else:
        bar = progress_bar(progress, unit=step.unit, desc=step.name)
        for i, item in enumerate(items, 1):
            bar.set_description(f"[{i}/{len(items)}] {step.label(item)[:40]}")
            out.append(step.fn(config, context(step, state), item, bar.update if progress else None))
            PROGRESS.done += 1
    bar.close()
    return out
