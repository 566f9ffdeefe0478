"""MinHash signatures, LSH banding and the choice of bands and rows.

Hash family: each shingle is a 32-bit key ``x`` taken from a splitmix64-mixed
n-gram hash, so keys are already pseudo-random; permutation ``j`` is
``h_j(x) = (a_j * x + b_j) mod 2**32`` with random odd ``a_j`` and random
``b_j``, a bijection of the 32-bit keys. On pseudo-random keys this gives
unbiased Jaccard estimates with the textbook variance J(1-J)/num_perm
(checked in tests/dedup/test_minhash.py against datasketch and against theory),
at one 32-bit multiply, add and minimum per shingle and permutation: numpy runs
those as SIMD loops, where 64-bit multiplies would not vectorise.

Values are laid out (permutation, shingle) so the per-document minimum is a
contiguous ``minimum.reduceat``; shingles are processed in fixed-size windows
with a reused buffer, so memory stays flat however long a document is.
"""

from __future__ import annotations

import math

import numpy as np

from curate.dedup._text import U64, mix64

EMPTY = np.uint32(0xFFFFFFFF)   # signature value of a document without shingles


class MinHasher:
    """Signatures of ``num_perm`` permutations, fixed by ``seed``."""

    def __init__(self, num_perm: int = 112, seed: int = 42, window: int = 8192):
        if num_perm < 1:
            raise ValueError("num_perm must be >= 1")
        rng = np.random.default_rng(seed)
        self.num_perm, self.seed, self.window = num_perm, seed, window
        self.a = rng.integers(0, 2**32 - 1, num_perm, dtype=np.uint32, endpoint=True) | np.uint32(1)
        self.b = rng.integers(0, 2**32 - 1, num_perm, dtype=np.uint32, endpoint=True)
        self._buf = np.empty((num_perm, window), dtype=np.uint32)

    def signatures(self, keys: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """(documents, num_perm) uint32 signatures; ``counts[d]`` consecutive keys per document.

        ``keys`` are shingle hashes (uint64; their top 32 bits are the keys).
        Documents without keys get :data:`EMPTY` everywhere.
        """
        docs = len(counts)
        sig = np.full((docs, self.num_perm), EMPTY, dtype=np.uint32)
        nonempty = np.flatnonzero(counts > 0)
        if len(nonempty):
            x = (keys >> U64(32)).astype(np.uint32)
            starts = np.concatenate([[0], np.cumsum(counts[nonempty])[:-1]]).astype(np.int64)
            sig[nonempty] = self._minima(x, starts).T
        return sig

    def _minima(self, x: np.ndarray, starts: np.ndarray) -> np.ndarray:
        part = np.full((self.num_perm, len(starts)), EMPTY, dtype=np.uint32)
        a, b = self.a[:, None], self.b[:, None]
        total = len(x)
        for w0 in range(0, total, self.window):
            w1 = min(total, w0 + self.window)
            lo = int(np.searchsorted(starts, w0, side="right")) - 1   # document holding key w0
            hi = int(np.searchsorted(starts, w1, side="left"))        # documents starting before w1
            idx = np.maximum(starts[lo:hi], w0) - w0
            v = self._buf[:, : w1 - w0]
            np.multiply(a, x[None, w0:w1], out=v)
            np.add(v, b, out=v)
            mins = np.minimum.reduceat(v, idx, axis=1)
            np.minimum(part[:, lo:hi], mins, out=part[:, lo:hi])
        return part


def jaccard(sig_a: np.ndarray, sig_b: np.ndarray) -> np.ndarray:
    """Jaccard estimates: the share of equal signature values (row-wise for 2-D input)."""
    return np.mean(sig_a == sig_b, axis=-1)


def candidate_probability(s, bands: int, rows: int):
    """Probability that two documents of Jaccard ``s`` share at least one band: 1-(1-s^r)^b."""
    s = np.asarray(s, dtype=float)
    return 1.0 - (1.0 - s**rows) ** bands


def lsh_params(threshold: float, num_perm: int, fp_weight: float = 0.5, fn_weight: float = 0.5) -> tuple[int, int]:
    """(bands, rows) with bands*rows <= num_perm minimising the weighted areas of
    false positives (below ``threshold``) and false negatives (above it) under
    the S-curve, integrated numerically."""
    if not 0.0 < threshold < 1.0:
        raise ValueError("threshold must be in (0, 1)")
    best, best_cost = (1, num_perm), math.inf
    below = np.linspace(0.0, threshold, 201)
    above = np.linspace(threshold, 1.0, 201)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(candidate_probability(below, b, r), below)
            fn = np.trapezoid(1.0 - candidate_probability(above, b, r), above)
            cost = fp_weight * fp + fn_weight * fn
            if cost < best_cost - 1e-12:
                best, best_cost = (b, r), cost
    return best


def s_curve(bands: int, rows: int, points=(0.3, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)) -> list[tuple[float, float]]:
    """(Jaccard, candidate probability) pairs for a report; the 50% point is ~(1/b)^(1/r)."""
    return [(float(s), float(candidate_probability(s, bands, rows))) for s in points]


def band_hashes(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(documents, bands) uint64 hashes of each band's ``rows`` signature values."""
    if bands * rows > sig.shape[1]:
        raise ValueError(f"{bands} bands x {rows} rows needs {bands * rows} permutations, have {sig.shape[1]}")
    v = sig[:, : bands * rows].reshape(len(sig), bands, rows).astype(U64)
    h = np.zeros((len(sig), bands), dtype=U64)
    for k in range(rows):
        h = mix64(h ^ (v[:, :, k] + U64((k * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)))
    return h
