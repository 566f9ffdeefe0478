"""Caption cleaning: LaTeX to plain text with math kept as ``$...$``.

References and citations become readable placeholders (``[ref]``, ``[cite]``),
formatting commands are unwrapped and accents decoded by pylatexenc, labels and
footnotes dropped, whitespace normalised.
"""

from __future__ import annotations

import re

from curate.arxiv._macros import expand_macros

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)
_REF = re.compile(r"\\(?:eq|auto|c|C|page|name|sub|v|V)?ref\*?\s*\{[^}]*\}")
_CITE = re.compile(r"\\(?:cite|citep|citet|citealp|citeauthor|citeyear|parencite|textcite|autocite)\*?"
                   r"(?:\s*\[[^\]]*\]){0,2}\s*\{[^}]*\}")
_DROP = re.compile(r"\\(?:label|footnote|footnotetext|protect|vspace\*?|hspace\*?|index)\s*(?:\{[^{}]*\})?")
_SPACE = re.compile(r"\s+")


def _to_text(latex: str) -> str:
    try:
        from pylatexenc.latex2text import LatexNodes2Text

        return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True).latex_to_text(latex)
    except Exception:                                    # malformed LaTeX: strip commands, keep words
        return re.sub(r"\\[A-Za-z@]+\*?|[{}]", " ", latex)


def clean_caption(raw: str | None, defs: dict | None = None) -> str:
    """Plain text of a caption; math segments are kept verbatim between ``$``."""
    if not raw:
        return ""
    text = expand_macros(raw, defs or {})
    text = _REF.sub("[ref]", text)
    text = _CITE.sub("[cite]", text)
    text = _DROP.sub(" ", text)
    out, pos = [], 0
    for m in _MATH.finditer(text):
        out.append(_to_text(text[pos:m.start()]))
        inner = next(g for g in m.groups() if g is not None)
        display = m.group(1) is not None or m.group(4) is not None
        out.append(f"$${inner.strip()}$$" if display else f"${inner.strip()}$")
        pos = m.end()
    out.append(_to_text(text[pos:]))
    return _SPACE.sub(" ", "".join(out)).strip()
