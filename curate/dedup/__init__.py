"""Exact and MinHash-LSH near-duplicate detection (library part; no I/O policy).

See pipelines/dedup.py for the job that runs these stages over page shards.
"""

from curate.dedup._graph import components
from curate.dedup._index import DedupIndex
from curate.dedup._memory import near_duplicate_clusters
from curate.dedup._minhash import EMPTY, MinHasher, band_hashes, candidate_probability, jaccard, lsh_params, s_curve
from curate.dedup._sketch import Sketch, Sketcher, SketchParams, normalize_url, url_hash
from curate.dedup._text import Words, ngrams, normalize, words

__all__ = [
    "DedupIndex", "EMPTY", "MinHasher", "Sketch", "SketchParams", "Sketcher", "Words", "band_hashes",
    "candidate_probability", "components", "jaccard", "lsh_params", "near_duplicate_clusters", "ngrams", "normalize",
    "normalize_url",
    "s_curve", "url_hash", "words",
]
