"""The iterative math recall as a Prefect flow (see pipelines/math_recall.py).

Per round: one task grows the seed and trains; scoring is mapped over the pages shards on
Dask (each worker loads the model once); one task selects and writes the domain table.
The annotation step follows the config's policy: ``file`` and ``auto`` run unattended; ``ask``
pauses the flow run until a person resumes it with decisions (Prefect UI, or
``resume_flow_run(id, run_input={"accept": [...], "reject": [...], "by": "name"})``); a pause
that times out fails the run, and a rerun resumes at the first unfinished step.
"""

# No `from __future__ import annotations` here: Prefect builds each flow's parameter model
# from its signature, and a deployment's runner imports the module under another name, where
# string annotations ("CrawlConfig") cannot be resolved (scheduled runs failed validation).

import time

from prefect import flow, get_run_logger, pause_flow_run, task, unmapped
from prefect.artifacts import create_markdown_artifact
from prefect.input import RunInput

from curate.classify import Decision
from pipelines import math_recall as mr
from pipelines import math_score as ms
from pipelines.dedup._plan import input_shards
from curate.io._lock import config_out, holds_root


class PrefixDecisions(RunInput):
    """What a person answers when the flow pauses: prefixes marked math and not math."""

    accept: list[str] = []
    reject: list[str] = []
    by: str = "prefect"


@task(retries=1, cache_policy=None, task_run_name="round {n}: seed and train")
def prepare_task(config: mr.RecallConfig, n: int, shards: list[str]) -> dict:
    record, added = mr.prepare(config, n, shards, log=get_run_logger().info)
    return {"record": record, "seed_added": added}


@task(retries=2, retry_delay_seconds=2, cache_policy=None, task_run_name="round {n}: score {shard}")
def score_task(config: mr.RecallConfig, n: int, shard: str, model_id: str) -> dict:
    from pipelines.math_recall._round import score_shard

    done = score_shard(config, n, shard, model_id)
    return {"pages": done.records, "error": done.error, "seconds": done.seconds}


@task(retries=1, cache_policy=None, task_run_name="round {n}: select and discover")
def review_task(config: mr.RecallConfig, n: int) -> list[dict]:
    return mr.review(config, n)


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
@holds_root("math-recall", config_out)
def math_recall_flow(config: mr.RecallConfig, pause_timeout: int = 3600) -> dict:
    """Rounds of train, score (mapped on Dask), select, discover and annotate until the overlap rule."""
    log = get_run_logger()
    shards = input_shards(config.inputs)
    summary = mr.RecallSummary(out=config.out)
    for n in range(1, config.max_rounds + 1):
        row = mr.finished(config, n)
        if row is None:
            t0 = time.monotonic()
            prep = prepare_task.submit(config, n, shards).result()
            model_id = prep["record"]["model_id"]
            scored = [f.result() for f in score_task.map(unmapped(config), unmapped(n), shards, unmapped(model_id))]
            mr.check_scored(n, [f"{s}: {r['error']}" for s, r in zip(shards, scored) if r["error"]])
            pages = sum(r["pages"] for r in scored)
            rows = review_task.submit(config, n).result()
            ask = (lambda k, todo: _ask(k, todo, pause_timeout)) if config.policy == "ask" else None
            decisions = mr.annotate(config, n, rows, ask)
            row = mr.finish(config, n, prep["record"], rows, decisions, prep["seed_added"], pages, t0)
            log.info("round %d: %d pages scored, %d selected (%d new), %d math domain(s)", n, pages,
                     row["selected"], row["new_selected"], row["math_domains"])
        else:
            summary.resumed += 1
        summary.rounds.append(row)
        if row["stop"] == "overlap" or n >= config.max_rounds:
            break
    summary.undecided = mr.pending_prefixes(config, summary.rounds[-1]["round"])
    create_markdown_artifact(markdown="```\n" + summary.format() + "\n```", key="math-recall-summary",
                             description=f"math recall under {config.out}")
    return {"rounds": summary.rounds, "resumed": summary.resumed,
            "undecided": [c["prefix"] for c in summary.undecided]}


@task(retries=2, retry_delay_seconds=2, cache_policy=None, task_run_name="score {shard}")
def score_new_task(config: ms.ScoreConfig, record: dict, shard: str):
    return ms.score_one(config, record, shard)          # a small completion record, not the rows


@flow(name="math-score", log_prints=True)
@holds_root("math-score", config_out)
def math_score_flow(config: ms.ScoreConfig) -> dict:
    """Score new page shards with a finished round's model (mapped on Dask), then select."""
    record = config.record()
    shards = input_shards(config.inputs)
    done = [f.result() for f in score_new_task.map(unmapped(config), unmapped(record), shards)]
    summary = ms.conclude(config, record, shards, done)
    create_markdown_artifact(markdown=summary.format(), key="math-score-summary",
                             description=f"math scoring into {config.out}")
    return {"model": summary.model, "threshold": summary.threshold, "pages": summary.pages,
            "selected": summary.selected}
