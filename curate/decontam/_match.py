"""N-gram index over benchmark texts and the scan of document batches against it.

DeepSeek's rule (``rule="deepseek"``): a document is contaminated if it contains any
10-gram of a benchmark text; a benchmark text of 3 to 9 words must appear whole. The
default ``rule="evidence"`` keeps only the matches that are evidence (see _evidence.py):
10-grams with enough content words, short texts whole only when they are questions, both
sides in canonical form. Texts are normalised and split into words exactly as for dedup
(curate.dedup.words), and n-grams are compared by 64-bit hashes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from curate.decontam._benchmarks import Item
from curate.decontam._evidence import (RULES, canonical, content_counts, distinct_counts, identifying,
                                       symbol_counts)
from curate.dedup import ngrams, words


# What an indexed n-gram is evidence of, alone or in a run (see _evidence.py).
FORMULA, WEAK, STRONG, WHOLE = 0, 1, 2, 3
_RULE_NAMES = {FORMULA: "formula run", WEAK: "{n}-gram run", STRONG: "{n}-gram", WHOLE: "whole question"}


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
    rule: str = ""    # which rule fired: "10-gram", "10-gram run", "formula run", "whole question"
                      # (deepseek: "10-gram", "whole text")


class NgramIndex:
    """Sorted n-gram hashes per length, each pointing at benchmark items with its kind of evidence.

    ``evidence`` (default): a 10-gram with ``min_content`` content words is evidence alone
    (STRONG); one with fewer (but at least one) counts only in a run of ``weak_run`` distinct
    such 10-grams of the same item (WEAK: 12 words copied, not a stock formula); one of formula
    tokens only (FORMULA: at least ``formula_symbols`` of them not small numbers,
    ``formula_distinct`` different ones) counts in a run of
    ``formula_run`` distinct weak or formula 10-grams (a long display formula copied whole; a
    numeric sequence never counts); a question of ``whole_min`` to ``whole_max`` - 1 words is
    matched whole (WHOLE), and a shorter one of 3 or more words too when it identifies its item
    (``identifying``: numbers of its own and a content word, "Compute C(31, 28)").
    ``deepseek``: every 10-gram is evidence, and every 3-9 word text (answers too) matched whole.
    """

    def __init__(self, items: list[Item], n: int = 10, min_words: int = 3, batch: int = 2_000,
                 rule: str = "evidence", min_content: int = 3, weak_run: int = 3, whole_min: int = 7,
                 whole_max: int = 25, formula_run: int = 6, formula_symbols: int = 4,
                 formula_distinct: int = 6):
        if rule not in RULES:
            raise ValueError(f"rule must be one of {RULES}, not {rule!r}")
        self.n, self.min_words, self.rule = n, min_words, rule
        self.min_content, self.weak_run, self.formula_run = min_content, weak_run, formula_run
        evidence = rule == "evidence"
        lo, hi = (min_words, whole_max) if evidence else (min_words, n)
        per_len: dict[int, list[tuple[np.ndarray, np.ndarray, np.ndarray]]] = defaultdict(list)
        for start in range(0, len(items), batch):
            chunk = items[start:start + batch]
            texts = pa.array([it.text for it in chunk], pa.string())
            w = words(canonical(texts) if evidence else texts)
            counts = w.counts
            full, full_counts, first = ngrams(w, n)
            doc_of = np.repeat(np.arange(len(chunk)), full_counts)
            sel = (counts >= n)[doc_of]
            kind = np.full(len(full), STRONG, np.int8)
            if evidence:
                content = content_counts(w, first, n)
                kind[content < min_content] = WEAK
                kind[content == 0] = FORMULA
                # numbers only ("1 2 3 ... 10", a table row) or a few symbols repeated (the general
                # polynomial): never evidence, however long the run
                formula = np.flatnonzero(sel & (content == 0))
                sel[formula] &= (symbol_counts(w, first[formula], n) >= formula_symbols) \
                    & (distinct_counts(w, first[formula], n) >= formula_distinct)
            per_len[n].append((full[sel], start + doc_of[sel], kind[sel]))
            whole = (counts >= lo) & (counts < hi)
            if evidence:          # a whole answer ("42", "does not exist") identifies nothing
                whole &= np.array([it.part == "question" for it in chunk])
                whole &= (counts >= whole_min) | identifying(w)
            for k in np.unique(counts[whole]):
                docs = np.flatnonzero(whole & (counts == k))
                # the first k-gram of a k-word text is the whole text
                kh, kc, _ = ngrams(w, int(k))
                firsts = np.concatenate([[0], np.cumsum(kc)[:-1]])
                per_len[int(k)].append((kh[firsts[docs]], start + docs,
                                        np.full(len(docs), WHOLE if evidence else STRONG, np.int8)))
        self.entries = [(it.benchmark, it.item, it.part) for it in items]
        # a text too short for a run of ``formula_run`` 10-grams counts when copied whole (at
        # least ``weak_run`` 10-grams: "1000-356=644 times ... 644+865=1509")
        runs = np.zeros(len(items), np.int64)
        if n in per_len:
            h, e, kinds = (np.concatenate([p[j] for p in per_len[n]]) for j in range(3))
            pairs = np.unique(np.stack([e[kinds <= WEAK], h[kinds <= WEAK].view(np.int64)]), axis=1)
            runs = np.bincount(pairs[0], minlength=len(items))
        self.run_needed = np.clip(runs, weak_run, formula_run)
        self.tables: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for k, parts in per_len.items():
            h, e, kinds = (np.concatenate([p[j] for p in parts]) for j in range(3))
            order = np.lexsort((e, h))
            self.tables[k] = (h[order], e[order], kinds[order])

    @property
    def size(self) -> int:
        return sum(len(t[0]) for t in self.tables.values())

    def scan(self, texts: pa.Array) -> list[Match]:
        """Matches of a batch of documents, ordered by document then benchmark item."""
        w = words(canonical(texts) if self.rule == "evidence" else texts)
        found: dict[tuple[int, int], list] = {}     # (doc, entry) -> [best (kind, k, first word), count, weak hashes]
        for k, (keys, entries, kinds) in sorted(self.tables.items()):
            if not len(keys):
                continue
            h, counts, first = ngrams(w, k)
            doc_of = np.repeat(np.arange(len(counts)), counts)
            real = w.counts[doc_of] >= k                      # padded n-grams of short documents never match
            lo = np.searchsorted(keys, h, side="left")
            hi = np.searchsorted(keys, h, side="right")
            for g in np.flatnonzero((hi > lo) & real):
                for j in range(lo[g], hi[g]):
                    key, kind = (int(doc_of[g]), int(entries[j])), int(kinds[j])
                    hit = found.setdefault(key, [(kind, k, int(first[g])), 0, set(), set()])
                    hit[1] += 1
                    if kind > hit[0][0]:
                        hit[0] = (kind, k, int(first[g]))
                    if kind <= WEAK:
                        hit[2 + kind].add(int(h[g]))
        out = []
        for (doc, e), ((kind, k, first_word), count, formula, weak) in sorted(found.items()):
            if kind <= WEAK and len(weak) < self.weak_run and len(weak | formula) < self.run_needed[e]:
                continue                                      # a stock formula or phrase, not a copy
            if kind == WEAK and len(weak) < self.weak_run:
                kind = FORMULA                                # the run that fired is the formula one
            bench, item, part = self.entries[e]
            rule = "whole text" if self.rule == "deepseek" and k < self.n else _RULE_NAMES[kind].format(n=self.n)
            out.append(Match(doc, bench, item, part, k, w.text(first_word, first_word + k), count, rule))
        return out
