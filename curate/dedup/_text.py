"""Text normalisation, word hashes and word n-gram shingles over Arrow batches.

Everything here works on whole batches of documents at once: Arrow kernels
normalise the text (NFKC, lower case), then numpy finds words and hashes them
over the UTF-8 bytes of the batch. No per-word or per-shingle Python runs, which
is what makes signatures fast (see benchmarks/minhash.py).

Normalisation (shared by exact dedup, MinHash and decontamination): NFKC, lower
case, and every character that is not a letter or digit is a word separator.
Separators are ASCII non-alphanumerics plus the Unicode punctuation blocks that
occur in web text (Latin-1 symbols, General Punctuation, CJK punctuation), found
from their UTF-8 lead bytes; other non-ASCII characters are word characters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

U64 = np.uint64
_MUL = U64(0x100000001B3)
_NGRAM_MUL = U64(0x9E3779B97F4A7C15)


def mix64(x: np.ndarray) -> np.ndarray:
    """A bijective 64-bit finaliser (splitmix64): spreads every input bit over the output."""
    x = x ^ (x >> U64(30))
    x *= U64(0xBF58476D1CE4E5B9)
    x ^= x >> U64(27)
    x *= U64(0x94D049BB133111EB)
    x ^= x >> U64(31)
    return x


@dataclass
class Words:
    """The words of a batch of documents after normalisation.

    ``hashes[i]`` is the 64-bit hash of word ``i``; the words of document ``d``
    are ``hashes[bounds[d]:bounds[d + 1]]``; ``starts``/``ends`` are byte offsets
    of each word in ``data``, the normalised UTF-8 bytes of the whole batch
    (document ``d`` is ``data[offsets[d]:offsets[d + 1]]``).
    """

    hashes: np.ndarray
    bounds: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    data: np.ndarray
    offsets: np.ndarray

    @property
    def counts(self) -> np.ndarray:
        return np.diff(self.bounds)

    def text(self, first_word: int, stop_word: int) -> str:
        """Normalised text of words ``first_word..stop_word-1``, single-spaced."""
        parts = [bytes(self.data[s:e]).decode("utf-8", "replace")
                 for s, e in zip(self.starts[first_word:stop_word], self.ends[first_word:stop_word])]
        return " ".join(parts)


def normalize(texts: pa.Array) -> pa.Array:
    """NFKC and lower case (Arrow kernels); nulls become empty strings."""
    texts = pc.fill_null(texts, "")
    return pc.utf8_lower(pc.utf8_normalize(texts, "NFKC"))


def _separators(data: np.ndarray) -> np.ndarray:
    # ASCII: anything but a-z and 0-9 (uint8 wrap-around turns each range test into one compare)
    sep = (data - np.uint8(97) > 25) & (data - np.uint8(48) > 9) & (data < 128)
    high = np.flatnonzero(data >= 0xC2)                 # lead bytes only; rare in most text
    if not len(high):
        return sep
    padded = np.concatenate([data, np.zeros(2, np.uint8)])  # a character at the very end has its bytes too
    lead, nxt, third = padded[high], padded[high + 1], padded[high + 2]
    # U+00A0..U+00BF (C2 A0..BF): NBSP and Latin-1 symbols (NFKC already turned letters like ª into ASCII)
    two = (lead == 0xC2) & (nxt >= 0xA0)
    # U+2000..U+206F (E2 80 xx, E2 81 xx): General Punctuation; U+3000..U+303F (E3 80 xx): CJK punctuation
    three = ((lead == 0xE2) & ((nxt == 0x80) | (nxt == 0x81))) | ((lead == 0xE3) & (nxt == 0x80) & (third <= 0xBF))
    at = high[two | three]
    sep[at] = True
    sep[np.minimum(at + 1, len(sep) - 1)] = True
    sep[np.minimum(high[three] + 2, len(sep) - 1)] = True
    return sep


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """MUL**i and MUL**-i (mod 2**64) for i < n, grown on demand and cached."""
    global _POWERS
    if len(_POWERS[0]) < n:
        size = 1 << max(16, (n - 1).bit_length())         # next power of two: rare regrowth
        pw = np.full(size, _MUL, dtype=U64)
        pw[0] = 1
        inv = np.full(size, _INV, dtype=U64)
        inv[0] = 1
        _POWERS = (np.cumprod(pw), np.cumprod(inv))         # uint64 products wrap: arithmetic mod 2**64
    return _POWERS


_INV = U64(pow(int(_MUL), -1, 1 << 64))
_CHUNK = 1 << 20
_POWERS = (np.zeros(0, U64), np.zeros(0, U64))


def words(texts: pa.Array) -> Words:
    """Normalise a batch of texts and hash its words (see module docstring).

    A word's hash is a polynomial over its bytes computed from one prefix sum
    over the whole batch: ``(P[end] - P[start]) * MUL**-e`` (mod 2**64, ``e`` the
    start's exponent), so no per-byte position or per-word loop is needed.
    """
    arr = normalize(texts)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    width = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=width)[arr.offset: arr.offset + len(arr) + 1].astype(np.int64)
    data_buf = arr.buffers()[2]
    data = (np.frombuffer(data_buf, dtype=np.uint8)[offsets[0]:offsets[-1]] if data_buf is not None
            else np.zeros(0, np.uint8))
    offsets = offsets - offsets[0]
    n = len(data)
    if n == 0:
        empty = np.zeros(0, np.int64)
        return Words(np.zeros(0, U64), np.zeros(len(arr) + 1, np.int64), empty, empty, data, offsets)
    sep = _separators(data)
    step = np.diff(np.concatenate([[True], sep, [True]]).view(np.int8))
    starts, ends = np.flatnonzero(step == -1), np.flatnonzero(step == 1)
    inner = offsets[1:-1]
    glued = np.unique(inner[(inner > 0) & (inner < n)])   # empty documents repeat an offset
    glued = glued[~sep[glued] & ~sep[glued - 1]]         # a word running across a document boundary
    if len(glued):
        starts = np.insert(starts, np.searchsorted(starts, glued), glued)   # both sorted: no re-sort
        ends = np.insert(ends, np.searchsorted(ends, glued), glued)
    # Exponents restart at chunk starts (document starts about every _CHUNK bytes), so the
    # power tables stay small; no word crosses a document start, hence no chunk start.
    chunks = np.unique(offsets[:-1][np.searchsorted(offsets[:-1], np.arange(0, n, _CHUNK), side="right") - 1])
    bounds = np.append(chunks, n)
    pw, inv = _powers(int(np.diff(bounds).max()) + 1)
    contrib = data.astype(U64)
    contrib += U64(1)
    for cs, ce in zip(bounds[:-1], bounds[1:]):
        contrib[cs:ce] *= pw[: ce - cs]    # separator bytes lie outside every [start, end): they cancel out
    prefix = np.empty(n + 1, dtype=U64)
    prefix[0] = 0
    np.cumsum(contrib, out=prefix[1:])
    exponent = starts - chunks[np.searchsorted(chunks, starts, side="right") - 1]
    hashes = mix64((prefix[ends] - prefix[starts]) * inv[exponent])
    bounds = np.searchsorted(starts, offsets).astype(np.int64)
    return Words(hashes, bounds, starts, ends, data, offsets)


def ngrams(w: Words, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """64-bit hashes of every word ``n``-gram of each document.

    Returns ``(hashes, counts, first_word)``: document ``d`` owns ``counts[d]``
    consecutive hashes; ``first_word[i]`` is the index (into ``w.hashes``) of
    n-gram ``i``'s first word. A document with fewer than ``n`` words (but at
    least one) gets one n-gram made of all its words; an empty one gets none.
    """
    nw = w.counts
    total_words = len(w.hashes)
    if total_words >= n:
        span = total_words - n + 1
        g = w.hashes[:span].copy()
        for k in range(1, n):
            g *= _NGRAM_MUL
            g += w.hashes[k:k + span]
        doc_end = np.repeat(w.bounds[1:], nw)[:span]       # end word of each start word's document
        full = np.flatnonzero(np.arange(span) + n <= doc_end)
    else:
        g = np.zeros(0, U64)
        full = np.zeros(0, np.int64)
    short = np.flatnonzero((nw > 0) & (nw < n))
    counts = np.where(nw >= n, nw - n + 1, np.minimum(nw, 1)).astype(np.int64)
    if not len(short):
        return mix64(g[full]), counts, full
    hashes = np.empty(int(counts.sum()), dtype=U64)
    first = np.empty(len(hashes), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    is_short = np.zeros(len(hashes), dtype=bool)
    is_short[starts[short]] = True
    hashes[~is_short] = g[full]
    first[~is_short] = full
    for d, at in zip(short, starts[short]):
        h = U64(0)
        with np.errstate(over="ignore"):
            for k in range(n):                         # pad with zero words: same formula as full n-grams
                h = h * _NGRAM_MUL + (w.hashes[w.bounds[d] + k] if k < nw[d] else U64(0))
        hashes[at] = h
        first[at] = w.bounds[d]
    return mix64(hashes), counts, first
