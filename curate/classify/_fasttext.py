"""fastText math classifier: DeepSeekMath's hyper-parameters, one normalisation for training and scoring.

Known pitfalls of fastText 0.9.x builds handled here (../shared/docs/dependencies.md):
training with fewer than 11 threads leaves part of the input matrix uninitialised,
so ``thread = max(11, cpus)``; ``bucket`` is set explicitly (200k) because the
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


def normalize(text: str | None, max_chars: int = 20_000) -> str:
    """One line, lower case, single spaces, at most ``max_chars`` (the same at training and scoring)."""
    return " ".join((text or "")[:max_chars].lower().split())        # str.split: 5x a regex here


@dataclass(frozen=True)
class TrainParams:
    dim: int = 256
    lr: float = 0.1
    word_ngrams: int = 3
    min_count: int = 3
    epoch: int = 3
    bucket: int = 200_000
    seed: int = 0


def train(positives: list[str], negatives: list[str], path: str | Path, params: TrainParams = TrainParams()) -> Path:
    """Train on the two lists and save the model to ``path`` (atomically)."""
    import fasttext

    rng = np.random.default_rng(params.seed)
    lines = [f"{LABEL_POS} {normalize(t)}" for t in positives] + [f"{LABEL_NEG} {normalize(t)}" for t in negatives]
    lines = [lines[i] for i in rng.permutation(len(lines))]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        data = fh.name
    try:
        model = fasttext.train_supervised(input=data, dim=params.dim, lr=params.lr, wordNgrams=params.word_ngrams,
                                          minCount=params.min_count, epoch=params.epoch, bucket=params.bucket,
                                          thread=max(11, os.cpu_count() or 1), seed=params.seed, verbose=0)
        tmp = path.with_name(f".{path.name}.tmp")
        model.save_model(str(tmp))
        tmp.replace(path)
    finally:
        os.unlink(data)
    return path


@lru_cache(maxsize=2)
def load(path: str):
    """The model at ``path``, loaded once per process."""
    import fasttext

    return fasttext.load_model(path)


def score(path: str | Path, texts: list[str]) -> np.ndarray:
    """Probability of the math label for each text (batched fastText predict)."""
    model = load(str(path))
    labels, probs = model.predict([normalize(t) for t in texts], k=2)
    out = np.zeros(len(texts), dtype=np.float32)
    for i, (ls, ps) in enumerate(zip(labels, probs)):
        for label, p in zip(ls, ps):
            if label == LABEL_POS:
                out[i] = p
    return out


def metrics(scores: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> dict:
    """Precision, recall (at ``threshold``) and ROC AUC (rank statistic) of scores against 0/1 truth."""
    truth = truth.astype(bool)
    pred = scores >= threshold
    tp = int((pred & truth).sum())
    precision = tp / int(pred.sum()) if pred.any() else 0.0
    recall = tp / int(truth.sum()) if truth.any() else 0.0
    pos, neg = scores[truth], scores[~truth]
    if len(pos) and len(neg):
        ranks = np.argsort(np.argsort(np.concatenate([pos, neg]), kind="stable"), kind="stable") + 1
        auc = (ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    else:
        auc = float("nan")
    return {"precision": round(precision, 4), "recall": round(recall, 4), "auc": round(float(auc), 4),
            "threshold": threshold, "positives": int(truth.sum()), "negatives": int((~truth).sum())}


def train_with_validation(positives: list[str], negatives: list[str], path: str | Path,
                          params: TrainParams = TrainParams(), holdout: float = 0.1, balance: bool = True,
                          **meta) -> dict:
    """Train on all but a seeded ``holdout`` share of each class, validate on it, save the model
    and a metadata record (``<model>.json``: sizes, params, validation metrics, extra ``meta``).

    ``balance`` first samples the larger class down to the size of the smaller one (DeepSeekMath
    trains on equal numbers), which keeps scores calibrated around 0.5."""
    rng = np.random.default_rng(params.seed + 1)
    if balance and positives and negatives:
        n = min(len(positives), len(negatives))
        positives = [positives[i] for i in sorted(rng.permutation(len(positives))[:n])]
        negatives = [negatives[i] for i in sorted(rng.permutation(len(negatives))[:n])]

    def split(items):
        order = rng.permutation(len(items))
        k = max(1, int(round(len(items) * holdout))) if len(items) > 1 else 0
        return [items[i] for i in order[k:]], [items[i] for i in order[:k]]

    pos_train, pos_val = split(positives)
    neg_train, neg_val = split(negatives)
    train(pos_train, neg_train, path, params)
    val_scores = score(path, pos_val + neg_val)
    truth = np.array([1] * len(pos_val) + [0] * len(neg_val))
    load.cache_clear()                                # a retrained file must be reloaded
    record = {"model": str(path), "params": asdict(params), "train": {"positives": len(pos_train),
              "negatives": len(neg_train)}, "validation": metrics(val_scores, truth), **meta}
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
