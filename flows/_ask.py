"""How a flow asks a person: it pauses until someone resumes it with decisions (math recall's
``policy = "ask"``: URL path prefixes marked math or not math)."""

from __future__ import annotations

from prefect import get_run_logger, pause_flow_run
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from curate.classify import Decision


class PrefixDecisions(RunInput):
    """What a person answers when the flow pauses: prefixes marked math and not math."""

    accept: list[str] = []
    reject: list[str] = []
    by: str = "prefect"


def pause_for_decisions(n: int, todo: list[dict], timeout: int) -> list[Decision]:
    """Publish round ``n``'s candidates as an artifact, pause the run (Prefect UI, or
    ``resume_flow_run(id, run_input={"accept": [...], "reject": [...], "by": "name"})``) and
    return the answer; a pause that times out fails the run (a rerun resumes at this step)."""
    log = get_run_logger()
    lines = [f"# Round {n}: URL path prefixes awaiting a decision", "",
             "| prefix | pages | collected | share | mean score |", "| --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {c['prefix']} | {c['pages']} | {c['collected']} | {c['collected_share']:.2f} | "
              f"{c['mean_score']:.3f} |" for c in todo]
    create_markdown_artifact(markdown="\n".join(lines), key=f"math-recall-round-{n}-candidates",
                             description="prefixes to mark math / not math")
    log.info("round %d: pausing for decisions on %d prefix(es)", n, len(todo))
    answer = pause_flow_run(wait_for_input=PrefixDecisions, timeout=timeout, poll_interval=2, key=f"round-{n}")
    known = {c["prefix"] for c in todo}
    unknown = sorted(set(answer.accept + answer.reject) - known)
    if unknown:
        log.warning("decisions for prefixes that were not candidates are recorded too: %s", ", ".join(unknown))
    return ([Decision(p, True, answer.by, n) for p in answer.accept]
            + [Decision(p, False, answer.by, n) for p in answer.reject])
