"""fastText math classifier: DeepSeekMath's hyper-parameters, one normalisation for training and scoring.

Known pitfalls of fastText 0.9.x builds handled here (../shared/docs/dependencies.md):
the input matrix is initialised in ten blocks, one per training thread, so with fewer than ten
threads the rest is whatever memory the allocator hands out (NaN, or runs that differ), and
with ten or more, Hogwild threads race (14 or 15 pages selected on identical data). We train
with one thread on memory fresh from the kernel, which is zeros (:func:`_train_fresh`): the
same data and seed give the same model, byte for byte. ``bucket`` is set explicitly (200k) because the
default makes 2 GB models at dim 256; models cannot be pickled, so callers pass a
model path and :func:`load` caches one model per process.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

LABEL_POS, LABEL_NEG = "__label__math", "__label__other"

# fastText splits on whitespace only: "$x^2$" and "x^2" would be unrelated tokens, and a formula
# one token. Spacing out TeX's punctuation and commands makes formulas a stream of shared tokens
# (\frac, {, ^, _, $) wherever they come from: LaTeX seeds, MathJax pages, markdown.
_SPACED = str.maketrans({**{c: f" {c} " for c in "{}[]()^_$=+-*/<>|,.;:!?&'\"`~#%@"}, "\\": " \\"})


def normalize(text: str | None, max_chars: int = 20_000) -> str:
    """One line, lower case, TeX punctuation spaced out, single spaces, at most ``max_chars`` of input
    (the same at training and scoring)."""
    return " ".join((text or "")[:max_chars].lower().translate(_SPACED).split())   # C-level: translate, split


@dataclass(frozen=True)
class TrainParams:
    """fastText settings; the defaults are DeepSeekMath's (use :func:`fit_params` for smaller data)."""

    dim: int = 256
    lr: float = 0.1
    word_ngrams: int = 3
    min_count: int = 3
    epoch: int = 3
    bucket: int = 200_000
    seed: int = 0


#: examples per class from which DeepSeekMath's settings apply unchanged
FULL_SCALE = 100_000
_SMALL = 5_000                    # and the size at which the small-data settings apply fully (about
                                  # 300 seed texts cut into 50-word training windows)
_SMALL_PARAMS = {"dim": 64, "lr": 0.5, "epoch": 20, "bucket": 16_384}


def fit_params(per_class: int, seed: int = 0, **given) -> tuple[TrainParams, list[str]]:
    """Settings for ``per_class`` training examples per class; ``given`` values that are not
    ``"auto"``/None are kept. Returns the settings and the names chosen automatically.

    Our choice, measured on real data (benchmarks/math_quality.py): at DeepSeekMath's settings a
    few thousand examples get so few updates that every score stays at 0.5000, and a 200k x 256
    input matrix makes a 200 MB model of mostly untouched rows. Below FULL_SCALE the settings move
    on a log scale from small-data ones (dim 64, lr 0.5, 20 epochs, 16k buckets, for <= 5,000
    examples) to DeepSeekMath's (dim 256, lr 0.1, 3 epochs, 200k buckets, from 100k)."""
    import math

    full = asdict(TrainParams())
    t = min(1.0, max(0.0, math.log(max(per_class, 1) / _SMALL) / math.log(FULL_SCALE / _SMALL)))

    def between(name: str):
        lo, hi = _SMALL_PARAMS[name], full[name]
        value = math.exp(math.log(lo) + t * (math.log(hi) - math.log(lo)))
        if name == "lr":
            return round(value, 3)
        if name in ("dim", "bucket") and t < 1:
            return 1 << round(math.log2(value))            # powers of two: sizes in steps
        return int(round(value))

    chosen, auto = {}, []
    for name in ("dim", "lr", "epoch", "bucket", "min_count", "word_ngrams"):
        value = given.get(name)
        if value is None or value == "auto":
            value = between(name) if name in _SMALL_PARAMS else full[name]
            auto.append(name)
        chosen[name] = value
    return TrainParams(**chosen, seed=seed), auto


def train(positives: list[str], negatives: list[str], path: str | Path, params: TrainParams = TrainParams()) -> Path:
    """Train on the two lists and save the model to ``path`` (atomically)."""

    rng = np.random.default_rng(params.seed)
    lines = [f"{LABEL_POS} {normalize(t)}" for t in positives] + [f"{LABEL_NEG} {normalize(t)}" for t in negatives]
    lines = [lines[i] for i in rng.permutation(len(lines))]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        data = fh.name
    try:
        tmp = path.with_name(f".{path.name}.tmp")
        _train_fresh(data, tmp, params)
        tmp.replace(path)
    finally:
        os.unlink(data)
    return path


_TRAIN = """
import json, sys
import fasttext
data, out, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
model = fasttext.train_supervised(input=data, dim=params["dim"], lr=params["lr"], wordNgrams=params["word_ngrams"],
                                  minCount=params["min_count"], epoch=params["epoch"], bucket=params["bucket"],
                                  thread=1, seed=params["seed"], verbose=0)
model.save_model(out)
"""


def _train_fresh(data: str, out: Path, params: TrainParams) -> None:
    """Train with one thread in a process of its own, whose large allocations come straight from
    the kernel (glibc's mmap threshold fixed at 64 KiB): fresh pages are zeros, so the blocks of
    the input matrix fastText leaves uninitialised with one thread start at zero, never at what
    an earlier model or library left in this process's memory (NaN, or runs that differ)."""
    import subprocess
    import sys

    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": str(1 << 16), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", _TRAIN, data, str(out), json.dumps(asdict(params))],
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
        raise RuntimeError(f"fastText training failed: {lines[-1] if lines else done.returncode}")


@lru_cache(maxsize=2)
def load(path: str):
    """The model at ``path``, loaded once per process."""
    import fasttext

    return fasttext.load_model(path)


def _chunks(text: str, words: int) -> list[str]:
    # strict windows (unlike chunk_text, which keeps a text up to 1.5x whole): a window's size
    # is part of what a score means
    w = (text or "").split()
    return [" ".join(w[i:i + words]) for i in range(0, len(w), words)] or [""]


def score(path: str | Path, texts: list[str], chunk_words: int | None = None) -> np.ndarray:
    """Probability of the math label for each text (batched fastText predict).

    With ``chunk_words`` a text scores as its best chunk of that many words: fastText averages
    every token of a text, so a long page with one dense math section would score as if
    its formulas were spread thin over the menus and code around them."""
    model = load(str(path))
    if chunk_words:
        parts = [_chunks(t, chunk_words) for t in texts]
        flat = [c for p in parts for c in p]
        starts = np.cumsum([0] + [len(p) for p in parts[:-1]]) if parts else np.zeros(0, dtype=np.int64)
        probs = score(path, flat)
        return np.maximum.reduceat(probs, starts) if len(texts) else probs
    labels, probs = model.predict([normalize(t) for t in texts], k=2)
    out = np.zeros(len(texts), dtype=np.float32)
    for i, (ls, ps) in enumerate(zip(labels, probs)):
        for label, p in zip(ls, ps):
            if label == LABEL_POS:
                out[i] = p
    return out


def _split(items: list[str], holdout: float, rng, least: int) -> tuple[list[str], list[str]]:
    """(train, hold-out): a seeded ``holdout`` share, at least min(``least``, a quarter) of a small
    class (10% of 200 texts would judge a model on 20)."""
    order = rng.permutation(len(items))
    k = max(int(round(len(items) * holdout)), min(least, len(items) // 4)) if len(items) > 1 else 0
    return [items[i] for i in order[k:]], [items[i] for i in order[:k]]


def _cut(texts: list[str], words: int, most: int) -> list[str]:
    out = []
    for text in texts:
        w = text.split()[:most]
        out += [" ".join(w[i:i + words]) for i in range(0, len(w), words) if len(w) - i >= words // 2 or i == 0]
    return out


def _repeat(items: list[str], n: int) -> list[str]:
    return (items * (n // max(len(items), 1) + 1))[:n] if items else items


def train_with_validation(positives: list[str], negatives: list[str], path: str | Path,
                          params: TrainParams | dict | None = None, holdout: float = 0.1, *,
                          threshold: float | str = "auto", target_precision: float = 0.95, max_fpr: float = 1.0,
                          chunk_words: int | None = None, train_words: int | None = None,
                          max_train_words: int = 800, **meta) -> dict:
    """Train on all but a seeded ``holdout`` share of each class, validate on it, save the model
    and a metadata record (``<model>.json``).

    ``params``: fastText settings, or a mapping of those given (the rest, and any ``"auto"``,
    chosen from the data by :func:`fit_params`; None: all chosen). Classes are balanced by
    repeating the smaller one (DeepSeekMath trains 500k vs 500k; repetition keeps scores centred
    on 0.5 without throwing away the larger class). ``threshold="auto"`` sets the operating
    threshold to the lowest hold-out score reaching ``target_precision`` with a false-positive rate
    of at most ``max_fpr``; ``chunk_words`` scores by best window (see :func:`score`).

    ``train_words``: texts are split into train and hold-out *whole*, then the training texts are
    cut into chunks of this many words (at most ``max_train_words`` of each text, so a few long
    pages do not stand for the pool). The hold-out stays whole and is scored as deployed, so
    its false-positive rate is a rate of pages, not of chunks. The record holds sizes,
    settings (and which were automatic), the operating threshold, hold-out metrics at it (see
    :func:`curate.classify.metrics`), ``weakness`` (None for a usable model), model bytes and
    training seconds."""
    import time

    from curate.classify._validate import metrics, operating_threshold, weakness

    given = None if isinstance(params, TrainParams) else dict(params or {})
    rng = np.random.default_rng((params.seed if given is None else given.get("seed", 0)) + 1)
    # more held-out negatives (they are plentiful): the false-positive rate is judged on them
    pos_train, pos_val = _split(positives, holdout, rng, 50)
    neg_train, neg_val = _split(negatives, holdout, rng, 500)
    if train_words:
        pos_train, neg_train = (_cut(texts, train_words, max_train_words) for texts in (pos_train, neg_train))
    n = max(len(pos_train), len(neg_train))
    auto: list[str] = []
    if given is not None:        # sized by the smaller class: repeating texts adds no information
        params, auto = fit_params(min(len(pos_train), len(neg_train)), **given)
    t0 = time.monotonic()
    train(_repeat(pos_train, n), _repeat(neg_train, n), path, params)
    seconds = time.monotonic() - t0
    load.cache_clear()                                # a retrained file must be reloaded
    val_scores = score(path, pos_val + neg_val, chunk_words)
    truth = np.array([1] * len(pos_val) + [0] * len(neg_val))
    chosen = (operating_threshold(val_scores, truth, target_precision, max_fpr) if threshold == "auto"
              else float(threshold))
    validation = metrics(val_scores, truth, 0.5 if chosen is None else chosen)
    validation.update(target_precision=target_precision, max_fpr=max_fpr, target_missed=chosen is None,
                      auto_threshold=threshold == "auto")
    record = {"model": str(path), "params": asdict(params), "auto_params": auto, "chunk_words": chunk_words,
              "train_words": train_words, "train": {"positives": len(pos_train), "negatives": len(neg_train), "per_class": n},
              "operating_threshold": validation["threshold"], "validation": validation,
              "weakness": weakness(validation), "model_bytes": Path(path).stat().st_size,
              "train_seconds": round(seconds, 2), **meta}
    Path(str(path) + ".json").write_text(json.dumps(record, indent=1))
    return record


def model_id(path: str | Path) -> str:
    """A short stable id of a model file: its stem and the sha1 prefix of its bytes."""
    import hashlib

    digest = hashlib.sha1()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return f"{Path(path).stem}-{digest.hexdigest()[:10]}"
