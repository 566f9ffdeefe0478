"""Iterative math recall (DeepSeekMath section 2.1): train, score, select, discover, grow, repeat.

Round N (outputs under ``<out>/round-N/``): pages under URL prefixes accepted after round N-1
that N-1 did not collect join the seed (``math_seed``); a fastText model is trained on the seed
against random pages (``model.bin`` + ``model.bin.json``); every pages shard is scored
(``math_scores``); the top pages by score up to the token budget are selected
(``math_selected``); domains with more than ``domain_share`` of their pages collected are
math domains and their URL path prefixes are ranked for review (``math_domains``); prefixes
are then decided by the annotation file, the unattended policy or a person. The loop stops
when a round's selection overlaps the previous one by ``stop_overlap`` (DeepSeekMath: 98% in
round 4) or after ``max_rounds``. ``math_rounds`` holds one summary row per finished round;
a rerun resumes at the first unfinished step.

Run without Prefect: ``curate math recall --config recall.toml``.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from curate import classify
from curate.classify import annotations
from curate.errors import FatalError
from pipelines.math_recall import _round as step
from pipelines.math_recall._round import apply_decisions, review_table, round_dir, score_into, select_into
from curate.io import MIRRORED
from pipelines._common import write_table
from pipelines._job import Job, Param
from pipelines._steps import Hook, Map, Single, Steps
from pipelines.dedup import input_shards
from pipelines.math_recall._config import POLICIES, MathRecallConfig
from schemas import MATH_ROUNDS

__all__ = ["JOB", "POLICIES", "STEPS", "MathRecallConfig", "RecallSummary", "annotate", "apply_decisions", "candidates",
           "check_scored", "finish", "finished", "pending_prefixes", "prepare", "review", "review_table", "round_dir",
           "run", "score_into", "select_into"]

log = logging.getLogger(__name__)

@dataclass
class RecallSummary:
    rounds: list[dict] = field(default_factory=list)
    resumed: int = 0
    undecided: list[dict] = field(default_factory=list)
    out: str = ""

    def result(self) -> dict:
        """The flow's result."""
        return {"rounds": self.rounds, "resumed": self.resumed, "undecided": [c["prefix"] for c in self.undecided]}

    def format(self) -> str:
        head = ("round", "seed", "neg", "thresh", "prec", "rec", "fpr", "auc", "scored", "selected", "new", "overlap",
                "domains", "accepted", "added", "sec", "stop")
        lines = [" ".join(f"{h:>8}" for h in head)]
        for r in self.rounds:
            overlap = "-" if r["overlap_prev"] is None else f"{r['overlap_prev']:.3f}"
            cells = (r["round"], r["seed_positives"], r["negatives"], f"{r['threshold']:.3g}", f"{r['precision']:.3f}",
                     f"{r['recall']:.3f}", f"{r['fpr']:.3f}", f"{r['auc']:.3f}", r["pages_scored"], r["selected"], r["new_selected"], overlap,
                     r["math_domains"], r["prefixes_accepted"], r["seed_added"], f"{r['seconds']:.0f}", r["stop"] or "")
            lines.append(" ".join(f"{c!s:>8}" for c in cells))
        if self.resumed:
            lines.append(f"({self.resumed} finished round(s) reused)")
        if self.undecided:
            lines.append(f"{len(self.undecided)} candidate prefix(es) await a decision (math annotate)")
        return "\n".join(lines)


def finished(config: MathRecallConfig, n: int) -> dict | None:
    """The summary row of round ``n`` if it finished, else None."""
    path = step.round_dir(config.out, n) / "math_rounds" / "round.parquet"
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()[0]


def candidates(rows: list[dict], decisions: dict) -> list[dict]:
    """Prefix rows of math domains without a recorded decision, best first."""
    return [r for r in rows if r["level"] == "prefix" and r["prefix"] not in decisions]


def annotate(config: MathRecallConfig, n: int, rows: list[dict], ask: Callable | None = None) -> dict:
    """Apply the round's annotation policy; returns every decision recorded so far.

    A person is asked only when another round follows (after the last round the candidates
    stay in the review table for ``curate math annotate``)."""
    decisions = annotations.load(config.annotation_file)
    todo = candidates(rows, decisions)
    new: list[annotations.Decision] = []
    if config.policy == "auto":
        weak = model_record(config, n).get("weakness")
        if weak:       # allow_weak_model let it select; deciding prefixes from it would spread its errors
            print(f"round {n}: policy auto decides nothing: the model is weak ({weak})", file=sys.stderr)
        else:
            new = annotations.auto_decide(todo, decisions, min_share=config.auto_share,
                                          min_pages=config.auto_min_pages, round_=n)
    elif config.policy == "ask" and ask is not None and todo and selection_stats(config, n)["stop"] is None:
        new = list(ask(n, todo))
    if new:
        decisions = annotations.record(config.annotation_file, new)
    return decisions


def check_scored(n: int, failed: list[str]) -> None:
    """Raise for round ``n`` if shards could not be scored (``failed``: "shard: error" lines)."""
    if failed:
        raise FatalError(f"round {n}: {len(failed)} shard(s) could not be scored (rerun retries them):\n"
                         + "\n".join(failed))


def selection_stats(config: MathRecallConfig, n: int) -> dict:
    """Round ``n``'s selection size, tokens, new pages, overlap with round n-1 and the stop verdict."""
    import pyarrow.parquet as pq

    sel = pq.read_table(step.round_dir(config.out, n) / "math_selected" / "selected.parquet",
                        columns=["n_tokens", "new"])
    selected, new = sel.num_rows, sum(sel.column("new").to_pylist())
    overlap = None if n == 1 else (1.0 - new / selected if selected else 1.0)
    stop = None
    if overlap is not None and overlap >= config.stop_overlap:
        stop = "overlap"
    elif n >= config.max_rounds:
        stop = "max_rounds"
    return {"selected": selected, "selected_tokens": int(sum(sel.column("n_tokens").to_pylist())),
            "new_selected": new, "overlap_prev": overlap, "stop": stop}


def finish(config: MathRecallConfig, n: int, record: dict, rows: list[dict], decisions: dict, seed_added: int,
           pages: int, started: float) -> dict:
    """Write round ``n``'s summary row (the round's completion marker) and return it."""
    import pyarrow as pa

    v = record["validation"]
    row = {"round": n, "model": record["model_id"], "seed_positives": record["seed_positives"],
           "negatives": record["sampled_negatives"], "threshold": step.operating_threshold(config, record),
           "precision": v["precision"], "recall": v["recall"], "fpr": v["fpr"], "auc": v["auc"],
           "separation": v["separation"], "weak": bool(record.get("weakness")),
           "model_bytes": record["model_bytes"], "pages_scored": pages, **selection_stats(config, n),
           "math_domains": sum(1 for r in rows if r["level"] == "domain" and r["math_domain"]),
           "prefixes_accepted": sum(1 for d in decisions.values() if d.math),
           "prefixes_undecided": len(candidates(rows, decisions)), "seed_added": seed_added,
           "seconds": round(time.monotonic() - started, 2)}
    write_table(step.round_dir(config.out, n) / "math_rounds" / "round.parquet",
                     pa.Table.from_pylist([row], schema=MATH_ROUNDS))
    return row


@functools.lru_cache(maxsize=2)
def base_seed(config: MathRecallConfig) -> tuple[str, ...]:
    """Round-1 positives from ``seed_files`` and ``seed_query`` (loaded once per process)."""
    texts = classify.load_texts(config.seed_files, chunk_words=config.chunk_words) if config.seed_files else []
    if config.seed_query:
        texts += classify.query_texts(config.seed_query_root or config.out, config.seed_query)
    return tuple(texts)


def prepare(config: MathRecallConfig, n: int, shards: list[str], log: Callable = print) -> tuple[dict, int]:
    """Grow round ``n``'s seed and train its model; returns (model record, pages added to the seed)."""
    decisions = annotations.load(config.annotation_file)
    seed_added = step.grow_seed(config, n, shards, decisions)
    positives = negatives = []
    if not (step.round_dir(config.out, n) / "model.bin.json").exists():
        positives, negatives = step.training_data(config, n, shards, base_seed(config))
        log(f"round {n}: training on {len(positives)} positives ({seed_added} added), {len(negatives)} negatives")
    record = step.train_round(config, n, positives, negatives)
    log(f"round {n}: {describe_model(record)}")
    return record, seed_added


def describe_model(record: dict) -> str:
    """One line: the model's size, settings and hold-out figures at its operating threshold."""
    v, p = record["validation"], record["params"]
    auto = f" (auto: {', '.join(record['auto_params'])})" if record.get("auto_params") else ""
    return (f"model {record['model_id']} {record['model_bytes'] / 1e6:.1f} MB, dim {p['dim']} lr {p['lr']} "
            f"epoch {p['epoch']} bucket {p['bucket']}{auto}, trained in {record['train_seconds']:.1f}s; hold-out "
            f"{v['positives']}+{v['negatives']}: threshold {v['threshold']:.4g}, precision {v['precision']}, recall "
            f"{v['recall']}, false-positive rate {v['fpr']}, AUC {v['auc']}, separation {v['separation']}")


def model_record(config: MathRecallConfig, n: int) -> dict:
    """Round ``n``'s model record (``model.bin.json``)."""
    import json

    return json.loads((step.round_dir(config.out, n) / "model.bin.json").read_text())


def review(config: MathRecallConfig, n: int) -> list[dict]:
    """Select round ``n``'s pages and write its domain table; returns math domains and prefixes."""
    step.select(config, n, step.operating_threshold(config, model_record(config, n)))
    return step.discover(config, n, annotations.load(config.annotation_file))


def _start(config: MathRecallConfig, state: dict) -> dict:
    return {"shards": input_shards(config.inputs), "n": 0, "rounds": [], "resumed": 0}


def _begin(config: MathRecallConfig, state: dict, ask) -> dict:
    """Driver: the next round, and its summary row when it finished in an earlier run."""
    state["n"] += 1
    return {"n": state["n"], "row": finished(config, state["n"]), "t0": time.monotonic()}


def _todo(config: MathRecallConfig, state: dict) -> bool:
    return state["begin"]["row"] is None


def _prepare(config: MathRecallConfig, state: dict) -> dict:
    record, added = prepare(config, state["begin"]["n"], state["shards"], log=log.info)
    return {"record": record, "seed_added": added}


def _score(config: MathRecallConfig, ctx: dict, shard: str, tick):
    return step.score_shard(config, ctx["begin"]["n"], shard, ctx["prepare"]["record"]["model_id"])


def _review(config: MathRecallConfig, state: dict) -> list[dict]:
    n = state["begin"]["n"]
    check_scored(n, [f"{d.source}: {d.error}" for d in state["score"] if d.error])
    return review(config, n)


def _close(config: MathRecallConfig, state: dict, ask) -> dict:
    """Driver: decisions (from the file, the unattended rule, or ``ask``), then the round's row."""
    n, prep = state["begin"]["n"], state["prepare"]
    decisions = annotate(config, n, state["review"], ask)
    pages = sum(d.records or 0 for d in state["score"])
    row = finish(config, n, prep["record"], state["review"], decisions, prep["seed_added"], pages, state["begin"]["t0"])
    state["_say"](f"round {n}: scored {pages} pages, selected {row['selected']} ({row['new_selected']} new), "
                  f"{row['math_domains']} math domain(s), {row['prefixes_accepted']} prefix(es) accepted")
    return row


def _record(config: MathRecallConfig, state: dict, ask) -> dict:
    row = state["begin"]["row"]
    if row is None:
        row = state["close"]
    else:
        state["resumed"] += 1
    state["rounds"].append(row)
    return row


def _again(config: MathRecallConfig, state: dict) -> bool:
    return state["record"]["stop"] != "overlap" and state["n"] < config.max_rounds


def _summary(config: MathRecallConfig, state: dict) -> RecallSummary:
    summary = RecallSummary(rounds=state["rounds"], resumed=state["resumed"], out=config.out)
    summary.undecided = pending_prefixes(config, summary.rounds[-1]["round"])
    return summary


# One pass is one round; ``repeat`` goes on until the overlap rule or max_rounds.
STEPS = Steps(
    "math-recall", _start,
    (Hook("begin", _begin),
     Single("prepare", _prepare, when=_todo),
     Map("score", _score, items=lambda config, state: state["shards"], context=("begin", "prepare"),
         label=lambda shard: Path(shard).name, retries=2, unit=" shard", when=_todo),
     Single("review", _review, when=_todo),
     Hook("close", _close, when=_todo),
     Hook("record", _record)),
    _summary, result=RecallSummary.result, repeat=_again, title=lambda config: f"math recall under {config.out}",
    markdown=lambda config, summary: "```\n" + summary.format() + "\n```",
)


# With ``out`` on object storage the rounds run on a local mirror that is then published (MIRRORED).
JOB = Job(MathRecallConfig, STEPS, "DeepSeekMath's iterative math page recall (fastText rounds)", storage=MIRRORED,
          positional="inputs",
          params=(Param("pause_timeout", int, 3600, "seconds a flow waits for decisions (policy ask)", local=False),),
          asks=lambda config: config.policy == "ask",
          hints=('query "SELECT * FROM math_rounds" --root {root}',),
          example=('inputs = ["shards"]\n'
                   'out = "recall"\n'
                   'seed_files = ["seed/"]\n'
                   'policy = "auto"\n'
                   'max_rounds = 3\n'))
run = JOB.run


def pending_prefixes(config: MathRecallConfig, n: int) -> list[dict]:
    """Candidate prefixes of round ``n`` still without a decision."""
    decisions = annotations.load(config.annotation_file)
    path = step.round_dir(config.out, n) / "math_domains" / "domains.parquet"
    return candidates(step.review_table(path, decisions), decisions)
