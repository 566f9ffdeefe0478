"""Caption cleaning: LaTeX to plain text with math kept as ``$...$``.

References and citations become readable placeholders (``[ref]``, ``[cite]``),
formatting commands are unwrapped and accents decoded by pylatexenc, labels and
footnotes dropped, whitespace normalised.
"""

from __future__ import annotations

import functools
import re

from curate.arxiv._macros import ExpansionError, expand_macros

_MATH = re.compile(r"(?<!\\)\$\$(.+?)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.S)   # not \\$
_REF = re.compile(r"\\(?:eq|auto|c|C|page|name|sub|v|V)?ref\*?\s*\{[^}]*\}")
_CITE = re.compile(r"\\(?:cite|citep|citet|citealp|citeauthor|citeyear|parencite|textcite|autocite)\*?"
                   r"(?:\s*\[[^\]]*\]){0,2}\s*\{[^}]*\}")
_DROP = re.compile(r"\\(?:label|footnote|footnotetext|protect|vspace\*?|hspace\*?|index)\s*(?:\{[^{}]*\})?")
_SPACE = re.compile(r"\s+")


#: text-wrapping commands whose argument is the text (pylatexenc 2.11 drops \\texttt, \\textsf and
#: \\mbox with their argument, and fails on \\href and \\textcolor with optional arguments)
_KEEP_FIRST = ("texttt", "textsf", "mbox", "textnormal", "textup", "textmd", "textsl", "underline", "fbox", "hbox",
               "makebox", "framebox", "textsuperscript", "textsubscript", "hl", "uline", "emph", "textls")
_KEEP_LAST = {"textcolor": ("[{{", 3), "colorbox": ("[{{", 3), "href": ("{{", 2)}


@functools.lru_cache(maxsize=1)
def _converter():
    from pylatexenc import latexwalker
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db
    from pylatexenc.macrospec import MacroSpec

    text_db = get_default_latex_context_db()
    text_db.add_context_category("curate", prepend=True, macros=[MacroTextSpec(n, "%(1)s") for n in _KEEP_FIRST]
                                 + [MacroTextSpec(n, f"%({k})s") for n, (_, k) in _KEEP_LAST.items()])
    walk_db = latexwalker.get_default_latex_context_db()
    walk_db.add_context_category("curate", prepend=True, macros=[MacroSpec(n, "{") for n in _KEEP_FIRST]
                                 + [MacroSpec(n, args) for n, (args, _) in _KEEP_LAST.items()])
    return latexwalker.LatexWalker, walk_db, LatexNodes2Text(latex_context=text_db, math_mode="verbatim",
                                                             strict_latex_spaces=True)


def _to_text(latex: str) -> str:
    try:
        walker, walk_db, to_text = _converter()
        nodes = walker(latex, latex_context=walk_db, tolerant_parsing=True).get_latex_nodes()[0]
        return to_text.nodelist_to_text(nodes)
    except Exception:                                    # malformed LaTeX: strip commands, keep words
        return re.sub(r"\\[A-Za-z@]+\*?|[{}]", " ", latex)


def clean_caption(raw: str | None, defs: dict | None = None) -> str:
    """Plain text of a caption; math segments are kept verbatim between ``$``."""
    if not raw:
        return ""
    try:
        text = expand_macros(raw, defs or {})
    except ExpansionError:                    # a self-multiplying macro: the caption as written
        text = raw
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
