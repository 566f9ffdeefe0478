"""The math classifier on real text: validation bounds, and labelled pages ranked by score."""

import csv
import json

import numpy as np
import pytest

from curate.classify import TrainParams, load_texts, metrics, score, train_with_validation
from curate.extract import Rejected, extract_html


def _pages(shared):
    rows = list(csv.DictReader((shared / "html" / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t"))
    out = []
    for r in rows:
        try:
            page = extract_html((shared / "html" / r["path"]).read_bytes())
        except Rejected:
            continue
        out.append((r["math_label"], r["path"], page["text"]))
    return out


@pytest.fixture(scope="module")
def model(shared, tmp_path_factory):
    positives = load_texts([shared / "math_text" / "positive"], chunk_words=200)
    negatives = load_texts([shared / "math_text" / "negative"], chunk_words=200)
    pages = _pages(shared)
    negatives += [t for label, _, t in pages if label == "non_math"][::2]      # half of them; the rest is held out
    path = tmp_path_factory.mktemp("model") / "math.bin"
    record = train_with_validation(positives, negatives, path, TrainParams(epoch=40, lr=0.5, min_count=1), holdout=0.2,
                                   round=1)
    return path, record, pages


def test_validation_precision_and_recall(model):
    path, record, _ = model
    v = record["validation"]
    assert v["positives"] >= 10 and v["negatives"] >= 10
    assert v["precision"] >= 0.85 and v["recall"] >= 0.85 and v["auc"] >= 0.95, v
    saved = json.loads((path.parent / "math.bin.json").read_text())
    assert saved["params"]["dim"] == 256 and saved["params"]["word_ngrams"] == 3 and saved["round"] == 1
    assert path.stat().st_size < 400 << 20                                   # bucket set explicitly


def test_labelled_math_pages_rank_above_non_math(model):
    path, _, pages = model
    held_out = [p for p in pages if p[0] == "non_math"][1::2]
    math_pages = [p for p in pages if p[0] == "math"]
    assert len(math_pages) >= 3
    s_math = score(path, [t for _, _, t in math_pages])
    s_non = score(path, [t for _, _, t in held_out])
    assert np.median(s_math) > np.percentile(s_non, 90)
    assert metrics(np.concatenate([s_math, s_non]), np.array([1] * len(s_math) + [0] * len(s_non)))["auc"] >= 0.9


def test_normalisation_is_shared_and_metrics_are_right():
    from curate.classify import normalize

    assert normalize("  Let $x^2$\n\nbe  REAL, \\frac{a}{b}.") == "let $ x ^ 2 $ be real , \\frac { a } { b } ."
    m = metrics(np.array([0.9, 0.8, 0.3, 0.2, 0.7]), np.array([1, 1, 1, 0, 0]))
    assert (m["precision"], m["recall"]) == (round(2 / 3, 4), round(2 / 3, 4))
    assert m["auc"] == pytest.approx(5 / 6, abs=1e-4)            # 5 of 6 (positive, negative) pairs ordered


def test_training_is_deterministic_on_real_text(shared, tmp_path):
    """The same data and seed give the same model, byte for byte, three times (one thread on
    zeroed memory: no Hogwild races, no uninitialised blocks), and it scores the same pages alike."""
    import hashlib

    from curate.classify import train

    positives = load_texts([shared / "math_text" / "positive"], chunk_words=200)
    negatives = load_texts([shared / "math_text" / "negative"], chunk_words=200)
    params = TrainParams(dim=32, epoch=5, lr=0.3, bucket=50_000, seed=7)
    digests, scores = set(), []
    for k in range(3):
        path = train(positives, negatives, tmp_path / f"m{k}.bin", params)
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
        scores.append(score(path, positives[:20] + negatives[:20]))
    assert len(digests) == 1
    assert np.array_equal(scores[0], scores[1]) and np.array_equal(scores[0], scores[2])
    assert not np.isnan(scores[0]).any() and scores[0][:20].mean() > scores[0][20:].mean() + 0.3
