"""One document in, one page dict (or a rejection) out.

Runs inside extraction worker processes (see _pool.py): pure function of its
arguments, no I/O.
"""

from __future__ import annotations

import codecs
import functools
import re

import trafilatura
from lxml import etree, html as lxml_html
from trafilatura.utils import is_dubious_html, repair_faulty_html

from curate import reasons
from curate.extract._lang import identify
from curate.extract._math import MathCollector, source_hints, text_markers
from curate.extract._url import domain_of, host_of

EXTRACTOR = f"trafilatura/{trafilatura.__version__}+curate-math/1"
_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]+)""", re.I)
_HTML_SNIFF = re.compile(rb"<!doctype html|<html|<head|<body", re.I)
HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml+xhtml", "text/xhtml"}


class Rejected(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def looks_like_html(body: bytes) -> bool:
    return bool(_HTML_SNIFF.search(body[:2048]))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


def decode_html(body: bytes, charset: str | None) -> str:
    """Text of an HTML payload: BOM, HTTP charset, <meta> charset, UTF-8, then detection."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(enc, errors="replace")
    meta = _META_CHARSET.search(body[:4096])
    candidates = [_codec(charset), _codec(meta.group(1).decode("ascii", "ignore") if meta else None), "utf-8"]
    for enc in dict.fromkeys(c for c in candidates if c):
        try:
            return body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        return body.decode(best.encoding, errors="replace")
    text = body.decode("utf-8", errors="replace")
    if text.count("\ufffd") > max(16, len(text) // 100):
        raise Rejected(reasons.UNDECODABLE, f"no charset decodes the payload (declared {charset!r})")
    return text


# trafilatura's own parser settings, but elements get their Python class from a C-level
# default lookup instead of lxml.html's per-element Python callback (HtmlElementClassLookup,
# which picks form-control classes that neither we nor trafilatura use). That callback
# runs for every element proxy trafilatura creates: measured 1.7 ms of ~20 ms per page.
_PARSER = lxml_html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                               remove_comments=True, remove_pis=True)
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity))


def _from(markup: str | bytes):
    try:
        return lxml_html.fromstring(markup, parser=_PARSER)
    except etree.LxmlError:
        return None


def parse_html(html: str):
    """The page's lxml tree, as ``trafilatura.utils.load_html`` would build it (same
    repairs, same fallbacks, same rejection of non-HTML); None when it is not HTML."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    via_bytes = False
    try:
        tree = lxml_html.fromstring(html, parser=_PARSER)
    except ValueError:      # "Unicode strings with encoding declaration are not supported"
        tree, via_bytes = _from(html.encode("utf-8", "surrogatepass")), True
    except etree.LxmlError:
        tree = None
    if (tree is None or len(tree) < 1) and not via_bytes:
        tree = _from(html.encode("utf-8", "surrogatepass"))
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree


# Compiled once: tree.xpath(str) compiles its expression on every call.
_TITLE_PATHS = tuple(etree.XPath(p) for p in ("//title/text()", '//meta[@property="og:title"]/@content', "//h1//text()"))


def _title(tree) -> str | None:
    for path in _TITLE_PATHS:
        found = path(tree)
        if found:
            title = " ".join(" ".join(str(t) for t in found[:20]).split())
            if title:
                return title[:1000]
    return None


# Reference markers: MediaWiki's <sup class="reference">[1]</sup>, "[citation needed]", and
# footnote links (<sup><a href="#fn1">1</a></sup>). Not <sup>2</sup>: an exponent has no link.
_REF_TEXT = re.compile(r"^\s*\[\s*(?:\d{1,4}|[a-z]|note \d+|[a-z][a-z ]{2,30}[a-z])\s*\]\s*$", re.I)
_REF_CLASSES = {"reference", "footnote-ref", "footnote-reference", "noprint", "citation"}


_EDIT_LINKS = etree.XPath('//span[contains(@class,"mw-editsection")]')


def drop_reference_markers(tree) -> None:
    """Remove citation and footnote markers from the tree (keeping the text after them), and
    MediaWiki's "[edit]" links."""
    # MediaWiki marks every page's <body> with class "mediawiki": a free test, where a search
    # of the source for "mw-editsection" cost 0.075 ms a page
    body = tree.find("body")
    wiki = body is not None and "mediawiki" in (body.get("class") or "").split()
    marks = _EDIT_LINKS(tree) if wiki else []
    for sup in tree.iter("sup"):
        text = sup.text_content()
        if set((sup.get("class") or "").split()) & _REF_CLASSES or _REF_TEXT.match(text) or (
                len(text.strip()) <= 4 and any((a.get("href") or "").startswith("#") for a in sup.iter("a"))):
            marks.append(sup)
    for sup in marks:
        MathCollector._replace(sup, "")


# Elements whose text no trafilatura path reads (its tree cleaning, its baseline, readability and
# justext all delete them or find no text in them), so the output cannot change without them.
# trafilatura deep-copies the tree five times or more per page; without these (a sixth of the
# nodes, most of the bytes) each copy and pass is cheaper: 0.6 ms of 16 ms per page on the shared
# pages. The text is the same with and without on 3,055 real pages: the shared ones (pinned in
# tests/extract/test_page.py) and 2,853 Debian documentation pages. JSON-LD stays: trafilatura's
# baseline reads an article body from it.
_UNREAD = ("style", "svg", "{http://www.w3.org/2000/svg}svg", "meta", "link")


def drop_unread(tree) -> None:
    """Remove scripts (but JSON-LD), styles, SVG, ``<meta>`` and ``<link>`` from ``tree``, keeping the
    text after them."""
    gone = [el for el in tree.iter("script") if not (el.get("type") or "").lower().startswith("application/ld")]
    gone += tree.iter(*_UNREAD)
    for el in gone:
        MathCollector._replace(el, "")


def _finish(page: dict, url: str | None, text: str, markers: set[str]) -> dict:
    host = host_of(url)
    lang, score = identify(text)
    page.update(text=text, n_chars=len(text), lang=lang, lang_score=score, host=host,
                domain=domain_of(host), has_math=bool(markers), math_markers=sorted(markers))
    return page


# The cost check before parsing (our choice of budget): trafilatura's TeX-delimiter regexes
# (``\(.+?\)``, ``\[.+?\]``) scan from every opener to the end of its line or text when no
# closer follows, so a page's cost grows with unmatched openers x its length: 100,000 unclosed
# ``\(`` took over 120 s. About 1e8 such steps run per second here; pages above the budget
# (about 2 s) are rejected before the parser runs, with the measured figure.
MAX_DELIMITER_COST = 200_000_000
_SPACED_BLOCK = re.compile(rb"(?<!\S)\\\[")


def delimiter_cost(body: bytes) -> int:
    """The regex work a page may cost: each unmatched ``\\(`` scans to the end of its line,
    each unmatched ``\\[`` to the end of the page (an upper bound, refined line by line only
    when the whole-page bound is over budget)."""
    opens, closes = body.count(b"\\("), body.count(b"\\)")
    blocks = max(0, body.count(b"\\[") - body.count(b"\\]")) * len(body)
    inline = max(0, opens - closes) * len(body)
    if inline + blocks <= MAX_DELIMITER_COST:
        return inline + blocks
    if blocks:                      # trafilatura's display pattern wants a space before \[ (JS has none)
        blocks = max(0, len(_SPACED_BLOCK.findall(body)) - body.count(b"\\]")) * len(body)
    if opens and inline + blocks > MAX_DELIMITER_COST:
        inline = 0
        for line in body.split(b"\n"):
            if b"\\(" in line:
                inline += max(0, line.count(b"\\(") - line.count(b"\\)")) * len(line)
    return inline + blocks


def extract_html(body: bytes, url: str | None = None, charset: str | None = None) -> dict:
    """Extract one HTML page; raises :class:`Rejected` with a reason."""
    cost = delimiter_cost(body)
    if cost > MAX_DELIMITER_COST:
        raise Rejected(reasons.TOO_COSTLY, f"{cost:.3g} delimiter steps (unmatched \\( or \\[ x bytes) "
                                           f"> {MAX_DELIMITER_COST:.3g}")
    html = decode_html(body, charset)
    # Math markers are searched in the payload's bytes (cheaper than the text; UTF-16 or -32, with
    # NUL bytes in the ASCII range, would hide markup, so those are searched as UTF-8), and now,
    # while decoding has them in the CPU's cache (after parsing, the same searches cost 15% more).
    hints = source_hints(body if b"\x00" not in body[:1024] else html)
    tree = parse_html(html)
    if tree is None:
        raise Rejected(reasons.NO_TEXT, "not parseable as HTML")
    title = _title(tree)
    drop_reference_markers(tree)
    math = MathCollector()
    math.rewrite(tree, hints)
    drop_unread(tree)
    text = trafilatura.extract(tree, url=url, **_OPTIONS)
    if text and _table_only(text):
        text = _with_prose(tree, url, text)
    if not text or not text.strip():
        raise Rejected(reasons.NO_TEXT, "extractor found no main text")
    return _finish({"title": title, "extractor": EXTRACTOR}, url, math.restore(text), math.markers)


_OPTIONS = {"output_format": "markdown", "include_tables": True, "include_comments": True, "deduplicate": False}
_SENTENCE = re.compile(r"[.!?。！？]")


@functools.lru_cache(maxsize=1)
def _short_ok():
    """trafilatura's settings, but a short description is text (not "too short, try harder")."""
    from trafilatura.settings import use_config

    config = use_config()
    config.set("DEFAULT", "MIN_EXTRACTED_SIZE", "1")
    return config


def _table_only(text: str) -> bool:
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all(line.lstrip().startswith("|") for line in lines)


def _with_prose(tree, url: str | None, table: str) -> str:
    """trafilatura sometimes keeps a layout table alone: on table-built shop sites the sidebar's
    ranking, the same on every page, while the product's description sits in a ``<div>`` beside
    it (29 pages of one shop in the shared WARCs). When readability's pick of the page holds
    prose that the table does not, that prose comes first, then the table (so nothing plain
    trafilatura keeps is lost). Only table-only texts get here: the cost is theirs alone."""
    from trafilatura.external import try_readability

    picked = try_readability(tree)
    if picked is None or not len(picked):
        return table
    prose = trafilatura.extract(picked, url=url, config=_short_ok(), **_OPTIONS) or ""
    lines = [line for line in prose.splitlines() if line.strip()]
    fresh = [line for line in lines if line.strip() not in table]
    if _table_only(prose) or sum(len(line) for line in fresh) < 100 or not any(_SENTENCE.search(x) for x in fresh):
        return table
    return prose.strip() + "\n\n" + table


def extract_plain(body: bytes, url: str | None = None) -> dict:
    """A WET conversion record: the text is already extracted."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        raise Rejected(reasons.EMPTY_BODY, "empty conversion record")
    return _finish({"title": None, "extractor": "wet"}, url, text, text_markers(text))


def extract(kind: str, body: bytes, url: str | None, charset: str | None) -> dict:
    """Dispatch on payload kind ('html' or 'text')."""
    if kind == "text":
        return extract_plain(body, url)
    return extract_html(body, url, charset)
