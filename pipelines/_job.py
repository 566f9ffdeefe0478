"""A job as one object: its config class, its steps and how its runs hold their output root.

Everything else about a job is generated from its :class:`Job`: the run without Prefect
(:meth:`Job.run`), the Prefect flow (``flows``), the ``curate <job>`` subcommand and
``python -m pipelines <job>`` (options from the config's fields and their comments), and its
page under ``docs/``. Adding a job is a config class, a ``Steps`` declaration, a ``Job`` and
its line in ``pipelines/jobs.py``.
"""

from __future__ import annotations

import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from curate.io import LOCAL, RootPolicy, config_out, finished_among, holds_root, record_run
from pipelines._steps import Steps, execute


_COUNTED = ("inputs", "skipped", "pages", "rejected", "documents", "kept", "rows", "failed")


def _result_of(job: "Job", result) -> dict:
    """A run's result as a dict, whatever returned it: the local run's summary, a flow's dict, or
    the Failed state a flow returns when inputs failed (it carries the dict)."""
    if result is None:
        return {}
    if isinstance(result, dict):
        return result
    data = getattr(result, "data", None)                 # a Prefect state
    if data is not None:
        return getattr(data, "result", None) or {}
    try:
        out = job.steps.result(result)
        return out if isinstance(out, dict) else {}
    except Exception:
        return {}


@dataclass(frozen=True)
class Param:
    """A run option that is not a config setting (a flow parameter, a keyword of :meth:`Job.run`):
    it seeds the run's state under ``name``."""

    name: str
    type: Any
    default: Any
    meaning: str
    local: bool = True           # also a flag of ``curate <job>`` (False: it matters only to a flow)


@dataclass(frozen=True)
class Job:
    """One job. ``name`` is its steps' name (the module, flow, subcommand and docs page use it)."""

    config: Callable[..., Any]                 # the config class (``from_file``) or a loader function
    steps: Steps
    summary: str                                # one line: what it does
    storage: str = LOCAL                        # object storage: DIRECT, MIRRORED or LOCAL (curate.io.RootPolicy)
    shares: tuple[str, ...] = ()                # jobs whose output may share its root (curate.io.RootPolicy)
    params: tuple[Param, ...] = ()
    root: Callable[..., Any] = config_out       # (config, **params) -> the output root it holds
    around: Callable[..., Any] | None = None    # (run, config, params) -> result: runs the held run
    positional: str | None = None               # the config field given as the subcommand's arguments
    asks: Callable[[Any], bool] | None = None   # a person answers questions on this run (a flow pauses)
    hints: tuple[str, ...] = field(default=())  # next commands a finished CLI run suggests ({root})
    example: str = ""                           # a small working config (TOML), shown in its docs page and tested

    @property
    def name(self) -> str:
        return self.steps.job

    @property
    def flow_name(self) -> str:
        """Its Prefect flow's function (an attribute of ``flows.jobs``, the deployments' entrypoint)."""
        return f"{self.name.replace('-', '_')}_flow"

    @property
    def flat(self) -> bool:
        """Its config is a class whose fields are flags (not a spec file read by a loader)."""
        return isinstance(self.config, type)

    @property
    def config_class(self) -> type:
        """The class of its config (a loader function's return annotation)."""
        if self.flat:
            return self.config
        return typing.get_type_hints(self.config)["return"]

    @property
    def root_policy(self) -> RootPolicy:
        """How its runs hold their output root (curate.io.holds_root)."""
        return RootPolicy(self.name, self.storage, self.shares)

    def load_config(self, path: str | Path, **overrides) -> Any:
        """The job's config from a TOML/YAML file (unknown keys refused; ``overrides`` win)."""
        target = self.config
        return target.from_file(path, **overrides) if hasattr(target, "from_file") else target(path, **overrides)

    def held(self, body: Callable[..., Any]) -> Callable[..., Any]:
        """``body(config, **params)`` run holding the job's output root (and inside ``around``):
        what both the local run and the Prefect flow execute."""
        locked = holds_root(self.root_policy, self.root)(self._recorded(body))
        if self.around is None:
            return locked
        return lambda config, **params: self.around(locked, config, params)

    def _recorded(self, body: Callable[..., Any]) -> Callable[..., Any]:
        """``body`` that leaves a record of its run in the root (``curate status``'s "last run"):
        when, how long, how it ended, its counts. Written inside the root's hold, after the
        run's own outputs; a record that cannot be written costs the run nothing."""
        def run(config, **params):
            import os
            import time
            from datetime import datetime, timezone

            from pipelines._steps import PROGRESS

            started, t0 = datetime.now(timezone.utc).isoformat(timespec="seconds"), time.monotonic()
            outcome, result, planned = "error", None, []
            root = self.root(config, **params)

            def plan(labels: list[str]) -> None:
                # said as soon as the run knows its inputs: a run killed with -9 leaves this record,
                # and `curate status` names its inputs not done as pending
                if planned:                   # the job's own inputs (a chain's later stages plan too)
                    return
                planned[:] = labels[:100_000]
                PROGRESS.recount = lambda: finished_among(root, planned)
                record_run(root, {"job": self.name, "started": started, "outcome": "running", "pid": os.getpid(),
                                  "planned": planned})

            before, PROGRESS.on_plan = PROGRESS.on_plan, plan
            try:
                result = body(config, **params)
                outcome = "failed" if _result_of(self, result).get("failed") else "completed"
                return result
            except KeyboardInterrupt:
                outcome = "interrupted"
                raise
            finally:
                PROGRESS.on_plan = before
                counts = {k: (len(v) if isinstance(v, list) else v) for k, v in _result_of(self, result).items()
                          if k in _COUNTED and isinstance(v, (int, list))}
                try:                     # a refused run (a bad input, a setting) leaves the root untouched
                    if outcome != "error" or planned:
                        record_run(root, {"job": self.name, "started": started, "outcome": outcome,
                                          "pid": os.getpid(), "seconds": round(time.monotonic() - t0, 3),
                                          "counts": counts, "planned": planned})
                except Exception:
                    pass
        return run

    def run(self, config, *, progress: bool = False, workers: int = 1, ask: Callable | None = None,
            log: Callable[[str], Any] | None = None, **params) -> Any:
        """Run the job here (no Prefect): map steps over ``workers`` processes; returns its summary.
        ``params`` are the job's :class:`Param` values (only those given seed the state);
        ``ask`` answers its questions; ``log`` gets its progress lines (stderr with ``progress``)."""
        unknown = sorted(set(params) - {p.name for p in self.params})
        if unknown:
            raise TypeError(f"{self.name}: unknown run option(s) {', '.join(unknown)}")
        say = log or (lambda msg: print(msg, file=sys.stderr) if progress else None)
        return self.held(lambda cfg, **given: execute(self.steps, cfg, progress=progress, workers=workers,
                                                      ask=ask, _say=say, **given))(config, **params)
