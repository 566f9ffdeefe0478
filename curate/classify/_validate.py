"""Hold-out validation of a math model: metrics at a threshold, the operating threshold, weakness.

A model can rank a hold-out perfectly (AUC 1.0) while every score sits within 0.0001 of 0.5:
too few updates leave fastText at its initial state, and the smallest bias decides the order.
Such a model selects almost every page at 0.5. So validation reports the spread of scores and
metrics at the threshold that will actually be used, and :func:`weakness` names what makes a
model unusable before anything is selected with it.
"""

from __future__ import annotations

import numpy as np

#: weakness rules (our choice, see the README's "Reading the validation figures")
MIN_PRECISION = 0.8        # at the operating threshold, on the hold-out
MIN_SEPARATION = 0.2       # median positive score minus median negative score
MIN_AUC = 0.9


def auc(scores: np.ndarray, truth: np.ndarray) -> float:
    """ROC AUC as the rank statistic (ties count half)."""
    truth = truth.astype(bool)
    n_pos, n_neg = int(truth.sum()), int((~truth).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(scores, kind="stable")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    if (counts > 1).any():                          # average ranks over ties
        sums = np.bincount(inverse, weights=ranks)
        ranks = (sums / counts)[inverse]
    return float((ranks[truth].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _quantiles(values: np.ndarray) -> list[float]:
    if not len(values):
        return []
    return [round(float(q), 4) for q in np.quantile(values, [0.05, 0.25, 0.5, 0.75, 0.95])]


def metrics(scores: np.ndarray, truth: np.ndarray, threshold: float = 0.5) -> dict:
    """Precision, recall and false-positive rate at ``threshold``, ROC AUC, and the spread of scores
    (5/25/50/75/95th percentiles per class, separation of the class medians)."""
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth).astype(bool)
    pred = scores >= threshold
    tp, fp = int((pred & truth).sum()), int((pred & ~truth).sum())
    n_pos, n_neg = int(truth.sum()), int((~truth).sum())
    pos, neg = scores[truth], scores[~truth]
    separation = float(np.median(pos) - np.median(neg)) if n_pos and n_neg else float("nan")
    return {"threshold": round(float(threshold), 6),
            "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
            "recall": round(tp / n_pos, 4) if n_pos else 0.0,
            "fpr": round(fp / n_neg, 4) if n_neg else 0.0,
            "auc": round(auc(scores, truth), 4), "positives": n_pos, "negatives": n_neg,
            "separation": round(separation, 4),
            "spread": {"positives": _quantiles(pos), "negatives": _quantiles(neg)}}


def operating_threshold(scores: np.ndarray, truth: np.ndarray, target_precision: float = 0.95,
                        max_fpr: float = 1.0) -> float | None:
    """The lowest score whose selection (scores >= it) reaches ``target_precision`` with a false-positive
    rate of at most ``max_fpr``; None if none does.

    Lowest, because every higher threshold loses recall; a threshold at a hold-out score, so the
    selection it describes is exactly the one measured. ``max_fpr`` matters where precision cannot:
    a balanced hold-out that separates perfectly reaches any precision at its lowest positive, while
    in a crawl, where math is a few percent, the negatives' tail decides what is selected."""
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth).astype(bool)
    if not truth.any():
        return None
    order = np.argsort(-scores, kind="stable")
    s, t = scores[order], truth[order]
    tp, n = np.cumsum(t), np.arange(1, len(s) + 1)
    fp = n - tp
    last = np.r_[s[1:] != s[:-1], True]              # a cut only between distinct scores
    allowed = np.ceil(max_fpr * int((~truth).sum()) - 1e-9)    # whole negatives: 1 of 81 at 1%, 2 of 200
    ok = (tp / n >= target_precision) & (fp <= allowed) & last & (tp > 0)
    if not ok.any():
        return None
    return float(s[np.flatnonzero(ok)[-1]])


def weakness(validation: dict) -> str | None:
    """Why a model's hold-out figures make it unusable, or None. One sentence, naming the fix."""
    fixes = ("add seed texts (a few hundred at least), add pages to the inputs, or check that the seed "
             "is math and the inputs are not")
    if validation.get("positives", 0) < 10 or validation.get("negatives", 0) < 10:
        return (f"the hold-out has {validation.get('positives', 0)} positives and {validation.get('negatives', 0)} "
                f"negatives (need 10 of each to judge the model): {fixes}")
    if validation.get("target_missed"):
        return (f"no threshold reaches precision {validation['target_precision']} with a false-positive rate of at "
                f"most {validation.get('max_fpr', 1.0)} on the hold-out "
                f"(AUC {validation['auc']}): {fixes}, or lower target_precision")
    if not validation["separation"] >= MIN_SEPARATION:
        return (f"scores barely move: the median positive scores only {validation['separation']} above the median "
                f"negative (need {MIN_SEPARATION}): train longer (epoch, lr) or {fixes}")
    if not validation["auc"] >= MIN_AUC:
        return f"hold-out AUC {validation['auc']} is below {MIN_AUC}: {fixes}"
    if validation["precision"] < MIN_PRECISION:
        return (f"precision {validation['precision']} at threshold {validation['threshold']} is below "
                f"{MIN_PRECISION}: raise the threshold or {fixes}")
    return None
