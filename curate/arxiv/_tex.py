"""LaTeX source handling: comments, argument groups, the main file, includes, macros, graphicspath.

Only what figure extraction needs, written for robustness on real arXiv sources
rather than for full TeX semantics: includes are followed with loop and depth
protection (macros are in :mod:`curate.arxiv._macros`).
"""

from __future__ import annotations

import posixpath
import re

_COMMENT = re.compile(r"(?<!\\)((?:\\\\)*)%[^\n]*")
_INCLUDE = re.compile(r"\\(input|include|subfile|import|subimport|includefrom|subincludefrom)\s*(\*?)\s*\{")
_BARE_INPUT = re.compile(r"\\input(?![A-Za-z@])[ \t]+(?=[^\s{\\])([^\s{}\\%]+)")   # TeX's \\input file
MAX_DEPTH = 12
FILE_MARK = "\x00"


_VERBATIM = re.compile(r"\\begin\{(verbatim\*?|Verbatim\*?|BVerbatim|LVerbatim|lstlisting|minted|comment|filecontents\*?)\}"
                       r".*?\\end\{\1\}", re.S)
_VERB = re.compile(r"\\(?:verb\*?|lstinline|mintinline\{[^}]*\})([^A-Za-z\s{])(.*?)\1")
_IFFALSE = re.compile(r"\\iffalse(?![A-Za-z@]).*?\\fi(?![A-Za-z@])", re.S)


_ESCAPE = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "%": "\\%", "$": "\\$", "#": "\\#", "&": "\\&",
           "_": "\\_", "^": "\\^{}", "~": "\\~{}"}


def _verb_text(m: re.Match) -> str:
    """``\\verb|\\captionof|`` as text that reads the same and that no command pattern matches."""
    return "\\texttt{" + "".join(_ESCAPE.get(c, c) for c in m.group(2)) + "}"


def strip_comments(text: str) -> str:
    """What TeX never typesets, removed: ``%`` comments (``\\%`` is a percent sign, ``\\\\%`` a
    line break then a comment), verbatim-like environments (manuals show figure code there),
    ``comment`` environments and ``\\iffalse ... \\fi``; ``\\verb|..|`` becomes escaped text."""
    text = _VERBATIM.sub("", text)
    text = _VERB.sub(_verb_text, text)
    text = _COMMENT.sub(lambda m: m.group(1), text)
    return _IFFALSE.sub("", text)


def group(text: str, pos: int, open_: str = "{", close: str = "}") -> tuple[str, int] | None:
    """The balanced group starting at ``text[pos]`` (after whitespace): (content, index after it)."""
    while pos < len(text) and text[pos] in " \t\n":
        pos += 1
    if pos >= len(text) or text[pos] != open_:
        return None
    depth, i = 0, pos
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == open_:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return text[pos + 1:i], i + 1
        i += 1
    return None


def command_args(text: str, pos: int, optional: int = 1, required: int = 1) -> tuple[list, list, int]:
    """Optional ``[...]`` then required ``{...}`` arguments after ``pos``: (optionals, requireds, end)."""
    opts, reqs = [], []
    for _ in range(optional):
        g = group(text, pos, "[", "]")
        if g is None:
            break
        opts.append(g[0])
        pos = g[1]
    for _ in range(required):
        g = group(text, pos)
        if g is None:
            break
        reqs.append(g[0])
        pos = g[1]
    return opts, reqs, pos


_DOCUMENTCLASS = re.compile(r"^[ \t]*\\documentclass\b", re.M)


def find_mains(files: dict[str, str]) -> list[str]:
    """Every top-level document of a source: a .tex file with ``\\documentclass`` and
    ``\\begin{document}`` that no other file includes (a paper and its supplement, each with
    its own preamble), the longest first. A file that only has ``\\begin{document}`` counts
    when there is no other."""
    tex = {p: t for p, t in files.items() if p.lower().endswith((".tex", ".ltx"))}
    mains = [p for p, t in tex.items() if "\\begin{document}" in t and _DOCUMENTCLASS.search(strip_comments(t))]
    if not mains:
        mains = [p for p, t in tex.items() if "\\begin{document}" in t]
    included = set()
    for path, text in tex.items():
        for target in _included(path, text, tex):
            if target != path:
                included.add(target)
    top = [p for p in mains if p not in included] or mains
    return sorted(top, key=lambda p: (-len(tex[p]), p))


def find_main(files: dict[str, str]) -> str | None:
    """The first of :func:`find_mains` (the longest top-level document), or None."""
    mains = find_mains(files)
    return mains[0] if mains else None


def _braced(text: str) -> str:
    """Plain TeX's ``\\input name`` written as ``\\input{name}``."""
    return _BARE_INPUT.sub(lambda m: "\\input{" + m.group(1) + "}", text)


def _includes(text: str, here: str, files: dict[str, str]):
    """Each include command of ``text`` (comments stripped, a file in folder ``here``):
    (start, end, kind, name as written, resolved file or None), in order."""
    pos = 0
    for m in _INCLUDE.finditer(text):
        if m.start() < pos:                        # inside the arguments of the previous one
            continue
        kind = m.group(1)
        g1 = group(text, m.end() - 1)
        if g1 is None:
            continue
        end, folder, name = g1[1], here, g1[0]
        if kind in ("import", "subimport", "includefrom", "subincludefrom"):
            g2 = group(text, end)
            if g2 is None:
                continue
            folder = posixpath.normpath(posixpath.join(here if kind.startswith("sub") else "", g1[0]))
            name, end = g2[0], g2[1]
        yield m.start(), end, kind, name, _resolve(name, folder, files)
        pos = end


def _included(path: str, text: str, files: dict[str, str]):
    """The files that ``path`` includes directly (resolved as :func:`flatten` does)."""
    for *_, target in _includes(_braced(strip_comments(text)), posixpath.dirname(path), files):
        if target is not None:
            yield target


def _resolve(name: str, here: str, files: dict[str, str]) -> str | None:
    name = name.strip().strip('"')
    for base in (here, ""):
        cand = posixpath.normpath(posixpath.join(base, name))
        for path in (cand, cand + ".tex"):
            if path in files:
                return path
    lower = {p.lower(): p for p in files}
    for base in (here, ""):
        cand = posixpath.normpath(posixpath.join(base, name)).lower()
        for path in (cand, cand + ".tex"):
            if path in lower:
                return lower[path]
    return None


def flatten(files: dict[str, str], main: str, problems: list[str] | None = None) -> tuple[str, list[str]]:
    """The main file with its includes inlined (comments stripped): (text, files used).

    Include loops and depth beyond MAX_DEPTH are cut, and unresolved includes are
    skipped, each noted in ``problems``.
    """
    problems = problems if problems is not None else []
    used: list[str] = []

    def expand(path: str, stack: tuple[str, ...]) -> str:
        if path in stack:
            problems.append(f"include loop: {' -> '.join(stack + (path,))}")
            return ""
        if len(stack) >= MAX_DEPTH:
            problems.append(f"include depth above {MAX_DEPTH} at {path}")
            return ""
        used.append(path)
        text = _braced(strip_comments(files[path]).replace(FILE_MARK, ""))
        here = posixpath.dirname(path)
        out, pos = [], 0
        for start, end, kind, name, target in _includes(text, here, files):
            out.append(text[pos:start])
            if target is None:
                problems.append(f"unresolved \\{kind}{{{name}}} in {path}")
            else:   # markers say which file the text that follows comes from
                out += [f"{FILE_MARK}{target}{FILE_MARK}", expand(target, stack + (path,)),
                        f"{FILE_MARK}{path}{FILE_MARK}"]
            pos = end
        out.append(text[pos:])
        return "".join(out)

    return f"{FILE_MARK}{main}{FILE_MARK}" + expand(main, ()), used


def file_at(text: str, pos: int) -> str | None:
    """The source file of the flattened text at ``pos`` (from the markers :func:`flatten` leaves)."""
    end = text.rfind(FILE_MARK, 0, pos)
    if end < 0:
        return None
    start = text.rfind(FILE_MARK, 0, end)
    return text[start + 1:end] if start >= 0 else None


def graphicspath(text: str) -> list[str]:
    """Folders of ``\\graphicspath{{a/}{b/}}`` (any spacing, commas or newlines between groups)."""
    dirs = []
    for m in re.finditer(r"\\graphicspath\s*\{", text):
        g = group(text, m.end() - 1)
        if g:
            dirs += [d.strip() for d in re.findall(r"\{([^{}]*)\}", g[0])]
    return dirs
