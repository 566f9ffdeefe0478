"""Sketch a batch of documents: exact hash, URL hash and LSH band hashes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import numpy as np
import pyarrow as pa

from curate.dedup._minhash import MinHasher, band_hashes
from curate.dedup._text import ngrams, words


@dataclass(frozen=True)
class SketchParams:
    """Settings that define a sketch; sketches with different params never mix."""

    num_perm: int = 112
    bands: int = 14
    rows: int = 8
    ngram: int = 5
    seed: int = 42

    def __post_init__(self):
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows = {self.bands * self.rows} exceeds num_perm = {self.num_perm}")
        if self.ngram < 1:
            raise ValueError("ngram must be >= 1")


@dataclass
class Sketch:
    """Per-document sketches of one batch (row ``i`` is the batch's document ``i``)."""

    n_words: np.ndarray          # int64
    exact: list[bytes]           # 16-byte blake2b of the normalised word sequence
    bands: np.ndarray            # (documents, bands) uint64; rows of empty documents are meaningless
    has_shingles: np.ndarray     # bool: False for empty documents (never near-duplicate candidates)
    signatures: np.ndarray       # (documents, num_perm) uint32


class Sketcher:
    """Turns text batches into :class:`Sketch` es; one per worker (holds a buffer)."""

    def __init__(self, params: SketchParams):
        self.params = params
        self.hasher = MinHasher(params.num_perm, params.seed)

    def sketch(self, texts: pa.Array) -> Sketch:
        w = words(texts)
        keys, counts, _ = ngrams(w, self.params.ngram)
        sig = self.hasher.signatures(keys, counts)
        raw = w.hashes.tobytes()
        # exact hash over the words' 64-bit hashes: separators and spacing no longer matter
        exact = [hashlib.blake2b(raw[8 * int(s): 8 * int(e)], digest_size=16).digest()
                 for s, e in zip(w.bounds[:-1], w.bounds[1:])]
        return Sketch(n_words=w.counts.astype(np.int64), exact=exact,
                      bands=band_hashes(sig, self.params.bands, self.params.rows),
                      has_shingles=counts > 0, signatures=sig)


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, default ports and the fragment dropped."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port and parts.port not in (80, 443) else None
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def url_hash(url: str | None) -> int | None:
    """64-bit hash of the normalised URL (None for a missing URL)."""
    if not url:
        return None
    return int.from_bytes(hashlib.blake2b(normalize_url(url).encode(), digest_size=8).digest(), "little")
