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


def fim(text: str, key: str, *, rate: float = 0.5, spm_rate: float = 0.0, seed: int = 0,
        sentinels: tuple[str, str, str] = DEEPSEEK) -> FimResult:
    """Apply FIM to ``text`` with probability ``rate``; ``spm_rate`` of FIM samples use SPM."""
    rng = random.Random(int.from_bytes(hashlib.blake2b(f"{seed}\0{key}".encode(), digest_size=8).digest(), "big"))
    if not text or rng.random() >= rate:
        return FimResult(text, None)
    a, b = sorted(rng.randint(0, len(text)) for _ in range(2))
    prefix, middle, suffix = text[:a], text[a:b], text[b:]
    begin, hole, end = sentinels
    if rng.random() < spm_rate:
        return FimResult(f"{begin}{hole}{suffix}{end}{prefix}{middle}", "spm", prefix, middle, suffix)
    return FimResult(f"{begin}{prefix}{hole}{suffix}{end}{middle}", "psm", prefix, middle, suffix)
