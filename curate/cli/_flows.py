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
            server.stop(port=port)


def outcome(state) -> tuple[dict, str | None]:
    """(summary dict, failure message or None) of a finished flow run's state."""
    if state.is_completed():
        return state.result(), None
    data = state.result(raise_on_failure=False)
    from flows import InputsFailed

    if isinstance(data, InputsFailed):
        return data.result, str(data)
    return {}, state.message or f"flow run ended {state.type.value}"


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

    from flows import flow_of

    flow = flow_of(job)
    name = name or job
    deployment = f"{flow.name}/{name}"
    dropped = _drop_scheduled(deployment)          # a new schedule replaces the old one's queued runs
    runner = _Runner(name=name, pause_on_shutdown=True)
    runner.add_flow(flow, name=name, cron=cron, parameters={"config": config})
    print(f"serving {deployment} on {cron!r}" + (f" ({dropped} queued run(s) of the old schedule dropped)"
                                                 if dropped else "")
          + "; one line per run below; Ctrl-C or SIGTERM stops and drops the queued runs", flush=True)
    try:
        asyncio.run(runner.start())
    except KeyboardInterrupt:
        pass
    finally:
        print(f"stopped serving {deployment}: {_drop_scheduled(deployment)} queued run(s) dropped", flush=True)


def _drop_scheduled(deployment: str) -> int:
    """Delete the runs of ``deployment`` still waiting for their time (none started)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (DeploymentFilter, DeploymentFilterName, FlowRunFilter,
                                                FlowRunFilterState, FlowRunFilterStateType)
    from prefect.client.schemas.objects import StateType

    name = deployment.partition("/")[2]
    with get_client(sync_client=True) as client:
        try:
            found = client.read_deployment_by_name(deployment)
        except Exception:                        # not deployed yet
            return 0
        dropped = 0
        while True:                              # the API pages by 200 at most
            runs = client.read_flow_runs(
                deployment_filter=DeploymentFilter(name=DeploymentFilterName(any_=[name])),
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(
                    type=FlowRunFilterStateType(any_=[StateType.SCHEDULED]))), limit=200)
            runs = [r for r in runs if r.deployment_id == found.id]
            if not runs:
                return dropped
            for r in runs:
                client.delete_flow_run(r.id)
            dropped += len(runs)


def demo_flow(warc: str, out: str, port: int | None = None) -> tuple[dict, str | None]:
    """The demo's ingestion through Prefect on a local Dask cluster (2 process workers)."""
    with prefect_api(start_local=True, port=port):
        from flows import flow_of, task_runner
        from pipelines.ingest import IngestConfig

        state = flow_of("ingest").with_options(task_runner=task_runner(workers=2))(
            IngestConfig(sources=(warc,), out=out), return_state=True)
        return outcome(state)
