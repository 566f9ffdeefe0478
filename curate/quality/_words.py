"""What the quality rules measure: words, lines and sentences of a page, math-aware.

Our extraction writes math as ``$...$`` / ``$$...$$`` and structure as markdown. The standard
rules read both as noise: braces and backslashes are symbols, ``\\frac{a}{b}`` is a run of
non-alphabetic words, a display formula is a short line without end punctuation, ``- item`` is a
bullet and ``# Title`` a hash. :func:`prepare` gives the rules a *view* of the page in which
each formula is one word (:data:`FORMULA`, inside its sentence), each code span or block one
word (:data:`CODE`), and markdown markers, escapes and doctest prompts are gone,
so a rule judges the prose around the math (``math_aware=False`` gives the page as is, which is
what the standard implementations see).

Words are split the way spaCy's rule-based tokenizer (what datatrove uses) splits English: URLs,
numbers with separators and words with inner apostrophes stay whole; every other punctuation
mark is a word of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FORMULA = "formula"                # what a formula counts as: one alphabetic word of ordinary length
CODE = "code"                      # what a code span or block counts as (markdown our extraction writes)

# what our extraction writes: $$...$$ (display) and $...$ (inline); a \[ or \( in its markdown
# is an escaped bracket, not math
_DISPLAY = re.compile(r"\$\$.+?\$\$", re.S)
_INLINE = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]{1,400}?(?<![\\\s])\$(?!\d)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")      # markdown's backslash escapes
_CODE_SPAN = re.compile(r"`[^`\n]{1,200}`")
_FENCE = re.compile(r"^```.*?^```[ \t]*$", re.S | re.M)
_ALONE = re.compile(rf"[ \t]*\n\s*((?:(?:{FORMULA}|{CODE})[ \t,.;:¶]*)+)(?=\n|$)")
_PROMPT = re.compile(r"(?:>>>|\.\.\.)(?= )")                   # doctest prompts: code, not ellipses
_HEADER = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_LIST = re.compile(r"^(\s*)(?:[-*+]|\d{1,3}[.)])\s+", re.M)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$", re.M)
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_WORD = re.compile(r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+\.[\w.]+|\d+(?:[.,:/]\d+)+|\w+(?:['’]\w+)*|\.\.\.|…|[^\w\s]",
                   re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?。！？]+[\"'”’)\]]*(?=\s|$)")


@dataclass
class View:
    """A page as the rules see it."""

    text: str
    formulas: int = 0


def prepare(text: str, math_aware: bool = True) -> View:
    """The page for the rules: formulas as one word each and markdown markers removed (the page
    as it is when ``math_aware`` is off)."""
    if not math_aware:
        return View(text)
    count = 0

    def display(m: re.Match) -> str:
        nonlocal count
        count += 1
        return f" {FORMULA} "

    def inline(m: re.Match) -> str:
        nonlocal count
        count += 1
        return FORMULA

    # a display formula joins the line before it ("so that\n$$x^2$$\nholds." is "so that formula"
    # and "holds."): never a line of its own, so never a short line or a repeated one
    text = re.sub(r"\s*\n\s*(?=\$\$)", " ", text)
    text = re.sub(r"(\$\$.+?\$\$)[ \t]*\n(?=\s*[a-z,.;:)])", r"\1 ", text, flags=re.S)
    text = _DISPLAY.sub(display, text)
    text = _INLINE.sub(inline, text)
    if count:
        # a page with formulas is technical writing: its code (blocks, spans, doctest prompts) and
        # the escapes markdown adds around notation are not prose to judge; a page without
        # formulas keeps them, as the standard rules see it (our choice, measured in
        # benchmarks/filters.py: agreement with datatrove on non-math pages stays high)
        text = _FENCE.sub(f" {CODE} ", text)
        text = _ESCAPE.sub(r"\1", text)
        text = _CODE_SPAN.sub(CODE, text)
        text = _PROMPT.sub("", text)
    text = _TABLE_RULE.sub("", text)
    text = _HEADER.sub("", text)
    text = _LIST.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = text.replace("|", " ")
    # a line left holding only formulas or code joins the line before it (not a short line, not a
    # line repeating another)
    text = _ALONE.sub(lambda m: " " + m.group(1).strip(), text)
    return View(text, count)


def words(text: str) -> list[str]:
    """Words and punctuation marks, as spaCy's English tokenizer splits them (approximately)."""
    return _WORD.findall(text)


def sentences(line: str) -> int:
    """Sentences in one line: terminal punctuation groups followed by a space or the end (at
    least one for a non-empty line)."""
    return max(1, len(_SENTENCE_END.findall(line))) if line.strip() else 0


# Stop words per language (our lists: the most frequent function words, Gopher's eight for
# English). Gopher asks for two distinct ones on a page. Languages written without spaces
# (zh, ja, th) have no word rules here: those rules are skipped for them and the skip recorded.
STOP_WORDS = {
    "en": {"the", "be", "to", "of", "and", "that", "have", "with"},
    "de": {"der", "die", "das", "und", "ist", "nicht", "mit", "von", "zu", "den", "ein", "eine"},
    "fr": {"le", "la", "les", "de", "et", "est", "un", "une", "des", "pour", "que", "dans"},
    "es": {"el", "la", "los", "de", "y", "que", "en", "es", "un", "una", "por", "con"},
    "it": {"il", "la", "di", "e", "che", "un", "una", "per", "con", "non", "del", "della"},
    "pt": {"o", "a", "os", "de", "e", "que", "em", "um", "uma", "para", "com", "não"},
    "nl": {"de", "het", "een", "en", "van", "is", "dat", "niet", "met", "op", "te", "voor"},
    "ru": {"и", "в", "не", "на", "что", "с", "по", "это", "как", "из", "к", "для"},
    "pl": {"i", "w", "nie", "na", "się", "z", "że", "do", "to", "jest", "o", "jak"},
}
NO_SPACES = {"zh", "ja", "th", "lo", "km", "my"}


def word_rules_apply(lang: str | None) -> bool:
    """Whether word-count and word-length rules mean anything for ``lang`` (not for languages
    written without spaces between words)."""
    return (lang or "en") not in NO_SPACES
