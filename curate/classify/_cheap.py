"""Fast recall mode: decide before full extraction whether a page can be math.

Math-preserving extraction (trafilatura plus the formula pass) costs 30-70 ms a
page, so on a crawl where a few percent of pages are math, extracting everything
and scoring afterwards spends almost all its time on pages that are then dropped.
Here the page is reduced to *cheap text* (boilerplate blocks cut in one linear
pass, tags stripped; about 1 ms on a 124 KB page) and scored by the math model; only pages scoring at least a
recall-safe threshold, or whose markup carries formulas, go on to full
extraction. The threshold sits well below the selection threshold because menus
and footers dilute cheap text; :func:`recall_safe_threshold` picks it from a
sample scored both ways.
"""

from __future__ import annotations

import html
import re

import numpy as np

from curate import reasons
from curate.classify._fasttext import LABEL_POS, load, normalize

# Blocks whose content is never main text: code, styles, the usual boilerplate containers
# (not <form>: ASP.NET pages wrap the whole body in one).
_BLOCKS = ("script", "style", "noscript", "svg", "template", "nav", "header", "footer", "aside", "select",
           "button")
_OPEN = re.compile(r"<(%s)\b|<!--" % "|".join(_BLOCKS), re.I)
_CLOSE = {name: re.compile(r"</%s\s*>" % name, re.I) for name in _BLOCKS}
_CLOSE["--"] = re.compile("-->")
_TAG = re.compile(r"<[^>]{0,2000}>")
# Markup that only formulas produce, checked case-sensitively on the raw page (generators
# write these in lower case; lower-casing a whole page costs as much as scoring it). Words
# such as "latex" or "mathjax" are left out: site-wide scripts of non-math pages carry them.
_MARKUP = ("<math", "math/tex", "mjx-", "katex", "math-container", "codecogs", "mimetex", "latex.php",
           'class="math"', "/_images/math/")       # the last two: Sphinx's formula images
# TeX in the visible text (checked on cheap text, so regexes inside scripts do not count).
_TEX = ("\\(", "\\[", "$$", "\\begin{", "\\frac")
MAX_BYTES = 1 << 20   # cheap text of the first MiB: enough to judge, bounded cost
GATE_CHARS = 2_000    # the gate scores this much cheap text (normalising and predicting cost ~linear)

# The gate works on bytes: markers and tags are ASCII, and scanning a decoded page costs 2-4x
# as much (a page with one non-Latin-1 character becomes a 2- or 4-byte-per-character string).
# Only the cheap text left at the end is decoded. One walk over the occurrences of "math"
# covers every marker that contains it.
_MATH_MARKERS = tuple((m.encode(), m.index("math")) for m in _MARKUP if "math" in m)   # (marker, offset of "math")
_OTHER_MARKERS = tuple(m.encode() for m in _MARKUP if "math" not in m)
_OPEN_B = re.compile(_OPEN.pattern.encode(), re.I)
_CLOSE_B = {name.encode(): re.compile(rx.pattern.encode(), re.I) for name, rx in _CLOSE.items()}
_TAG_B = re.compile(_TAG.pattern.encode())
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


def _segments(page, opener, closers):
    """The parts of ``page`` (str, or bytes with the ``_B`` patterns) between the blocks of
    ``_BLOCKS`` and comments, left to right, lazily: the gate stops once it has text enough.

    Linear on any input: each block's end is searched once from its start, and an unclosed
    block ends the page (as in a browser), so thousands of unclosed ``<script>`` cost one scan.
    """
    comment = "--" if isinstance(page, str) else b"--"
    pos = 0
    while True:
        m = opener.search(page, pos)
        if m is None:
            yield page[pos:]
            return
        yield page[pos:m.start()]
        end = closers[(m.group(1) or comment).lower()].search(page, m.end())
        if end is None:
            return
        pos = end.end()


def _strip_blocks(page: str) -> str:
    """``page`` without the blocks of ``_BLOCKS`` and comments, in one left-to-right pass."""
    return " ".join(_segments(page, _OPEN, _CLOSE))


def _scan(body: bytes) -> tuple[str | None, bool]:
    """(first formula marker or None, whether the page loads MathJax) of raw page bytes."""
    renders = False
    i = body.find(b"math")
    while i >= 0:                 # each "math": does a marker containing it stand here?
        for marker, at in _MATH_MARKERS:
            if body.startswith(marker, i - at):
                return marker.decode(), renders
        renders = renders or body.startswith(b"mathjax", i)
        i = body.find(b"math", i + 4)
    for marker in _OTHER_MARKERS:
        if marker in body:
            return marker.decode(), renders
    return None, renders or b"MathJax" in body


def markup_marker(body: bytes) -> str | None:
    """The first formula marker in raw page bytes (ASCII-compatible charsets), else None."""
    return _scan(body)[0]


def cheap_text_bytes(body: bytes, charset: str | None = None, limit: int | None = None) -> str:
    """:func:`cheap_text` of raw page bytes: blocks and tags stripped as bytes, then only the
    remaining text decoded (``charset``, else a ``<meta charset>`` in the first 4 KiB, else UTF-8;
    undecodable bytes replaced). With ``limit``, the page is read only until about that many
    bytes of text are found (a prefix of the whole page's cheap text, at least ``limit`` long
    when the page has that much)."""
    if charset is None:                                  # a <meta charset> near the top, as browsers look for it
        found = _META_CHARSET.search(body, 0, 4096)
        charset = found.group(1).decode() if found else None
    parts, have = [], 0
    for segment in _segments(body, _OPEN_B, _CLOSE_B):
        part = _TAG_B.sub(b" ", segment)
        parts.append(part)
        if limit is not None:
            have += len(part.translate(None, b" \t\n\r\x0b\x0c"))   # whitespace collapses: count the rest
            if have > 2 * limit:                         # margin: entities and multi-byte characters shrink
                break
    raw = b" ".join(parts)
    try:
        text = raw.decode(charset or "utf-8", errors="replace")
    except LookupError:                                  # an unknown charset name in the headers
        text = raw.decode("utf-8", errors="replace")
    return " ".join(html.unescape(text).split())


def cheap_text(page: str) -> str:
    """Visible main-ish text of an HTML string, quickly and roughly: blocks that are never
    main text are dropped, remaining tags stripped, entities decoded, whitespace collapsed."""
    text = _TAG.sub(" ", _strip_blocks(page))
    return " ".join(html.unescape(text).split())       # str.split: 3x a whitespace regex


def math_markup(page: str, text: str) -> str | None:
    """The first formula marker of a page (raw HTML, its cheap text), else None."""
    for marker in _MARKUP:
        if marker in page:
            return marker
    for marker in _TEX:
        if marker in text:
            return marker
    return None


class MathGate:
    """Picklable pre-extraction filter: ``gate(body, charset)`` raises :class:`Rejected`
    (``math_prefilter``) for a page that is neither scored as possible math nor marked up
    with formulas. The model is loaded once per worker process, on first use."""

    def __init__(self, model: str, threshold: float):
        if not 0.0 <= threshold <= 1.0:
            raise ValueError(f"prefilter threshold must be within [0, 1], got {threshold}")
        self.model, self.threshold = str(model), float(threshold)

    def score(self, text: str) -> float:
        """Math probability of ``text``'s first GATE_CHARS characters."""
        # a one-item list: fastText's single-string path breaks under numpy 2
        labels, probs = load(self.model).predict([normalize(text, GATE_CHARS)], k=2)
        return float(dict(zip(labels[0], probs[0])).get(LABEL_POS, 0.0))

    def __call__(self, body: bytes, charset: str | None) -> None:
        from curate.extract import Rejected   # here: keeps curate.classify free of trafilatura

        page = body[:MAX_BYTES]
        if page.startswith((b"\xff\xfe", b"\xfe\xff")):   # UTF-16: not ASCII-compatible, never gated
            return
        marker, renders = _scan(page)
        if marker is not None:
            return
        # Only the text that is scored is read, except on pages that load a TeX renderer
        # (MathJax; KaTeX is a marker): there TeX anywhere in the text counts.
        text = cheap_text_bytes(page, charset, None if renders else GATE_CHARS)
        if renders and any(marker in text for marker in _TEX):
            return
        text = text[:GATE_CHARS]
        if any(marker in text for marker in _TEX):
            return
        p = self.score(text)
        if p < self.threshold:
            raise Rejected(reasons.MATH_PREFILTER, f"cheap-text score {p:.3f} < {self.threshold:g}, no formula markup")


def recall_safe_threshold(cheap: np.ndarray, selected: np.ndarray, marked: np.ndarray | None = None,
                          target: float = 0.995) -> float:
    """Highest cheap-score threshold keeping at least ``target`` of ``selected`` pages.

    ``cheap``: cheap-text scores of a sample; ``selected``: whether full extraction and
    scoring selected each page; ``marked``: pages the formula markup lets through anyway.
    """
    cheap = np.asarray(cheap, dtype=float)
    selected = np.asarray(selected, dtype=bool)
    marked = np.zeros_like(selected) if marked is None else np.asarray(marked, dtype=bool)
    need = selected & ~marked                         # the pages the threshold alone must keep
    if not selected.any() or not need.any():
        return 1.0
    allowed_misses = int(np.floor((1.0 - target) * selected.sum() + 1e-9))
    ranked = np.sort(cheap[need])                     # lowest first: the ones a threshold loses first
    return float(ranked[min(allowed_misses, len(ranked) - 1)])
