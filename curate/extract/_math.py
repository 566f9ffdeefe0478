"""Keep math through HTML extraction, as LaTeX.

trafilatura drops ``<script type="math/tex">`` and bare MathML, and its markdown
output escapes ``_`` and ``*`` inside formulas. So before extraction every
formula found in the tree is replaced by a placeholder token (``ⓜ12ⓜ``, which
trafilatura neither drops nor escapes), and after extraction each token is
swapped back for ``$tex$`` or ``$$tex$$``.

Markup handled (OpenWebMath's list): MathJax TeX in text and in
``<script type="math/tex">``, KaTeX annotations and ``data-expr``, MathML
(TeX annotation, else ``alttext``, else converted), MathJax 3 assistive MathML,
TeX-carrying images (codecogs, latex.php, mimetex) and StackExchange
``.math-container``.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus, urlsplit

from lxml.etree import Element, XPath

from curate.extract._mathml import mathml_to_latex

# Cheap tests on the raw HTML: is it worth looking for formulas at all, and for which kinds?
# Substring search, case-sensitive (lower-casing a 100 KB page costs more than a search): tags,
# classes and URLs are lower case in practice, "MathJax" is spelled out. One search of a 120 KB
# page costs about 0.075 ms and a regex alternation of every marker ten times that, so markers
# come in families behind one fragment they share, and a family's members are searched only
# where the fragment is ("math" covers <math>, <mjx-math>, math/tex, mathjax, math-container,
# class="math", dt-math; "atex" KaTeX and data-latex; a backslash or a dollar is found at memchr
# speed first). A page without math costs four to six searches, where one per marker and
# question cost fifteen, up to thirty on a page with math. TeX-carrying images need no marker:
# the image pass runs on every page. The searches run on the payload's bytes: a text holding
# one character past Latin-1 (most pages) is two bytes per character, and every search in it
# costs a fifth more.
_DATA_ATTRS = re.compile(b"a-(?:tex|expr)")
_TEX_DELIMS = re.compile(rb"\\(?:[(\[]|begin\{)")
# MathJax's own output (class="MathJax", "MathJax_Display", "mjx-chtml MathJax_CHTML", v3's
# class="MathJax CtxtMenu..."), not a page that merely loads MathJax (Sphinx): only the former
# has rendered glyphs to remove, which takes a whole-tree XPath (about 1 ms on a large page).
_MATHJAX_OUTPUT = (b"MathJax_", b'"MathJax', b"'MathJax", b' MathJax"', b"MathJax ")
_JS_MATH_LOADER = frozenset({"mathjax", "MathJax", "katex", "math-container"})
_TEX_HINTS = frozenset({"tex-delims", "$$"})
_MARKED_HINTS = frozenset({"katex", "data-expr", "data-tex", "data-latex", "mwe-math", "MathJax-output", "math-container"})


def source_hints(raw: str | bytes) -> frozenset[str]:
    """The math markers named in a page's source: its payload as bytes in an ASCII-compatible
    charset, or its text (searched as UTF-8); empty when only TeX images could carry formulas."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    found = set()
    if b"math" in raw:
        found.add("math")
        found.update(m for m in ("math/tex", "mathjax", "math-container", "mwe-math") if m.encode() in raw)
    if b"MathJax" in raw:     # not "Math": JavaScript's Math.floor is on most pages
        found.add("MathJax")
        if any(m in raw for m in _MATHJAX_OUTPUT):
            found.add("MathJax-output")
    if b"atex" in raw:
        found.update(m for m in ("katex", "data-latex") if m.encode() in raw)
    if _DATA_ATTRS.search(raw):
        found.update(m for m in ("data-tex", "data-expr") if m.encode() in raw)
    if b"$" in raw and b"$$" in raw:
        found.add("$$")
    if b"\\" in raw and _TEX_DELIMS.search(raw):
        found.add("tex-delims")
    return frozenset(found)


_TEX_TEXT = re.compile(
    r"\$\$(?P<d1>[^$]{1,8000}?)\$\$"
    r"|\\\[(?P<d2>.{1,8000}?)\\\]"
    r"|\\\((?P<i1>.{1,2000}?)\\\)"
    r"|(?P<env>\\begin\{(?P<name>equation|align|gather|multline|eqnarray)\*?\}.{1,8000}?\\end\{(?P=name)\*?\})",
    re.S)
# Single dollars (pandoc's rule: no space inside the delimiters, no digit after the
# closing one), only on pages that load a math renderer, so "$5 and $10" stays text.
_TEX_DOLLAR = re.compile(r"(?<![\\$\w])\$(?=[^\s$])(?P<i2>[^$\n]{1,1000}?)(?<=[^\s\\])\$(?!\d)")

_TEX_IMG = re.compile(r"codecogs\.com|latex\.php|mimetex\.cgi|mathtex\.cgi|/latex\?|chart\.googleapis\.com/chart\?cht=tx", re.I)
_TEX_IMG_CLASSES = {"math", "tex", "latex"}
_SKIP = ("script", "style", "pre", "code", "textarea", "noscript", "kbd", "samp")
_OUTSIDE_CODE = " and ".join(f"not(ancestor::{tag})" for tag in _SKIP)
# Compiled once (tree.xpath(str) compiles on every call)
_TEXT_XPATH = XPath(f"//text()[contains(., '\\') and {_OUTSIDE_CODE}]")
_TEXT_XPATH_DOLLAR = XPath(f"//text()[(contains(., '\\') or contains(., '$')) and {_OUTSIDE_CODE}]")
_PLACED = XPath("//text()[contains(., 'ⓜ')]")
_MARKED_XPATH = XPath('//*[contains(@class,"katex") or @data-expr or @data-tex or @data-latex or contains(@class,"mwe-math")'
                      ' or contains(@class,"MathJax") or contains(@class,"math-container")]')
_RENDERED = re.compile(r"\b(MathJax|MathJax_Preview|MathJax_Display|MathJax_SVG|MathJax_SVG_Display|"
                       r"MathJax_CHTML|katex-html|mwe-math-fallback-image-inline|mwe-math-fallback-image-display)\b")
PLACEHOLDER = re.compile(r"ⓜ(\d+)ⓜ")
_ONLY_FORMULAS = re.compile(r"^\s*(?:ⓜ\d+ⓜ[\s.,;:]*)+$")
_FORMULA_BLOCKS = ("div", "dd", "center", "figure", "blockquote", "section")
_CONTAINERS = ("body", "article", "main", "aside", "details", "td", "th", "li", "dt")
_BLOCK_TAGS = frozenset(_FORMULA_BLOCKS + _CONTAINERS)


def _clean_tex(tex: str) -> str:
    tex = " ".join(tex.split())
    if tex.startswith("{\\displaystyle") and tex.endswith("}"):
        tex = tex[len("{\\displaystyle"):-1].strip()
    return tex


class MathCollector:
    """Replaces formulas in an lxml tree by placeholders and remembers them."""

    def __init__(self) -> None:
        self.formulas: list[str] = []
        self.markers: set[str] = set()

    def _token(self, tex: str, display: bool, marker: str) -> str:
        self.markers.add(marker)
        tex = _clean_tex(tex)
        if not tex:
            return ""
        self.formulas.append(f"$${tex}$$" if display else f"${tex}$")
        return f"ⓜ{len(self.formulas) - 1}ⓜ"

    # -- tree surgery ---------------------------------------------------------
    @staticmethod
    def _replace(el, text: str) -> None:
        """Put ``text`` (and el's tail) where ``el`` was, then drop ``el`` (with nothing to put
        there, no empty string is left where None was: trafilatura prunes elements by it)."""
        parent = el.getparent()
        if parent is None:
            return
        joined = text + (el.tail or "")
        if joined:
            prev = el.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + joined
            else:
                parent.text = (parent.text or "") + joined
        parent.remove(el)

    def rewrite(self, root, hints: frozenset[str]) -> None:
        """Rewrite ``root`` in place; ``hints``: the page source's :func:`source_hints` (which
        passes to run)."""
        if not hints:
            self._images(root)
            self._promote_blocks(root)
            return
        for el in list(root.iter("script")) if "math/tex" in hints else ():
            kind = (el.get("type") or "").lower()
            if kind.startswith("math/tex"):
                self._replace(el, self._token(el.text or "", "mode=display" in kind, "mathjax_script"))
        for el in list(root.iter("dt-math", "d-math")):        # Distill: raw TeX, "block" for display
            self._replace(el, self._token(el.text_content(), el.get("block") is not None, "tex_text"))
        for el in list(root.iter("mjx-container")):
            math = next(el.iter("{*}math"), None)
            tex = self._math_tex(math) if math is not None else ""
            display = el.get("display") == "true"
            self._replace(el, self._token(tex, display, "mathml") if tex else "")
        # One XPath for every class- or attribute-marked kind (each such query walks the whole tree
        # in C, about 0.5 ms on a large page), and only on pages whose source names one of them.
        marked = _MARKED_XPATH(root) if hints & _MARKED_HINTS else []
        for el in marked:
            classes = el.get("class") or ""
            tex = el.get("data-expr") or el.get("data-tex") or el.get("data-latex")
            if (tex is None and "katex" not in classes) or not _still_attached(el, root):
                continue
            class_set = set(classes.split())
            if tex is None and class_set & {"katex", "katex-display"}:
                ann = el.xpath('.//*[local-name()="annotation"][@encoding="application/x-tex"]')
                tex = ann[0].text if ann else None
            if tex is not None:
                display = "katex-display" in class_set or el.get("display") in ("block", "true")
                self._replace(el, self._token(tex, display, "katex"))
        for el in marked:
            if "mwe-math-element" in (el.get("class") or "") and _still_attached(el, root):
                math = next(el.iter("{*}math"), None)
                if math is not None:
                    self._replace(el, self._token(self._math_tex(math), math.get("display") == "block", "mathml"))
        for el in list(root.iter("{*}math")):
            if _still_attached(el, root):
                display = el.get("display") == "block" or el.get("mode") == "display"
                self._replace(el, self._token(self._math_tex(el), display, "mathml"))
        self._images(root)
        for el in marked:
            classes = el.get("class")
            if classes and _RENDERED.search(classes) and _still_attached(el, root):
                self._replace(el, "")  # rendered glyphs duplicate the TeX we keep
            elif classes and "math-container" in classes:
                self.markers.add("math_container")
        dollars = bool(hints & _JS_MATH_LOADER)
        if dollars or hints & _TEX_HINTS:
            self._text_pass(root, dollars)
        self._promote_blocks(root)

    def _images(self, root) -> None:
        """TeX-carrying images, by their URL or class (cheap: a page has tens of images)."""
        for el in list(root.iter("img")):
            src = el.get("src") or ""
            classes = set((el.get("class") or "").split())
            # Sphinx imgmath (<img class="math" alt="TeX">, display ones inside <div class="math">),
            # MediaWiki's old <img class="tex">, WordPress's class="latex"
            if _TEX_IMG.search(src) or classes & _TEX_IMG_CLASSES or "/_images/math/" in src:
                tex = el.get("alt") or _tex_from_url(src)
                if tex:
                    parent = el.getparent()
                    holder = parent.getparent() if parent is not None and parent.tag == "p" else parent
                    display = holder is not None and "math" in (holder.get("class") or "").split()
                    self._replace(el, self._token(tex, display, "tex_image"))

    def _promote_blocks(self, root) -> None:
        """Put every formula where trafilatura keeps it, as a display formula where it stands alone.

        trafilatura drops a ``div`` with no prose in it (Sphinx's ``<div class="math">``), turns a
        ``dd`` into a list item (MediaWiki indents display formulas with ``<dl><dd>``), and drops
        loose text between a container's children (``<h2>..</h2> \\[E = mc^2\\] <h2>``), and drops
        ``<aside>`` (footnotes, margin notes), which becomes a ``div`` when it holds a formula. So a
        block holding only formulas becomes a paragraph of display formulas, and loose text with
        a formula in a container is wrapped in a paragraph of its own."""
        if not self.formulas:
            return
        holders = {}                     # the elements whose own text holds a formula, in page order
        for node in _PLACED(root):
            el = node.getparent() if node.is_text else node.getparent().getparent()
            # trafilatura drops <aside> whole; Sphinx and Distill put footnotes and notes there
            for aside in (el.iterancestors("aside") if el is not None else ()):
                aside.tag = "div"
            if el is not None and el.tag == "aside":
                el.tag = "div"
            if el is not None and el.tag in _BLOCK_TAGS:
                holders.setdefault(id(el), el)
        for el in holders.values():
            if len(el) == 0:
                if el.tag in _FORMULA_BLOCKS and el.text and _ONLY_FORMULAS.match(el.text):
                    el.tag = "p"
                    for m in PLACEHOLDER.finditer(el.text):
                        self._display(int(m.group(1)))
                elif el.tag in ("div", "section", "center", "figure"):
                    el.tag = "p"            # prose with a formula straight in a div: a paragraph
                continue
            loose = [(0, el.text)] if el.text and "ⓜ" in el.text else []
            loose += [(i + 1, child.tail) for i, child in enumerate(el)
                      if child.tail and "ⓜ" in child.tail and isinstance(child.tag, str)]
            for offset, (index, text) in enumerate(loose):
                para = Element("p")
                para.text = text
                if index == 0:
                    el.text = None
                else:
                    el[index - 1 + offset].tail = None
                el.insert(index + offset, para)

    def _display(self, i: int) -> None:
        tex = self.formulas[i]
        if not tex.startswith("$$"):
            self.formulas[i] = f"${tex}$"

    def _math_tex(self, math) -> str:
        ann = math.xpath('.//*[local-name()="annotation"][contains(@encoding,"tex")]')
        if ann and (ann[0].text or "").strip():
            return ann[0].text
        return math.get("alttext") or mathml_to_latex(math)

    def _sub(self, text: str, dollars: bool) -> str:
        def repl(m: re.Match) -> str:
            if m.group("env"):
                return self._token(m.group("env"), True, "tex_text")
            tex = m.group("d1") or m.group("d2")
            if tex is not None:
                return self._token(tex, True, "tex_text")
            return self._token(m.group("i1"), False, "tex_text")

        text = _TEX_TEXT.sub(repl, text)
        if dollars and "$" in text:
            text = _TEX_DOLLAR.sub(lambda m: self._token(m.group("i2"), False, "tex_text"), text)
        return text

    def _text_pass(self, root, dollars: bool) -> None:
        """TeX written in the page's text (MathJax finds it there in the browser). Text nodes are
        selected by XPath in C: only those with a backslash or a dollar, outside code and scripts."""
        for node in (_TEXT_XPATH_DOLLAR if dollars else _TEXT_XPATH)(root):
            parent = node.getparent()
            if parent is None:
                continue
            if node.is_text:
                parent.text = self._sub(str(node), dollars)
            elif node.is_tail:
                parent.tail = self._sub(str(node), dollars)

    def restore(self, text: str) -> str:
        """Swap placeholders in extracted text back for the formulas."""
        if "ⓜ" not in text:
            return text
        n = len(self.formulas)
        return PLACEHOLDER.sub(lambda m: self.formulas[int(m.group(1))] if int(m.group(1)) < n else m.group(0), text)


def _still_attached(el, root) -> bool:
    while el is not None:
        if el is root:
            return True
        el = el.getparent()
    return False


def _tex_from_url(src: str) -> str:
    parts = urlsplit(src)
    query = parts.query
    if query.startswith("latex="):
        query = query[len("latex="):].split("&", 1)[0]
    return unquote_plus(query) if query else ""


def text_markers(text: str) -> set[str]:
    """Math markers of plain text (WET records): TeX delimiters or commands."""
    return {"tex_text"} if _TEX_TEXT.search(text) or re.search(r"\\(frac|sum|int|alpha|sqrt)\b", text) else set()
