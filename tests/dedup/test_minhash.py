"""Our MinHash against theory and against datasketch, the reference implementation."""

import random
from itertools import combinations

import numpy as np
import pyarrow as pa
import pytest
from datasketch import MinHash, MinHashLSH

from curate.dedup import MinHasher, Sketcher, SketchParams, band_hashes, candidate_probability, jaccard, lsh_params, ngrams, words
from tests.dedup.corpus import plant, real_texts, shingles


@pytest.fixture(scope="module")
def pairs(shared):
    """(original, planted copy, true Jaccard) at levels from 0.2 to 0.95, on real text."""
    rng = random.Random(7)
    texts = [t for t in real_texts(shared) if len(t.split()) >= 250][:60]
    levels = [0.2, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
    out = []
    for i, text in enumerate(texts[:48]):
        copy, j = plant(text, levels[i % len(levels)], rng)
        out.append((text, copy, j))
    return out


def _ours(docs, num_perm, seed=1):
    w = words(pa.array(docs))
    keys, counts, _ = ngrams(w, 5)
    return MinHasher(num_perm, seed).signatures(keys, counts)


def _datasketch(doc, num_perm, seed=1):
    m = MinHash(num_perm=num_perm, seed=seed)
    m.update_batch([" ".join(s).encode() for s in shingles(doc)])
    return m


def test_estimates_agree_with_truth_and_datasketch(pairs):
    P = 128
    ours_err, ds_err = [], []
    for a, b, j in pairs:
        sig = _ours([a, b], P)
        est = float(jaccard(sig[0], sig[1]))
        ds = _datasketch(a, P).jaccard(_datasketch(b, P))
        sd = np.sqrt(max(j * (1 - j), 0.01) / P)
        assert abs(est - j) <= 4 * sd + 0.01, (j, est)
        assert abs(est - ds) <= 4 * np.sqrt(2) * sd + 0.01, (j, est, ds)
        ours_err.append(abs(est - j))
        ds_err.append(abs(ds - j))
    # same accuracy as the reference on the same pairs (both are estimators of the same quantity)
    assert np.mean(ours_err) <= 1.5 * np.mean(ds_err) + 0.01
    assert abs(np.mean(np.array(ours_err)) - np.mean(np.array(ds_err))) < 0.03


def test_variance_matches_theory(pairs):
    """Over many seeds the estimate is unbiased with variance J(1-J)/P."""
    a, b, j = next(p for p in pairs if 0.45 < p[2] < 0.65)
    ests = np.array([float(jaccard(*_ours([a, b], 64, seed))) for seed in range(60)])
    assert abs(ests.mean() - j) < 3 * np.sqrt(j * (1 - j) / 64 / 60) + 0.01
    assert 0.6 < ests.std() / np.sqrt(j * (1 - j) / 64) < 1.5


def test_candidate_sets_agree_with_datasketch_lsh(pairs):
    docs = [d for a, b, _ in pairs for d in (a, b)]
    params = SketchParams(num_perm=112, bands=14, rows=8, seed=3)
    bands = Sketcher(params).sketch(pa.array(docs)).bands
    ours = {(i, k) for i, k in combinations(range(len(docs)), 2) if np.any(bands[i] == bands[k])}
    lsh = MinHashLSH(num_perm=112, params=(14, 8))
    sketches = [_datasketch(d, 112) for d in docs]
    for i, m in enumerate(sketches):
        lsh.insert(i, m)
    ref = {tuple(sorted((i, k))) for i, m in enumerate(sketches) for k in lsh.query(m) if k != i}
    truth = {(2 * n, 2 * n + 1): j for n, (_, _, j) in enumerate(pairs)}
    for pair, j in truth.items():
        if j >= 0.9:
            assert pair in ours and pair in ref
        if j <= 0.45:
            assert pair not in ours and pair not in ref
    # pairs that are not planted copies: neither finds them (real texts are not near-duplicates)
    assert not {p for p in ours if p not in truth}
    assert not {p for p in ref if p not in truth}
    # disagreements only where the S-curve is neither ~0 nor ~1
    for pair in ours ^ ref:
        assert 0.5 <= truth[pair] <= 0.85, truth[pair]


def test_signatures_do_not_depend_on_batching_or_window(pairs):
    docs = [pairs[0][0], "", pairs[1][1], "short text", pairs[2][0] * 20]
    w = words(pa.array(docs))
    keys, counts, _ = ngrams(w, 5)
    whole = MinHasher(64, 5).signatures(keys, counts)
    tiny_window = MinHasher(64, 5, window=37).signatures(keys, counts)
    one_by_one = np.vstack([_ours([d], 64, 5) for d in docs])
    assert np.array_equal(whole, tiny_window)
    assert np.array_equal(whole, one_by_one)
    assert np.all(whole[1] == np.uint32(0xFFFFFFFF))
    assert not np.array_equal(whole, MinHasher(64, 6).signatures(keys, counts))


def test_lsh_parameters_and_s_curve():
    b, r = lsh_params(0.72, 112)
    assert b * r <= 112
    assert abs((1 / b) ** (1 / r) - 0.72) < 0.1
    assert candidate_probability(0.95, 14, 8) > 0.999
    assert candidate_probability(0.3, 14, 8) < 0.001
    with pytest.raises(ValueError):
        band_hashes(np.zeros((2, 10), np.uint32), 3, 4)


def test_in_memory_clusters_agree_between_backends(pairs):
    from curate.dedup import near_duplicate_clusters

    docs = [d for a, b, _ in pairs for d in (a, b)] + ["", "tiny"]
    ours = near_duplicate_clusters(docs, threshold=0.8)
    ref = near_duplicate_clusters(docs, threshold=0.8, backend="datasketch")
    for n, (_, _, j) in enumerate(pairs):
        if j >= 0.9 or j <= 0.5:      # far from the threshold both backends decide the same, correctly
            assert (ours[2 * n + 1] == 2 * n) == (ref[2 * n + 1] == 2 * n) == (j >= 0.9), j
    assert ours[-2:] == [len(docs) - 2, len(docs) - 1]
    assert sum(a != b for a, b in zip(ours, ref)) <= 4
