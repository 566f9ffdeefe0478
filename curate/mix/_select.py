"""Deterministic selection of documents to a token budget, with an epoch cap."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np


@dataclass
class Selection:
    """Chosen candidates (indices into the candidate arrays) and the epoch of each pick."""

    index: np.ndarray        # int64 candidate positions
    epoch: np.ndarray        # int32 pass number (0 = first)
    tokens: int              # tokens selected
    target: int
    available: int           # tokens of all candidates (one epoch)
    epochs: float            # tokens / available
    capped: bool             # the epoch cap stopped the source short of its target

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
        return Selection(np.zeros(0, np.int64), np.zeros(0, np.int32), 0, target, available, 0.0, target > 0)
    passes = min(float(max_epochs), target / available)
    if passes > MAX_PASSES or passes * n > MAX_PICKS:
        from curate.errors import FatalError

        raise FatalError(f"source {name}: its budget needs {passes:.3g} passes over {n} documents "
                         f"({passes * n:.3g} rows); a mixture holds at most {MAX_PASSES:,} passes and "
                         f"{MAX_PICKS:,} rows: lower its tokens/share or max_epochs")
    picks, epochs = [], []
    remaining = target
    epoch = 0
    capped = False
    while remaining > 0:
        if epoch >= max_epochs:
            capped = True                                  # passes exhausted before the budget
            break
        allowed = min(1.0, max_epochs - epoch)            # a fractional cap allows part of a pass
        order = rng_for(seed, name, epoch).permutation(n)
        if remaining >= available and allowed >= 1.0:
            chosen, last = order, False
        else:
            budget = min(remaining, int(available * allowed))
            capped = budget < remaining
            chosen, last = _fill(order, tokens, budget), True
        picks.append(chosen)
        epochs.append(np.full(len(chosen), epoch, np.int32))
        remaining -= int(tokens[chosen].sum())
        epoch += 1
        if last:
            break
    index = np.concatenate(picks) if picks else np.zeros(0, np.int64)
    got = int(tokens[index].sum())
    return Selection(index.astype(np.int64), np.concatenate(epochs) if epochs else np.zeros(0, np.int32), got,
                     target, available, got / available, capped)
