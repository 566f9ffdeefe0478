"""Deployments and their schedules, as an operator sees and controls them (``curate schedules``).

A deployment is ``<job>/<name>`` (the flow is named after the job). ``curate serve`` pauses its
deployment when it stops, so no run piles up as Late behind a runner that is gone; these
functions list, pause, resume and delete deployments on the server of $PREFECT_API_URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from curate.errors import FatalError

__all__ = ["Schedule", "delete", "drop_scheduled", "listing", "pause", "resume"]


@dataclass(frozen=True)
class Schedule:
    """One deployment: its name, cron(s), whether it fires, and its last finished or running run."""

    name: str
    cron: str
    state: str                       # "active" or "paused"
    last_run: str                    # "<run name> <state> <start time>", or "-"
    late: int                        # runs past due and not started


def _client():
    from prefect.client.orchestration import get_client

    return get_client(sync_client=True)


def _find(client, name: str):
    """The deployment called ``name`` ("job/name", or a deployment name unique on the server)."""
    if "/" in name:
        try:
            return client.read_deployment_by_name(name)
        except Exception:
            pass
    else:
        hits = [d for d in client.read_deployments(limit=200) if d.name == name]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise FatalError(f"several deployments are called {name!r}: give JOB/{name}")
    known = ", ".join(sorted(_full_name(client, d) for d in client.read_deployments(limit=200))) or "none"
    raise FatalError(f"no deployment {name!r} on this server (deployments: {known})")


def _full_name(client, deployment, flows: dict | None = None) -> str:
    if flows is not None and deployment.flow_id in flows:
        return f"{flows[deployment.flow_id]}/{deployment.name}"
    return f"{client.read_flow(deployment.flow_id).name}/{deployment.name}"


def _runs(client, deployment_id, states, limit: int = 200):
    from prefect.client.schemas.filters import (FlowRunFilter, FlowRunFilterDeploymentId, FlowRunFilterState,
                                                FlowRunFilterStateType)
    from prefect.client.schemas.sorting import FlowRunSort

    return client.read_flow_runs(flow_run_filter=FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=list(states)))),
        sort=FlowRunSort.EXPECTED_START_TIME_DESC, limit=limit)


def listing() -> list[Schedule]:
    """Every deployment on the server, by name."""
    from datetime import datetime, timezone

    from prefect.client.schemas.objects import StateType

    started = (StateType.COMPLETED, StateType.FAILED, StateType.CRASHED, StateType.CANCELLED, StateType.RUNNING)
    out = []
    with _client() as client:
        deployments = client.read_deployments(limit=200)
        flows = {d.flow_id: client.read_flow(d.flow_id).name for d in deployments}
        now = datetime.now(timezone.utc)
        for d in deployments:
            crons = [getattr(s.schedule, "cron", None) or str(s.schedule) for s in d.schedules]
            active = not d.paused and any(s.active for s in d.schedules)
            last = _runs(client, d.id, started, limit=1)
            when = (last[0].start_time or last[0].expected_start_time) if last else None
            last_run = (f"{last[0].name} {last[0].state.type.value.lower()} {when:%Y-%m-%d %H:%M:%S}" if last
                        else "-")
            scheduled = _runs(client, d.id, (StateType.SCHEDULED,))
            late = sum(1 for r in scheduled if r.expected_start_time and r.expected_start_time < now)
            out.append(Schedule(_full_name(client, d, flows), ", ".join(crons) or "-",
                                "active" if active else "paused", last_run, late))
    return sorted(out, key=lambda s: s.name)


def drop_scheduled(name: str) -> int:
    """Delete the runs of deployment ``name`` still waiting for their time (none started); 0 when
    it is not deployed."""
    from prefect.client.schemas.objects import StateType

    with _client() as client:
        try:
            found = _find(client, name)
        except FatalError:
            return 0
        dropped = 0
        while True:                              # the API pages by 200 at most
            runs = _runs(client, found.id, (StateType.SCHEDULED,))
            if not runs:
                return dropped
            for run in runs:
                client.delete_flow_run(run.id)
            dropped += len(runs)


def pause(name: str) -> int:
    """Pause deployment ``name``: its schedule stops firing; returns the queued runs dropped."""
    with _client() as client:
        client.pause_deployment(_find(client, name).id)
    return drop_scheduled(name)


def resume(name: str) -> None:
    """Resume deployment ``name``: its schedule fires again from now on."""
    with _client() as client:
        client.resume_deployment(_find(client, name).id)


def delete(name: str) -> None:
    """Delete deployment ``name`` with its schedule and queued runs (finished runs stay listed)."""
    drop_scheduled(name)
    with _client() as client:
        client.delete_deployment(_find(client, name).id)
