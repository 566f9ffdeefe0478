"""Fill-in-the-middle transformation of a sample (Bavarian et al. 2022; DeepSeek-Coder settings).

With probability ``rate`` a sample's text is cut at two uniform random character
positions into prefix, middle and suffix and laid out as

* PSM: ``<begin>prefix<hole>suffix<end>middle``
* SPM: ``<begin><hole>suffix<end>prefix middle`` (suffix first; prefix and middle stay
  contiguous, the variant of Bavarian et al. section 3)

The random stream is derived from the seed and the sample's key, so a sample's
FIM result does not depend on which worker handles it or in what order.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

DEEPSEEK = ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>")


@dataclass(frozen=True)
class FimResult:
    text: str                # the transformed text (the original when not transformed)
    mode: str | None         # "psm", "spm" or None
    prefix: str = ""
    middle: str = ""
    suffix: str = ""


#: below this many characters of code (path comments not counted) a sample is never made FIM:
#: our choice (neither paper sets one). An empty ``__init__.py`` is a 30-character sample whose
#: only "code" is its path comment; a hole there teaches nothing. 256 characters is about eight
#: short lines. On the shared repositories (requests, jsoup, lua: 7 component samples) it leaves
#: two whole that FIM would have cut: a 32-character ``tests/testserver/__init__.py`` and a
#: 190-character ``setup.py``.
MIN_FIM_CHARS = 256


def _outside(pos: int, protected) -> int:
    """``pos`` moved to the start of the protected span it falls strictly inside, if any."""
    for start, end in protected:
        if start < pos < end:
            return start
    return pos


def fim(text: str, key: str, *, rate: float = 0.5, spm_rate: float = 0.0, seed: int = 0,
        sentinels: tuple[str, str, str] = DEEPSEEK, protected: tuple[tuple[int, int], ...] = (),
        min_chars: int = 0) -> FimResult:
    """Apply FIM to ``text`` with probability ``rate``; ``spm_rate`` of FIM samples use SPM.
    ``protected``: (start, end) spans no cut falls inside (the path comments of a sample: the
    hole never splits a file's name); ``min_chars``: a text with fewer characters outside those
    spans is left whole. The random draws are the same with or without them."""
    rng = random.Random(int.from_bytes(hashlib.blake2b(f"{seed}\0{key}".encode(), digest_size=8).digest(), "big"))
    if not text or rng.random() >= rate:
        return FimResult(text, None)
    draws = [rng.randint(0, len(text)) for _ in range(2)]
    if len(text) - sum(end - start for start, end in protected) < min_chars:
        return FimResult(text, None)
    a, b = sorted(_outside(d, protected) for d in draws)
    prefix, middle, suffix = text[:a], text[a:b], text[b:]
    begin, hole, end = sentinels
    if rng.random() < spm_rate:
        return FimResult(f"{begin}{hole}{suffix}{end}{prefix}{middle}", "spm", prefix, middle, suffix)
    return FimResult(f"{begin}{prefix}{hole}{suffix}{end}{middle}", "psm", prefix, middle, suffix)
