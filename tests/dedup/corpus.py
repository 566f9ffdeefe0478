"""Real-text corpora with planted near-duplicates, for dedup and decontamination tests."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from schemas import PAGES

_WORD = re.compile(r"[^\W_]+")


def real_texts(shared: Path, min_words: int = 120, chunk_words: int = 300) -> list[str]:
    """Texts from ../shared/data/math_text: textbook chunks, Common Crawl documents, technical docs."""
    texts = []
    for tex in sorted((shared / "math_text" / "positive").rglob("*.tex")):
        words = tex.read_text(encoding="utf-8", errors="replace").split()
        texts += [" ".join(words[i:i + chunk_words]) for i in range(0, len(words), chunk_words)]
    for f in sorted((shared / "math_text" / "negative" / "dolma-cc").glob("*.jsonl")):
        texts += [json.loads(line)["text"] for line in f.read_text().splitlines() if line.strip()]
    for f in sorted((shared / "math_text" / "negative" / "requests-docs").glob("*.rst")):
        words = f.read_text(encoding="utf-8").split()
        texts += [" ".join(words[i:i + chunk_words]) for i in range(0, len(words), chunk_words)]
    return [t for t in texts if len(t.split()) >= min_words]


def shingles(text: str, n: int = 5) -> set:
    """Reference shingles, independent of curate's code: word n-grams of NFKC lower-cased text."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).lower())
    if len(words) < n:
        return {tuple(words)} if words else set()
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def jaccard(a: str, b: str, n: int = 5) -> float:
    sa, sb = shingles(a, n), shingles(b, n)
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def plant(text: str, target: float, rng: random.Random) -> tuple[str, float]:
    """A copy of ``text`` with random words replaced, at a Jaccard as close to ``target`` as possible."""
    words = text.split()
    order = list(range(len(words)))
    rng.shuffle(order)
    fresh = [f"zq{rng.randrange(10**9)}" for _ in words]

    def mutate(k: int) -> str:
        out = list(words)
        for i in order[:k]:
            out[i] = fresh[i]
        return " ".join(out)

    lo, hi = 0, len(words)
    while lo < hi:                       # smallest k whose Jaccard drops to the target or below
        mid = (lo + hi) // 2
        if jaccard(text, mutate(mid)) > target:
            lo = mid + 1
        else:
            hi = mid
    best = min((abs(jaccard(text, mutate(k)) - target), k) for k in (max(lo - 1, 0), lo))[1]
    copy = mutate(best)
    return copy, jaccard(text, copy)


def write_pages(path: Path, rows: list[dict]) -> Path:
    """A pages shard (PAGES schema) from dicts with at least id and text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=PAGES), path)
    return path
