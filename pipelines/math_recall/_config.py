"""The math recall job's settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from curate.errors import FatalError
from pipelines._config import FileConfig, check_fields


POLICIES = ("file", "auto", "ask")


@dataclass(frozen=True)
class MathRecallConfig(FileConfig):
    """Settings of a recall run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"holdout": (0, 0.9), "target_precision": (0, 1), "max_fpr": (0, 1), "threshold": (0, 1), "domain_share": (0, 1), "auto_share": (0, 1), "stop_overlap": (0, 1), "max_rounds": (1, None), "batch_rows": (1, None), "seed_size": (1, None), "negatives": (1, None), "domain_min_pages": (1, None), "prefix_depth": (1, None), "dim": (1, None), "epoch": (1, None), "bucket": (1, None), "chunk_words": (1, None), "train_words": (1, None), "max_train_words": (1, None), "score_chunk_words": (1, None)}
    CHOICES: ClassVar[dict] = {"policy": POLICIES}
    PATHS: ClassVar[tuple] = ('inputs', 'out', 'prefiltered', 'seed_files', 'seed_query_root', 'tokenizer', 'annotations')            # resolved relative to a config file (the path rule)

    inputs: tuple[str, ...]                  # pages shards: files, globs, output roots
    out: str                                 # output root: round-N/ (model, selection, domains), math_selected/
    prefiltered: tuple[str, ...] = ()        # fast mode: ingest output roots (or rejected shards) whose
                                             # math_prefilter rows still count as pages of their domain
    seed_files: tuple[str, ...] = ()         # positives: Parquet/JSONL (text column), .txt/.md/.tex/.rst files or folders
    seed_query: str | None = None            # positives from SQL over seed_query_root's views (first column)
    seed_query_root: str | None = None       # output root the seed query reads
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
    lr: float | str = "auto"                 # fastText learning rate ("auto" or a number)
    word_ngrams: int = 3                     # fastText word n-grams
    min_count: int = 3                       # fastText minimum word count
    epoch: int | str = "auto"                # fastText epochs ("auto" or a number)
    bucket: int | str = "auto"               # fastText hash buckets ("auto" or a number)
    seed: int = 0                            # sampling and training seed
    score_chunk_words: int | None = 15       # a page scores as its best window of this many words (None: whole page)
    token_budget: int | None = None          # keep the top pages up to this many tokens ...
    threshold: float | str | None = "auto"   # ... and/or with at least this score; "auto": per round, the lowest
                                             # hold-out score reaching target_precision
    target_precision: float = 0.95           # auto threshold: hold-out precision to reach
    max_fpr: float = 0.01                    # ... with at most this hold-out false-positive rate (our choice:
                                             # math is a few percent of a crawl, so the negatives' tail decides)
    allow_weak_model: bool = False           # select with a model that fails validation (never for policy auto)
    tokenizer: str | None = None             # tokenizer.json path; default: approx ceil(bytes/4)
    domain_share: float = 0.10               # DeepSeekMath: >10% of a domain collected -> math domain
    domain_min_pages: int = 1                # a domain needs this many pages to be reviewed
    prefix_depth: int = 1                    # path segments of a reviewed prefix (mathoverflow.net/questions)
    annotations: str | None = None           # YAML or CSV; default <out>/annotations.yaml
    policy: str = "file"                     # file | auto (unattended) | ask (a person, CLI prompt or flow pause)
    auto_share: float = 0.7                  # auto: accept prefixes with at least this collected share ...
    auto_min_pages: int = 10                 # ... over at least this many pages (a share of 3 pages is no evidence)
    max_rounds: int = 4                      # stop after this many rounds
    stop_overlap: float = 0.98               # stop when a round's selection overlaps the last one this much
    batch_rows: int = 2_000                  # pages scored per batch
    memory_limit: str = "2GB"                # DuckDB (selection, discovery, sampling)

    def __post_init__(self):
        check_fields(self)
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
                raise FatalError(f"MathRecallConfig: {name} must be above 0")

    def train_settings(self) -> dict:
        """fastText settings as given ("auto" ones are chosen from the data at training time)."""
        return {"dim": self.dim, "lr": self.lr, "epoch": self.epoch, "bucket": self.bucket,
                "min_count": self.min_count, "word_ngrams": self.word_ngrams, "seed": self.seed}

    @property
    def annotation_file(self) -> Path:
        return Path(self.annotations) if self.annotations else Path(self.out) / "annotations.yaml"
