"""User macros: the simple ones expanded in captions, the ones that build figures expanded in the body.

Papers wrap figures in their own commands (``\\newcommand{\\fig}[3]{\\begin{figure}...
\\includegraphics{#1}\\caption{#2}\\label{#3}\\end{figure}}``) or give figure commands another name
(``\\let\\subfig\\subfloat``). Expanding those where they are used lets the figure finder see
what TeX sees. A redefinition of a command the finder already knows (``\\let\\subcaption\\relax``
before ``\\usepackage{subcaption}``, ``\\renewcommand{\\caption}``) is left alone: the package
defines it again and the finder reads it by its standard meaning.
"""

from __future__ import annotations

import re
from typing import Iterator, NamedTuple

from curate.arxiv._tex import group

_NEWCOMMAND = re.compile(r"\\(?:re|provide|new)(?:new)?command\*?\s*\{?\s*\\([A-Za-z@]+)\s*\}?\s*(?:\[(\d)\])?"
                         r"\s*(?:\[([^\]]*)\])?\s*\{")
_DEF = re.compile(r"\\[gex]?def\s*\\([A-Za-z@]+)\s*((?:#\d)*)\s*\{")
_LET = re.compile(r"\\let\s*\\([A-Za-z@]+)\s*=?\s*\\([A-Za-z@]+)")
#: commands and environments the figure finder reads by their standard meaning
KNOWN = frozenset({"caption", "subcaption", "subcaptionbox", "captionof", "subfloat", "subfigure", "sidesubfloat",
                   "includegraphics", "label", "ffigbox", "fcapside", "figure", "wrapfigure", "SCfigure",
                   "graphicspath", "input", "include", "relax"})
_BUILDS = re.compile(r"\\(?:begin\s*\{(?:figure|wrapfigure|SCfigure|subfigure)|includegraphics|caption|subcaption|"
                     r"subfloat|subfigure|captionof|subcaptionbox|ffigbox)(?![A-Za-z@])")


_ARG = re.compile(r"(\\[A-Za-z@]+)?#([1-9])")


def _joined(m: re.Match, args: list[str]) -> str:
    """Argument ``#n`` substituted; after a command word an argument starting with a letter gets
    ``{}`` between (TeX read ``\\textbackslash#1`` as two tokens, text must too)."""
    k = int(m.group(2))
    arg = args[k - 1] if k <= len(args) else m.group(0)
    word = m.group(1) or ""
    return word + ("{}" if word and arg[:1].isalpha() else "") + arg


class Macro(NamedTuple):
    nargs: int
    body: str
    default: str | None = None        # the first argument is optional with this default
    start: int = 0                    # span of the definition in the text
    end: int = 0


def definitions(text: str) -> Iterator[tuple[str, Macro]]:
    """Every ``\\newcommand``-like and ``\\def`` definition: (name, macro), in text order."""
    for m in _NEWCOMMAND.finditer(text):
        g = group(text, m.end() - 1)
        if g:
            yield m.group(1), Macro(int(m.group(2) or 0), g[0], m.group(3), m.start(), g[1])
    for m in _DEF.finditer(text):
        g = group(text, m.end() - 1)
        if g:
            yield m.group(1), Macro(len(m.group(2)) // 2, g[0], None, m.start(), g[1])


def macros(text: str) -> dict[str, Macro]:
    """Macro definitions by name (the first definition of each name wins)."""
    found: dict[str, Macro] = {}
    for name, macro in definitions(text):
        found.setdefault(name, macro)
    return found


class ExpansionError(ValueError):
    """Macro expansion past its bound (a macro that multiplies itself)."""


def expansion_limit(size: int) -> int:
    """Characters an expansion of a ``size``-character text may reach (our bound: real papers
    grow by a few percent; ``\\def\\a{\\a\\a}`` doubles every round)."""
    return 4 * size + (1 << 20)


def expand_macros(text: str, defs: dict, rounds: int = 5) -> str:
    """Expand uses of ``defs`` in ``text`` (at most ``rounds`` rounds deep, for macros using
    macros, and at most :func:`expansion_limit` characters: else :class:`ExpansionError`)."""
    if not defs:
        return text
    limit, size = expansion_limit(len(text)), 0
    pattern = re.compile(r"\\(" + "|".join(sorted(map(re.escape, defs), key=len, reverse=True)) + r")(?![A-Za-z@])")
    for _ in range(rounds):
        out, pos, changed = [], 0, False
        for m in pattern.finditer(text):
            if m.start() < pos:
                continue
            macro = Macro(*defs[m.group(1)])
            end, args = m.end(), []
            if macro.default is not None and macro.nargs:
                opt = group(text, end, "[", "]")
                args.append(opt[0] if opt else macro.default)
                end = opt[1] if opt else end
            while len(args) < macro.nargs:
                g = group(text, end)
                if g is None:
                    break
                args.append(g[0])
                end = g[1]
            if len(args) < macro.nargs:
                continue
            body = _ARG.sub(lambda a: _joined(a, args), macro.body)
            out += [text[pos:m.start()], body]
            size += m.start() - pos + len(body)
            if size > limit:
                raise ExpansionError(f"macro \\{m.group(1)} expands past {limit} characters")
            pos, changed = end, True
        out.append(text[pos:])
        text = "".join(out)
        size = 0
        if not changed:
            break
    return text


def _used(text: str, name: str) -> bool:
    """Whether ``\\name`` appears outside every definition of it. A figure in a macro the
    document never calls (a package hook like ``\\renewcommand{\\leftpagecontent}{..figure..}``,
    set again before each page) stays in place."""
    spans = [(m.start, m.end) for n, m in definitions(text) if n == name]
    pattern = re.compile(r"\\" + re.escape(name) + r"(?![A-Za-z@])")
    return any(not any(a <= m.start() < b for a, b in spans) for m in pattern.finditer(text))


def expand_figure_macros(text: str, packages: str = "") -> str:
    """``text`` with user commands that build figures expanded where used and their definitions
    removed (so the finder sees neither ``#1`` images nor a figure per definition).
    Argument-less ones that are never called are left as they are (see :func:`_used`).
    ``packages``: the text of the source's own ``.sty``/``.cls`` files, whose commands count too."""
    defs = {name: m for name, m in macros(text).items() if name not in KNOWN and _BUILDS.search(m.body)
            and (m.nargs or _used(text, name))}
    for name, m in macros(packages).items():      # the paper's own .sty/.cls: used, never blanked here
        if name not in KNOWN and name not in defs and _BUILDS.search(m.body) and m.nargs:
            defs[name] = m._replace(start=-1, end=-1)
    aliases = {a: b for a, b in _LET.findall(text) if b in KNOWN and a not in KNOWN and b != "relax"}
    if not defs and not aliases:
        return text
    spans = sorted((m.start, m.end) for name, m in definitions(text) if name in defs and defs[name].start >= 0)
    spans += [(m.start(), m.end()) for m in _LET.finditer(text) if m.group(1) in aliases]
    out, pos = [], 0
    for a, b in sorted(spans):
        if a >= pos:
            out.append(text[pos:a])
            pos = b
    out.append(text[pos:])
    text = "".join(out)
    for alias, target in aliases.items():
        text = re.sub(r"\\" + re.escape(alias) + r"(?![A-Za-z@])", lambda _m, t=target: "\\" + t, text)
    return expand_macros(text, defs)
