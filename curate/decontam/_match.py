"""N-gram index over benchmark texts and the scan of document batches against it.

DeepSeek's rule (the default): a document is contaminated if it contains any
10-gram of a benchmark text; a benchmark text of 3 to 9 words must appear whole.
Texts are normalised and split into words exactly as for dedup
(curate.dedup.words), and n-grams are compared by 64-bit hashes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from curate.decontam._benchmarks import Item
from curate.dedup._text import ngrams, words


@dataclass
class Match:
    """The first matching n-gram of one (document, benchmark item) pair."""

    doc: int          # row in the scanned batch
    benchmark: str
    item: str
    part: str
    n: int
    ngram: str
    matches: int


class NgramIndex:
    """Sorted n-gram hashes per length, each pointing at benchmark items."""

    def __init__(self, items: list[Item], n: int = 10, min_words: int = 3, batch: int = 2_000):
        self.n, self.min_words = n, min_words
        self.entries: list[tuple[str, str, str]] = []
        per_len: dict[int, list[tuple[np.ndarray, np.ndarray]]] = defaultdict(list)
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            w = words(pa.array([it.text for it in chunk], pa.string()))
            counts = w.counts
            full, full_counts, _ = ngrams(w, n)
            doc_of = np.repeat(np.arange(len(chunk)), full_counts)
            long_docs = counts >= n
            sel = long_docs[doc_of]
            per_len[n].append((full[sel], start + doc_of[sel]))
            for k in np.unique(counts[(counts >= min_words) & (counts < n)]):
                docs = np.flatnonzero(counts == k)
                # the one k-gram of a k-word text is the whole text
                kh, kc, _ = ngrams(w, int(k))
                firsts = np.concatenate([[0], np.cumsum(kc)[:-1]])
                per_len[int(k)].append((kh[firsts[docs]], start + docs))
        self.entries = [(it.benchmark, it.item, it.part) for it in items]
        self.tables: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k, parts in per_len.items():
            h = np.concatenate([p[0] for p in parts])
            e = np.concatenate([p[1] for p in parts])
            order = np.lexsort((e, h))
            self.tables[k] = (h[order], e[order])

    @property
    def size(self) -> int:
        return sum(len(t[0]) for t in self.tables.values())

    def scan(self, texts: pa.Array) -> list[Match]:
        """Matches of a batch of documents, ordered by document then benchmark item."""
        w = words(texts)
        found: dict[tuple[int, int], list] = {}
        for k, (keys, entries) in sorted(self.tables.items()):
            if not len(keys):
                continue
            h, counts, first = ngrams(w, k)
            doc_of = np.repeat(np.arange(len(counts)), counts)
            real = w.counts[doc_of] >= k                      # padded n-grams of short documents never match
            lo = np.searchsorted(keys, h, side="left")
            hi = np.searchsorted(keys, h, side="right")
            for g in np.flatnonzero((hi > lo) & real):
                for e in entries[lo[g]:hi[g]]:
                    key = (int(doc_of[g]), int(e))
                    if key in found:
                        found[key][1] += 1
                    else:
                        found[key] = [(k, int(first[g])), 1]
        out = []
        for (doc, e), ((k, first_word), count) in sorted(found.items()):
            bench, item, part = self.entries[e]
            out.append(Match(doc, bench, item, part, k, w.text(first_word, first_word + k), count))
        return out
