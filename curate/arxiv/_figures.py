"""Figure environments and their images, sub-captions, captions and labels."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curate.arxiv._tex import command_args, file_at, group

_ENV = re.compile(r"\\begin\{(figure\*?|wrapfigure\*?|SCfigure\*?|wrapfloat)\}")
_GRAPHICS = re.compile(r"\\(?:includegraphics\*?|epsfig|psfig|epsfbox|includesvg)\b")
_SUB_ENV = re.compile(r"\\begin\{(subfigure|subfloat)\}")
_SUB_CMD = re.compile(r"\\(subcaptionbox|subfloat|subfigure|sidesubfloat)\b\*?")
_CAPTION = re.compile(r"\\caption\*?(?![A-Za-z])")
_CAPTIONOF = re.compile(r"\\captionof\*?\s*\{figure\*?\}")
_LABEL = re.compile(r"\\label\s*\{([^}]*)\}")


@dataclass
class Image:
    path: str                      # as written in the source
    sub_caption: str | None = None  # raw LaTeX
    sub_label: str | None = None


@dataclass
class Figure:
    index: int
    env: str
    caption: str | None            # raw LaTeX (the long form of \\caption[short]{long})
    label: str | None
    tex_file: str | None
    images: list[Image] = field(default_factory=list)


def _end(text: str, env: str, start: int) -> int:
    """Index just after the ``\\end{env}`` matching a ``\\begin{env}`` at ``start`` (nesting aware)."""
    begin, end = f"\\begin{{{env}}}", f"\\end{{{env}}}"
    depth, pos = 0, start
    while True:
        b, e = text.find(begin, pos), text.find(end, pos)
        if e < 0:
            return len(text)
        if 0 <= b < e:
            depth, pos = depth + 1, b + len(begin)
        else:
            depth, pos = depth - 1, e + len(end)
            if depth == 0:
                return pos


def images_in(body: str) -> list[str]:
    out = []
    for m in _GRAPHICS.finditer(body):
        name = m.group(0)
        if "epsfig" in name or "psfig" in name:
            g = group(body, m.end())
            file = re.search(r"(?:file|figure)\s*=\s*([^,}\s]+)", g[0]) if g else None
            if file:
                out.append(file.group(1))
            continue
        _, reqs, _ = command_args(body, m.end(), optional=2, required=1)
        if reqs:
            out.append(reqs[0].strip())
    return out


def caption_of(body: str) -> tuple[str | None, int, int]:
    """(long caption, start, end) of the first \\caption in ``body``."""
    m = _CAPTION.search(body)
    if not m:
        return None, -1, -1
    opts, reqs, end = command_args(body, m.end(), optional=1, required=1)
    return (reqs[0] if reqs else None), m.start(), end


def _subfigures(body: str) -> tuple[list[Image], str]:
    """Images of subfigures with their sub-captions, and the body with those parts blanked."""
    found: list[tuple[int, list[Image]]] = []
    spans = []
    for m in _SUB_ENV.finditer(body):
        end = _end(body, m.group(1), m.start())
        inner = body[m.end():end]
        cap, _, _ = caption_of(inner)
        label = _LABEL.search(inner)
        found.append((m.start(), [Image(p, cap, label.group(1) if label else None) for p in images_in(inner)]))
        spans.append((m.start(), end))
    for m in _SUB_CMD.finditer(body):
        if any(a <= m.start() < b for a, b in spans):
            continue
        if m.group(1) == "subcaptionbox":          # \subcaptionbox[list]{caption}[width][pos]{content}
            opts, caps, pos = command_args(body, m.end(), optional=1, required=1)
            opts2, content, end = command_args(body, pos, optional=2, required=1)
            cap = caps[0] if caps else None
        else:                                      # \subfloat[list][caption]{content} / \subfigure[caption]{content}
            opts, content, end = command_args(body, m.end(), optional=2, required=1)
            cap = opts[-1] if opts else None
        inner = content[0] if content else ""
        label = _LABEL.search(inner) or _LABEL.search(cap or "")
        found.append((m.start(), [Image(p, cap, label.group(1) if label else None) for p in images_in(inner)]))
        spans.append((m.start(), end))
    blank = body
    for a, b in sorted(spans, reverse=True):
        blank = blank[:a] + " " * (b - a) + blank[b:]
    return [img for _, imgs in sorted(found, key=lambda x: x[0]) for img in imgs], blank


def _figure(index: int, env: str, body: str, tex_file: str | None) -> Figure:
    subs, rest = _subfigures(body)
    caption, cstart, cend = caption_of(rest)
    label = _LABEL.search(rest[cend:] if cend >= 0 else rest) or _LABEL.search(rest)
    plain = [Image(p) for p in images_in(rest)]
    images = subs + plain if subs else plain
    return Figure(index, env, caption, label.group(1) if label else None, tex_file, images)


def find_figures(text: str) -> list[Figure]:
    """Every figure of the flattened document, in order: figure-like environments, and
    ``\\captionof{figure}`` in minipages (or other groups) outside them."""
    spans, raw = [], []
    pos = 0
    while True:
        m = _ENV.search(text, pos)
        if not m:
            break
        env = m.group(1)
        end = _end(text, env, m.start())
        body = text[m.end():end - len(f"\\end{{{env}}}")]
        if env.startswith("wrapfigure") or env == "wrapfloat":   # skip the placement arguments
            _, _, after = command_args(body, 0, optional=1, required=2)
            body = body[after:]
        raw.append((m.start(), env.rstrip("*"), body))
        spans.append((m.start(), end))
        pos = end
    for m in _CAPTIONOF.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        start = text.rfind("\\begin{minipage}", 0, m.start())
        close = text.find("\\end{minipage}", m.start())
        if start < 0 or any(a <= start < b for a, b in spans) or close < 0:
            start, close = max(text.rfind("\n\n", 0, m.start()), 0), m.end() + 2000
        opts, reqs, end = command_args(text, m.end(), optional=1, required=1)
        body = text[start:m.start()] + "\\caption{" + (reqs[0] if reqs else "") + "}" + text[end:close]
        raw.append((m.start(), "captionof", body))
    figures = []
    for i, (start, env, body) in enumerate(sorted(raw, key=lambda r: r[0])):
        figures.append(_figure(i, env, body, file_at(text, start)))
    return figures
