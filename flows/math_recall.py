"""The iterative math recall as a Prefect flow (see pipelines/math_recall.py).

The job's steps (pipelines/math_recall) per round: one task grows the seed and trains;
scoring is mapped over the pages shards on Dask (each worker loads the model once); one task
selects and writes the domain table; the flow itself asks for decisions and writes the row.
The annotation step follows the config's policy: ``file`` and ``auto`` run unattended; ``ask``
pauses the flow run until a person resumes it with decisions (Prefect UI, or
``resume_flow_run(id, run_input={"accept": [...], "reject": [...], "by": "name"})``); a pause
that times out fails the run, and a rerun resumes at the first unfinished step.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

from prefect import flow, get_run_logger, pause_flow_run
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from curate.classify import Decision
from curate.io import config_out, holds_root
from pipelines.jobs import root_policy
from flows._steps import run_steps
from pipelines import math_recall as mr, math_score as ms


class PrefixDecisions(RunInput):
    """What a person answers when the flow pauses: prefixes marked math and not math."""

    accept: list[str] = []
    reject: list[str] = []
    by: str = "prefect"


def _ask(n: int, todo: list[dict], timeout: int) -> list[Decision]:
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


@flow(name="math-recall", log_prints=True)
@holds_root(root_policy("math-recall"), config_out)
def math_recall_flow(config: mr.RecallConfig, pause_timeout: int = 3600) -> dict:
    """Rounds of train, score (mapped on Dask), select, discover and annotate until the overlap rule."""
    ask = (lambda k, todo: _ask(k, todo, pause_timeout)) if config.policy == "ask" else None
    return run_steps(mr.STEPS, config, ask=ask, _say=get_run_logger().info)


@flow(name="math-score", log_prints=True)
@holds_root(root_policy("math-score"), config_out)
def math_score_flow(config: ms.ScoreConfig) -> dict:
    """Score new page shards with a finished round's model (mapped on Dask), then select."""
    return run_steps(ms.STEPS, config)
