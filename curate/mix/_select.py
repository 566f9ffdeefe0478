"""Deterministic selection of documents to a token budget, with an epoch cap."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


@dataclass
class Selection:
    """Chosen candidates: ``whole`` full passes over every candidate, then the candidates in
    ``partial`` (sorted positions) once more, in pass number ``whole``. Compact whatever the
    number of passes: nothing is held per pass."""

    whole: int               # full passes (epochs 0 .. whole-1 take every candidate)
    partial: np.ndarray      # int64 sorted candidate positions of the last, partial pass
    tokens: int              # tokens selected
    target: int
    available: int           # tokens of all candidates (one epoch)
    epochs: float            # tokens / available
    capped: bool             # the epoch cap stopped the source short of its target
    n: int = 0               # candidates

    def counts(self) -> np.ndarray:
        """Copies of each candidate (``whole``, plus one for those in ``partial``)."""
        out = np.full(self.n, self.whole, np.int32)
        out[self.partial] += 1
        return out

    @property
    def index(self) -> np.ndarray:
        """Every pick's candidate position, pass by pass (materialised: for tests and small sources)."""
        return np.concatenate([np.arange(self.n, dtype=np.int64)] * self.whole + [self.partial]) \
            if self.n else np.zeros(0, np.int64)

    @property
    def epoch(self) -> np.ndarray:
        """The pass of each pick of :attr:`index`."""
        return np.concatenate([np.full(self.n, e, np.int32) for e in range(self.whole)]
                              + [np.full(len(self.partial), self.whole, np.int32)])

    @property
    def short_by(self) -> int:
        """Tokens missing from the target, beyond half a percent of it (a gap of one document's
        granularity is the target met; a third of it missing is not)."""
        missing = self.target - self.tokens
        return missing if missing > max(1, self.target * 0.005) else 0

    @property
    def short_reason(self) -> str | None:
        """Why the target was missed: the epoch cap, or documents too large for the gap left."""
        if not self.short_by:
            return None
        return "epoch cap" if self.capped else "no document small enough for the rest of the budget"


# What one plan may hold (our choice). The plan keeps every pick in memory (about 50 bytes each),
# so these bound a mixture's memory whatever its budget or epoch cap: a source of six documents
# with max_epochs 1e15 and a budget of 1e18 tokens is refused in one line, not looped over.
MAX_PICKS = 200_000_000
MAX_PASSES = 100_000


def rng_for(seed: int, *parts) -> np.random.Generator:
    """A generator keyed by the seed and names (stable across runs and machines)."""
    return np.random.default_rng([seed] + [zlib.crc32(str(p).encode()) for p in parts])


def _fill(order: np.ndarray, tokens: np.ndarray, budget: int) -> np.ndarray:
    """The longest prefix of ``order`` within ``budget``, then later documents that still fit
    (in order) until the gap is under 0.05% of the budget: lands on the budget to about one
    small document, never above it."""
    cum = np.cumsum(tokens[order])
    k = int(np.searchsorted(cum, budget, side="right"))    # cum[k-1] <= budget < cum[k]
    gap = budget - (int(cum[k - 1]) if k else 0)
    rest = order[k:]
    extra = []
    for i in rest[tokens[rest] <= gap]:
        if gap <= budget * 0.0005:
            break
        t = int(tokens[i])
        if t <= gap:
            extra.append(i)
            gap -= t
    return np.concatenate([order[:k], np.array(extra, dtype=order.dtype)])


def select(tokens: np.ndarray, target: int, max_epochs: float, seed: int, name: str) -> Selection:
    """Whole passes over the candidates while the target allows (at most ``max_epochs``),
    then part of one more pass in seeded random order, filled up to the target (:func:`_fill`)."""
    available = int(tokens.sum())
    n = len(tokens)
    if n == 0 or available == 0 or target <= 0:
        return Selection(0, np.zeros(0, np.int64), 0, target, available, 0.0, target > 0, n)
    passes = min(float(max_epochs), target / available)
    if passes > MAX_PASSES or passes * n > MAX_PICKS:
        from curate.errors import FatalError

        raise FatalError(f"source {name}: its budget needs {passes:.3g} passes over {n} documents "
                         f"({passes * n:.3g} rows); a mixture holds at most {MAX_PASSES:,} passes and "
                         f"{MAX_PICKS:,} rows: lower its tokens/share or max_epochs")
    # whole passes: as many as the budget and the cap both allow (computed, not looped)
    whole = int(min(target // available, int(max_epochs)))
    remaining = target - whole * available
    allowed = min(1.0, max_epochs - whole)                  # a fractional cap allows part of a pass
    partial = np.zeros(0, np.int64)
    capped = whole >= max_epochs and remaining > 0
    if remaining > 0 and allowed > 0:
        budget = min(remaining, int(available * allowed))
        capped = budget < remaining
        order = rng_for(seed, name, whole).permutation(n)
        mask = np.zeros(n, bool)
        mask[_fill(order, tokens, budget)] = True
        partial = np.flatnonzero(mask).astype(np.int64)         # sorted, in linear time
    got = whole * available + int(tokens[partial].sum())
    return Selection(whole, partial, got, target, available, got / available, capped, n)
