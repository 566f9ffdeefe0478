"""Near-duplicate clusters of a small in-memory list of texts (notebooks, tests, quick checks).

Two backends with the same normalisation, shingles and LSH layout: ``curate``
(our vectorised MinHash) and ``datasketch`` (its ``MinHash``/``MinHashLSH``, the
reference implementation, fed with our shingle keys). For corpora that do not
fit in memory use the dedup pipeline (pipelines/dedup.py).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from curate.dedup._minhash import MinHasher, band_hashes, lsh_params
from curate.dedup._text import ngrams, words


def _find(parent: list[int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


def _union(parent: list[int], a: int, b: int) -> None:
    ra, rb = _find(parent, a), _find(parent, b)
    if ra != rb:                       # the smaller index is the root: deterministic clusters
        parent[max(ra, rb)] = min(ra, rb)


def near_duplicate_clusters(texts: list[str], threshold: float = 0.7, num_perm: int = 112, ngram: int = 5,
                            seed: int = 42, backend: str = "curate") -> list[int]:
    """For each text, the index of the first text of its cluster (itself if unique).

    Bands and rows are chosen for ``threshold`` (see :func:`lsh_params`); empty texts
    are never duplicates.
    """
    bands, rows = lsh_params(threshold, num_perm)
    w = words(pa.array(texts, pa.string()))
    keys, counts, _ = ngrams(w, ngram)
    parent = list(range(len(texts)))
    if backend == "curate":
        sig = MinHasher(num_perm, seed).signatures(keys, counts)
        table = band_hashes(sig, bands, rows)
        for b in range(bands):
            first: dict[int, int] = {}
            for i in np.flatnonzero(counts > 0):
                h = int(table[i, b])
                if h in first:
                    _union(parent, first[h], int(i))
                else:
                    first[h] = int(i)
    elif backend == "datasketch":
        from datasketch import MinHash, MinHashLSH

        lsh = MinHashLSH(num_perm=num_perm, params=(bands, rows))
        ends = np.cumsum(counts)
        for i, (end, count) in enumerate(zip(ends, counts)):
            if not count:
                continue
            m = MinHash(num_perm=num_perm, seed=seed)
            m.update_batch([k.tobytes() for k in keys[end - count:end]])
            for j in lsh.query(m):
                _union(parent, j, i)
            lsh.insert(i, m)
    else:
        raise ValueError(f"backend must be 'curate' or 'datasketch', not {backend!r}")
    return [_find(parent, i) for i in range(len(texts))]
