"""How every flow ends: a markdown summary artifact, and an honest final state.

A flow whose inputs partly failed still finishes the other inputs, then ends ``Failed`` (so
the Prefect UI, ``curate run``'s exit code and schedules' run history say so) while keeping
its summary: :class:`InputsFailed` carries the result dict.
"""

from __future__ import annotations

import sys

from prefect.artifacts import create_markdown_artifact
from prefect.states import Failed

from pipelines import format_value


class InputsFailed(Exception):
    """Some inputs of a run failed; ``result`` is the run's summary dict (with ``failed``)."""

    def __init__(self, message: str, result: dict):
        super().__init__(message)
        self.result = result

    def __reduce__(self):                 # results are persisted: keep both arguments
        return (InputsFailed, (str(self), self.result))


def summary_markdown(title: str, result: dict, extra: list[str] | None = None) -> str:
    """``result`` as a two-column table under ``title``, then ``extra`` lines."""
    lines = [f"# {title}", "", "| | |", "| --- | --- |"]
    lines += [f"| {key} | {format_value(value)} |" for key, value in result.items() if not isinstance(value, dict)
              or len(value) <= 12]
    return "\n".join(lines + ([""] + extra if extra else []))


def run_line(title: str, result: dict, failed: bool) -> str:
    """The run in one line, for the log of ``curate serve`` (an operator's view): when it started,
    what it did, how long it took, how it ended."""
    from datetime import datetime, timezone

    from prefect.context import FlowRunContext

    ctx = FlowRunContext.get()
    run = ctx.flow_run if ctx else None
    started = getattr(run, "start_time", None) or getattr(run, "expected_start_time", None)
    seconds = (datetime.now(timezone.utc) - started).total_seconds() if started else 0.0
    counts = ", ".join(f"{k} {len(v) if isinstance(v, list) else v}" for k, v in result.items()
                       if k in ("inputs", "skipped", "pages", "rejected", "documents", "kept", "rows", "failed"))
    when = started.strftime("%Y-%m-%d %H:%M:%S") if started else "?"
    return (f"run {getattr(run, 'name', '?')} started {when}: {title}: {counts}; {seconds:.1f}s; "
            f"{'Failed' if failed else 'Completed'}")


def finish(key: str, title: str, result: dict, extra: list[str] | None = None, markdown: str | None = None):
    """Publish the run's artifact (``key``); return ``result``, or a Failed state carrying it
    when ``result["failed"]`` lists inputs."""
    create_markdown_artifact(markdown=markdown or summary_markdown(title, result, extra), key=key,
                             description=title)
    failed = result.get("failed") or []
    # straight to the process's stdout: the serving runner streams it to its log, while print()
    # under log_prints goes through Prefect's logger, silenced below WARNING without -v
    sys.__stdout__.write(run_line(title, result, bool(failed)) + "\n")
    sys.__stdout__.flush()
    if failed:
        message = f"{len(failed)} input(s) failed: {', '.join(map(str, failed[:3]))}" + (" ..." if len(failed) > 3 else "")
        return Failed(message=message, data=InputsFailed(message, result))
    return result
