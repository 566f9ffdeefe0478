"""Iterative math recall (DeepSeekMath section 2.1): train, score, select, discover, grow, repeat.

Round N (outputs under ``<out>/round=N/``): pages under URL prefixes accepted after round N-1
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
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Callable

from curate import classify
from curate.classify import annotations
from curate.errors import FatalError
from pipelines.math_recall import _round as step
from pipelines._common import pool_map, progress_bar
from pipelines._config import build, load_mapping, check_fields
from pipelines.dedup._plan import input_shards
from curate.io._lock import config_out, holds_root
from schemas import MATH_ROUNDS

POLICIES = ("file", "auto", "ask")


@dataclass(frozen=True)
class RecallConfig:
    """Settings of a recall run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"holdout": (0, 0.9), "target_precision": (0, 1), "max_fpr": (0, 1), "threshold": (0, 1), "domain_share": (0, 1), "auto_share": (0, 1), "stop_overlap": (0, 1), "max_rounds": (1, None), "batch_rows": (1, None), "seed_size": (1, None), "negatives": (1, None), "domain_min_pages": (1, None), "prefix_depth": (1, None), "dim": (1, None), "epoch": (1, None), "bucket": (1, None), "chunk_words": (1, None), "train_words": (1, None), "max_train_words": (1, None), "score_chunk_words": (1, None)}

    inputs: tuple[str, ...]                  # pages shards: files, globs, output roots
    out: str
    prefiltered: tuple[str, ...] = ()        # fast mode: ingest output roots (or rejected shards) whose
                                             # math_prefilter rows still count as pages of their domain
    seed_files: tuple[str, ...] = ()         # positives: Parquet/JSONL (text column), .txt/.md/.tex/.rst files or folders
    seed_query: str | None = None            # positives from SQL over seed_query_root's views (first column)
    seed_query_root: str | None = None
    seed_size: int = 500_000                 # DeepSeekMath: 500k positives ...
    negatives: int = 500_000                 # ... against 500k random pages (at most)
    negative_ratio: float = 10.0             # negative pages sampled per positive text, up to `negatives` (our choice:
                                             # a small seed learns more of the pool; classes balanced by repetition)
    negatives_skip_math_markup: bool = True  # never sample pages with math markup (has_math) as negatives
    chunk_words: int = 400                   # seed files are read as texts of this many words
    train_words: int | None = 50             # training cuts every text into windows of this many words (our
                                             # choice: short windows teach what a scored window looks like;
                                             # measured in benchmarks/math_quality.py); None: texts whole
    max_train_words: int = 800               # ... from at most this many words of each text
    holdout: float = 0.1                     # validation share of each class, per round (at least min(50, 1/4))
    # fastText: "auto" follows the data (DeepSeekMath's dim 256, lr 0.1, epoch 3, bucket 200k from 100k
    # examples per class; more epochs, a higher rate and a smaller model below); a number is used as is
    dim: int | str = "auto"
    lr: float | str = "auto"
    word_ngrams: int = 3
    min_count: int = 3
    epoch: int | str = "auto"
    bucket: int | str = "auto"
    seed: int = 0
    score_chunk_words: int | None = 15       # a page scores as its best window of this many words (None: whole page)
    token_budget: int | None = None          # keep the top pages up to this many tokens ...
    threshold: float | str | None = "auto"   # ... and/or with at least this score; "auto": per round, the lowest
                                             # hold-out score reaching target_precision
    target_precision: float = 0.95
    max_fpr: float = 0.01                    # ... with at most this hold-out false-positive rate (our choice:
                                             # math is a few percent of a crawl, so the negatives' tail decides)
    allow_weak_model: bool = False           # select with a model that fails validation (never for policy auto)
    tokenizer: str | None = None             # tokenizer.json path; default: approx ceil(bytes/4)
    domain_share: float = 0.10               # DeepSeekMath: >10% of a domain collected -> math domain
    domain_min_pages: int = 1
    prefix_depth: int = 1                    # path segments of a reviewed prefix (mathoverflow.net/questions)
    annotations: str | None = None           # YAML or CSV; default <out>/annotations.yaml
    policy: str = "file"                     # file | auto (unattended) | ask (a person, CLI prompt or flow pause)
    auto_share: float = 0.7                  # auto: accept prefixes with at least this collected share ...
    auto_min_pages: int = 10                 # ... over at least this many pages (a share of 3 pages is no evidence)
    max_rounds: int = 4
    stop_overlap: float = 0.98
    batch_rows: int = 2_000
    memory_limit: str = "2GB"                # DuckDB (selection, discovery, sampling)

    def __post_init__(self):
        check_fields(self)
        if self.policy not in POLICIES:
            raise FatalError(f"policy must be one of {', '.join(POLICIES)}, not {self.policy!r}")
        if self.token_budget is None and self.threshold is None:
            raise FatalError("set token_budget, threshold or both")
        if not self.seed_files and not self.seed_query:
            raise FatalError("set seed_files or seed_query (the positives of round 1)")
        # types and closed ranges are checked by check_fields (RANGES); what is left: "auto" as the
        # only word, and the settings that must be above zero, not just at least zero
        for name in ("threshold", "dim", "lr", "epoch", "bucket"):
            if isinstance(getattr(self, name), str) and getattr(self, name) != "auto":
                raise FatalError(f"{name} must be a number or 'auto', not {getattr(self, name)!r}")
        for name in ("target_precision", "negative_ratio", "lr"):
            if getattr(self, name) == 0:
                raise FatalError(f"RecallConfig: {name} must be above 0")

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> "RecallConfig":
        data = load_mapping(path)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return build(cls, data)

    def train_settings(self) -> dict:
        """fastText settings as given ("auto" ones are chosen from the data at training time)."""
        return {"dim": self.dim, "lr": self.lr, "epoch": self.epoch, "bucket": self.bucket,
                "min_count": self.min_count, "word_ngrams": self.word_ngrams, "seed": self.seed}

    @property
    def annotation_file(self) -> Path:
        return Path(self.annotations) if self.annotations else Path(self.out) / "annotations.yaml"


@dataclass
class RecallSummary:
    rounds: list[dict] = field(default_factory=list)
    resumed: int = 0
    undecided: list[dict] = field(default_factory=list)
    out: str = ""

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
            lines.append(f"{len(self.undecided)} candidate prefix(es) await a decision: "
                         "curate math annotate --config FILE")
        return "\n".join(lines)


def finished(config: RecallConfig, n: int) -> dict | None:
    """The summary row of round ``n`` if it finished, else None."""
    path = step.round_dir(config.out, n) / "math_rounds" / "round.parquet"
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()[0]


def candidates(rows: list[dict], decisions: dict) -> list[dict]:
    """Prefix rows of math domains without a recorded decision, best first."""
    return [r for r in rows if r["level"] == "prefix" and r["prefix"] not in decisions]


def annotate(config: RecallConfig, n: int, rows: list[dict], ask: Callable | None = None) -> dict:
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


def score_all(config: RecallConfig, n: int, shards: list[str], model_id: str, workers: int = 1,
              on_shard: Callable | None = None) -> int:
    """Score every shard (in ``workers`` processes); raises if any shard failed (reruns retry only those)."""
    pages, failed = 0, []
    for done in pool_map(step.score_shard, [(config, n, s, model_id) for s in shards], workers):
        pages += done.records
        if done.error:
            failed.append(f"{done.source}: {done.error}")
        if on_shard:
            on_shard()
    check_scored(n, failed)
    return pages


def check_scored(n: int, failed: list[str]) -> None:
    """Raise for round ``n`` if shards could not be scored (``failed``: "shard: error" lines)."""
    if failed:
        raise FatalError(f"round {n}: {len(failed)} shard(s) could not be scored (rerun retries them):\n"
                         + "\n".join(failed))


def selection_stats(config: RecallConfig, n: int) -> dict:
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


def finish(config: RecallConfig, n: int, record: dict, rows: list[dict], decisions: dict, seed_added: int,
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
    step.write_table(step.round_dir(config.out, n) / "math_rounds" / "round.parquet",
                     pa.Table.from_pylist([row], schema=MATH_ROUNDS))
    return row


@functools.lru_cache(maxsize=2)
def base_seed(config: RecallConfig) -> tuple[str, ...]:
    """Round-1 positives from ``seed_files`` and ``seed_query`` (loaded once per process)."""
    texts = classify.load_texts(config.seed_files, chunk_words=config.chunk_words) if config.seed_files else []
    if config.seed_query:
        texts += classify.query_texts(config.seed_query_root or config.out, config.seed_query)
    return tuple(texts)


def prepare(config: RecallConfig, n: int, shards: list[str], log: Callable = print) -> tuple[dict, int]:
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


def model_record(config: RecallConfig, n: int) -> dict:
    """Round ``n``'s model record (``model.bin.json``)."""
    import json

    return json.loads((step.round_dir(config.out, n) / "model.bin.json").read_text())


def review(config: RecallConfig, n: int) -> list[dict]:
    """Select round ``n``'s pages and write its domain table; returns math domains and prefixes."""
    step.select(config, n, step.operating_threshold(config, model_record(config, n)))
    return step.discover(config, n, annotations.load(config.annotation_file))


def run_round(config: RecallConfig, n: int, shards: list[str], *, workers: int = 1, ask: Callable | None = None,
              log: Callable = print, progress: bool = False) -> dict:
    """All steps of round ``n``, each skipped if already done."""
    t0 = time.monotonic()
    record, seed_added = prepare(config, n, shards, log)
    bar = progress_bar(progress, total=len(shards), unit=" shard", desc=f"round {n} score")
    t1 = time.monotonic()
    pages = score_all(config, n, shards, record["model_id"], workers, on_shard=bar.update)
    bar.close()
    log(f"round {n}: scored {pages} pages ({pages / max(time.monotonic() - t1, 1e-9):.0f} pages/s)")
    rows = review(config, n)
    decisions = annotate(config, n, rows, ask)
    row = finish(config, n, record, rows, decisions, seed_added, pages, t0)
    log(f"round {n}: selected {row['selected']} pages ({row['new_selected']} new), {row['math_domains']} math "
        f"domain(s), {row['prefixes_accepted']} prefix(es) accepted")
    return row


@holds_root("math-recall", config_out)
def run(config: RecallConfig, *, progress: bool = False, workers: int = 1, ask: Callable | None = None,
        log: Callable | None = None) -> RecallSummary:
    """Run rounds until the overlap rule or ``max_rounds`` stops the loop; finished rounds are reused."""
    log = log or (lambda msg: print(msg, file=sys.stderr) if progress else None)
    shards = input_shards(config.inputs)
    summary = RecallSummary(out=config.out)
    for n in range(1, config.max_rounds + 1):
        row = finished(config, n)
        if row is not None:
            summary.resumed += 1
        else:
            row = run_round(config, n, shards, workers=workers, ask=ask, log=log, progress=progress)
        summary.rounds.append(row)
        if row["stop"] == "overlap" or n >= config.max_rounds:
            break
    summary.undecided = pending_prefixes(config, summary.rounds[-1]["round"])
    return summary


def pending_prefixes(config: RecallConfig, n: int) -> list[dict]:
    """Candidate prefixes of round ``n`` still without a decision."""
    decisions = annotations.load(config.annotation_file)
    path = step.round_dir(config.out, n) / "math_domains" / "domains.parquet"
    return candidates(step.review_table(path, decisions), decisions)


def main(argv: list[str] | None = None) -> int:
    from pipelines._common import config_main

    return config_main(argv, "math_recall", __doc__, RecallConfig, run)


if __name__ == "__main__":
    sys.exit(main())
