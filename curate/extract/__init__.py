"""HTML to text with math kept as LaTeX, language id, and the extraction pool."""

from curate.extract._math import MathCollector
from curate.extract._mathml import mathml_to_latex
from curate.extract._page import EXTRACTOR, HTML_TYPES, Rejected, decode_html, extract_html, extract_plain, looks_like_html
from curate.extract._pool import ExtractorPool
from curate.extract._lang import identify
from curate.extract._url import domain_of, host_of

__all__ = [
    "EXTRACTOR", "HTML_TYPES", "ExtractorPool", "MathCollector", "Rejected", "decode_html",
    "domain_of", "extract_html", "extract_plain", "host_of", "identify", "looks_like_html",
    "mathml_to_latex",
]
