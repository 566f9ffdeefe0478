"""The commands that involve Prefect (imported lazily by curate.cli: the only part of curate that
imports ``flows``)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

from curate.errors import FatalError
from flows import server
from pipelines import jobs


@contextmanager
def prefect_api(start_local: bool, port: int | None = None) -> Iterator[str | None]:
    """Use $PREFECT_API_URL if set; else the server this folder started (or the only one running),
    else start one on ``port`` (default 4200) for the duration."""
    if os.environ.get("PREFECT_API_URL"):
        yield os.environ["PREFECT_API_URL"]
        return
    if not start_local:
        yield None  # ephemeral mode: fine with processes=False
        return
    port = port or server.find_port() or server.DEFAULT_PORT
    url = server.api_url(port)
    ran_before = server.healthy(url)
    if ran_before:
        print(f"using the Prefect server at {url} (runs show in its UI)")
    else:
        print(f"starting a local Prefect server on 127.0.0.1:{port} (first start on a new database takes ~30 s)...")
    url = server.start(port=port)
    os.environ.update({**server.QUIET, "PREFECT_API_URL": url})
    try:
        yield url
    finally:
        if not ran_before:
            _flush_logs()                        # the run's last lines reach the server before it stops
            server.stop(port=port)


def _flush_logs() -> None:
    """Send the log lines still queued for the Prefect API, waiting a few seconds at most."""
    try:
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=5)
    except Exception:                            # a server that went first: its lines are lost, not the run
        pass


def outcome(state) -> tuple[dict, str | None]:
    """(summary dict, failure message or None) of a finished flow run's state."""
    if state.is_completed():
        return state.result(), None
    data = state.result(raise_on_failure=False)
    from flows import InputsFailed

    if isinstance(data, InputsFailed):
        return data.result, str(data)
    from curate.errors import CurateError

    if isinstance(data, CurateError):           # a config or input mistake: one line, exit 2, as run here
        raise data
    from curate.errors import UNWRITABLE_ERRNOS

    if isinstance(data, OSError) and data.errno in UNWRITABLE_ERRNOS:
        raise data                               # curate's main says it in one line
    return {}, " ".join((state.message or f"flow run ended {state.type.value}").split())


def schedules_command(action: str, name: str | None) -> int:
    """``curate schedules [list|pause|resume|delete NAME]`` on the server of $PREFECT_API_URL."""
    if not os.environ.get("PREFECT_API_URL"):
        port = server.find_port()
        if port is None:
            raise FatalError("curate schedules needs a Prefect server: run `curate server start` and export "
                             "the PREFECT_API_URL it prints")
        os.environ["PREFECT_API_URL"] = server.api_url(port)
    if not server.healthy(os.environ["PREFECT_API_URL"]):
        raise FatalError(f"no Prefect server answers at {os.environ['PREFECT_API_URL']}")
    from flows import schedules

    if action == "list":
        rows = schedules.listing()
        if not rows:
            print("no deployments (curate serve JOB --config FILE --cron CRON creates one)")
            return 0
        head = ("deployment", "cron", "state", "late", "last run")
        table = [head] + [(s.name, s.cron, s.state, str(s.late), s.last_run) for s in rows]
        widths = [max(len(r[i]) for r in table) for i in range(len(head))]
        for r in table:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        return 0
    if not name:
        raise FatalError(f"curate schedules {action}: give the deployment's NAME (JOB/NAME; see curate schedules)")
    if action == "pause":
        print(f"paused {name}; {schedules.pause(name)} queued run(s) dropped")
    elif action == "resume":
        schedules.resume(name)
        print(f"resumed {name}: its schedule fires again (runs are taken while `curate serve` serves it)")
    else:
        schedules.delete(name)
        print(f"deleted {name} (its finished runs stay in the server's history)")
    return 0


def run_flow(job: str, config_path: str, *, dask_address=None, dask_workers=None, dask_memory=None):
    """Run one job as a Prefect flow on Dask; returns (summary, failure message or None)."""
    spec = jobs.get(job)
    config = spec.load_config(config_path)
    with prefect_api(start_local=dask_address is None):
        from flows import flow_of, task_runner

        runner = task_runner(dask_address, dask_workers, dask_memory)
        state = flow_of(job).with_options(task_runner=runner)(config, return_state=True)
        return outcome(state)


def serve(job: str, config_path: str, cron: str, name: str | None = None) -> None:
    """Serve ``job`` as deployment ``<job>/<name>`` (``name`` defaults to the job's) on ``cron``
    (blocks; needs a real server)."""
    spec = jobs.get(job)
    config = spec.load_config(config_path)       # bad settings fail here, not at the first run
    if not os.environ.get("PREFECT_API_URL"):
        raise FatalError("curate serve needs a Prefect server: run `curate server start` and export "
                         "the PREFECT_API_URL it prints")
    import asyncio

    from prefect.runner import Runner

    class _Runner(Runner):
        def handle_sigterm(self, *args, **kwargs):
            # like Ctrl-C: the runner's own exit path (Prefect's handler here left a coroutine
            # never awaited, and its queued runs behind)
            raise KeyboardInterrupt

    from flows import flow_of, schedules

    flow = flow_of(job)
    name = name or job
    deployment = f"{flow.name}/{name}"
    dropped = schedules.drop_scheduled(deployment)  # a new schedule replaces the old one's queued runs
    # pausing is ours (below), on every way out: Prefect's own pause_on_shutdown is skipped when
    # the runner is stopped by a signal, and the schedule went on creating runs nobody would take
    runner = _Runner(name=name, pause_on_shutdown=False)
    runner.add_flow(flow, name=name, cron=cron, parameters={"config": config}, paused=False)
    print(f"serving {deployment} on {cron!r}" + (f" ({dropped} queued run(s) of the old schedule dropped)"
                                                 if dropped else "")
          + "; one line per run below; Ctrl-C or SIGTERM stops, pauses the schedule and drops its queued runs",
          flush=True)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
    finally:
        import signal

        # a second Ctrl-C while we tidy up must not leave the schedule running
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            dropped = schedules.pause(deployment)
            print(f"stopped serving {deployment}: schedule paused, {dropped} queued run(s) dropped "
                  f"(resume: curate schedules resume {deployment}, or serve it again)", flush=True)
        except FatalError:                       # never deployed (the runner failed first)
            print(f"stopped serving {deployment}", flush=True)


def demo_flow(warc: str, out: str, port: int | None = None) -> tuple[dict, str | None]:
    """The demo's ingestion through Prefect on a local Dask cluster (2 process workers)."""
    with prefect_api(start_local=True, port=port):
        from flows import flow_of, task_runner
        from pipelines.ingest import IngestConfig

        state = flow_of("ingest").with_options(task_runner=task_runner(workers=2))(
            IngestConfig(sources=(warc,), out=out), return_state=True)
        return outcome(state)
