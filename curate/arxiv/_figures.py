"""Figure environments and their images, sub-captions, captions and labels.

A figure here is what TeX lists in the list of figures: one per ``\\caption`` of a figure-like
environment (a figure with two captioned minipages is two figures) and one per
``\\captionof{figure}``. Sub-figures are the panels with their own sub-caption, in each common
idiom: subcaption's ``subfigure`` environment, ``\\subcaption`` and ``\\subcaptionbox``; subfig's
``\\subfloat[list][caption]{...}``; the old subfigure package's ``\\subfigure``; floatrow's
``subfloatrow`` boxes. Images wrapped in ``\\resizebox``/``\\scalebox``/``\\adjustbox`` count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from curate.arxiv._tex import command_args, file_at, group

_ENV = re.compile(r"\\begin\{(figure\*?|wrapfigure\*?|SCfigure\*?|wrapfloat|sidewaysfigure\*?|marginfigure|"
                  r"floatingfigure)\}")
_GRAPHICS = re.compile(r"\\(?:includegraphics\*?|epsfig|psfig|epsfbox|includesvg)(?![A-Za-z@])")
_SUB_ENV = re.compile(r"\\begin\{(subfigure|subfloat)\}")
_SUB_CMD = re.compile(r"\\(subcaptionbox|subfloat|subfigure|sidesubfloat)(?![A-Za-z@])\*?")
_SUBFLOATROW = re.compile(r"\\begin\{subfloatrow\*?\}")
_FLOATROW_BOX = re.compile(r"\\(?:ffigbox|fcapside)(?![A-Za-z@])\*?")
_CAPTION = re.compile(r"\\(?:caption|captcont)\*?(?![A-Za-z@])")       # captcont: a continued figure
_ANY_CAPTION = re.compile(r"\\(?:sub)?caption\*?(?![A-Za-z@])")
_SUBCAPTION = re.compile(r"\\subcaption\*?(?![A-Za-z@])|\\captionof\*?\s*\{subfigure\}")
_CAPTIONOF = re.compile(r"\\captionof\*?\s*\{figure\*?\}")
_BOX = re.compile(r"\\begin\{minipage\}|\\(?:parbox|ffigbox|fcapside)(?![A-Za-z@])")
_CAPTYPE = re.compile(r"\\setcaptype\s*\{(\w+)\}|\\captionsetup\s*\{[^{}]*\btype\s*=\s*(\w+)")
_LABEL = re.compile(r"\\label\s*\{([^}]*)\}")


@dataclass
class Image:
    path: str                       # as written in the source
    sub_caption: str | None = None  # raw LaTeX
    sub_label: str | None = None
    sub_short: str | None = None    # the list-of-figures form, when given apart


@dataclass
class Panel:
    """A sub-figure: its sub-caption (raw LaTeX) and images (none for a drawn or boxed panel)."""
    caption: str | None
    label: str | None
    short: str | None
    images: list[str]

    def as_images(self) -> list[Image]:
        return [Image(p, self.caption, self.label, self.short) for p in self.images]


@dataclass
class Figure:
    index: int
    env: str
    caption: str | None             # raw LaTeX (the long form of \\caption[short]{long})
    label: str | None
    tex_file: str | None
    images: list[Image] = field(default_factory=list)
    short: str | None = None        # the [short] form TeX lists; "" when it lists none (\\caption*, [])
    panels: list[Panel] = field(default_factory=list)   # sub-figures with a sub-caption, in order


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


def _graphics(body: str) -> list[tuple[int, str]]:
    """(position, file as written) of every image command in ``body``."""
    out = []
    for m in _GRAPHICS.finditer(body):
        if "epsfig" in m.group(0) or "psfig" in m.group(0):
            g = group(body, m.end())
            file = re.search(r"(?:file|figure)\s*=\s*([^,}\s]+)", g[0]) if g else None
            if file:
                out.append((m.start(), file.group(1)))
            continue
        _, reqs, _ = command_args(body, m.end(), optional=2, required=1)
        if reqs:
            out.append((m.start(), reqs[0].strip()))
    return out


def images_in(body: str) -> list[str]:
    """Every image file named in ``body``, in order."""
    return [path for _, path in _graphics(body)]


def _captions(body: str, pattern: re.Pattern = _CAPTION) -> list[tuple[int, int, str | None, str | None]]:
    """(start, end, long, short) of every caption command ``pattern`` finds."""
    out = []
    for m in pattern.finditer(body):
        opts, reqs, end = command_args(body, m.end(), optional=1, required=1)
        short = "" if "*" in m.group(0) else opts[0] if opts else None      # starred: not listed
        out.append((m.start(), end, reqs[0] if reqs else None, short))
    return out


def caption_of(body: str) -> tuple[str | None, int, int]:
    """(long caption, start, end) of the first \\caption in ``body``."""
    found = _captions(body)
    return (found[0][2], found[0][0], found[0][1]) if found else (None, -1, -1)


def _unit(body: str, start: int, images_text: str, cap: str | None, short: str | None) -> tuple[int, Panel]:
    label = _LABEL.search(images_text) or _LABEL.search(cap or "")
    return start, Panel(cap, label.group(1) if label else None, short, images_in(images_text))


def _boxes(body: str) -> list[tuple[int, int]]:
    """Spans of minipages and of ``\\parbox``/floatrow boxes: the panels a caption can sit in."""
    spans = []
    for m in _BOX.finditer(body):
        if m.group(0).startswith("\\begin"):
            spans.append((m.start(), _end(body, "minipage", m.start())))
        else:
            _, _, end = command_args(body, m.end(), optional=3, required=2)
            spans.append((m.start(), end))
    return spans


def _regions(body: str, caps: list[tuple[int, int, str | None, str | None]],
             first_panel: int | None = None) -> list[tuple[int, int]]:
    """The part of ``body`` each caption describes: the smallest box holding it and no other
    caption; else, when the first caption comes before the first panel (captions above their
    panels), the text up to the next caption, otherwise the text since the previous caption."""
    boxes = _boxes(body)
    above = first_panel is not None and caps[0][0] < first_panel
    regions, prev = [], 0
    for i, (start, end, _, _) in enumerate(caps):
        own = [(a, b) for a, b in boxes if a <= start < b and sum(a <= c[0] < b for c in caps) == 1]
        if own:
            regions.append(min(own, key=lambda s: s[1] - s[0]))
        elif above:
            regions.append((start, caps[i + 1][0] if i + 1 < len(caps) else len(body)))
        else:
            regions.append((prev, end))
        prev = end
    return regions


def _subfigures(body: str) -> tuple[list[tuple[int, Panel]], str]:
    """Sub-figure panels (position, panel), and the body with them blanked."""
    found: list[tuple[int, Panel]] = []
    spans: list[tuple[int, int]] = []

    def inside(pos: int) -> bool:
        return any(a <= pos < b for a, b in spans)

    for m in _SUB_ENV.finditer(body):
        if inside(m.start()):
            continue
        end = _end(body, m.group(1), m.start())
        inner = body[m.end():end]
        caps = _captions(inner, _ANY_CAPTION)
        found.append(_unit(body, m.start(), inner, *(caps[0][2:] if caps else (None, None))))
        spans.append((m.start(), end))
    for m in _SUBFLOATROW.finditer(body):          # floatrow boxes; \subfloat panels are read below
        end = _end(body, "subfloatrow", m.start())
        for box in _FLOATROW_BOX.finditer(body, m.end(), end):
            _, args, box_end = command_args(body, box.end(), optional=3, required=2)
            inner = " ".join(args)
            caps = _captions(inner, _ANY_CAPTION)
            found.append(_unit(body, box.start(), inner, *(caps[0][2:] if caps else (None, None))))
            spans.append((box.start(), box_end))
    for m in _SUB_CMD.finditer(body):
        if inside(m.start()):
            continue
        if m.group(1) == "subcaptionbox":          # \subcaptionbox[list]{caption}[width][pos]{content}
            opts, caps, pos = command_args(body, m.end(), optional=1, required=1)
            _, content, end = command_args(body, pos, optional=2, required=1)
            cap, short = (caps[0] if caps else None), (opts[0] if opts else None)
        else:                                      # \subfloat[list][caption]{content} / \subfigure[caption]{..}
            opts, content, end = command_args(body, m.end(), optional=2, required=1)
            cap, short = (opts[-1] if opts else None), (opts[0] if len(opts) == 2 else None)
        found.append(_unit(body, m.start(), content[0] if content else "", cap, short))
        spans.append((m.start(), end))
    blank = _blank(body, spans)
    loose = _captions(blank, _SUBCAPTION)          # \subcaption in a minipage or after \\ in the figure
    for (start, end, cap, short), (a, b) in zip(loose, _regions(blank, loose)):
        found.append(_unit(blank, a, blank[a:b], cap, short))
        spans.append((min(a, start), max(b, end)))
    return sorted(found, key=lambda f: f[0]), _blank(body, spans)


def _blank(body: str, spans: list[tuple[int, int]]) -> str:
    chars = list(body)
    for a, b in spans:
        chars[a:b] = " " * (b - a)
    return "".join(chars)


def _figures(env: str, body: str, tex_file: str | None) -> list[Figure]:
    """The figures of one environment: one per caption (at least one)."""
    subs, rest = _subfigures(body)
    caps = _captions(rest)
    plain = [(pos, Panel(None, None, None, [p])) for pos, p in _graphics(rest)]
    if len(caps) <= 1:
        cap = caps[0] if caps else (0, 0, None, None)
        label = _LABEL.search(rest[cap[1]:] if caps else rest) or _LABEL.search(rest)
        return [_figure(env, cap, label, tex_file, subs, plain)]
    regions = _regions(rest, caps, min((pos for pos, _ in subs + plain), default=None))

    def owner(pos: int) -> int:                    # each panel goes to the caption region holding it
        held = [i for i, (a, b) in enumerate(regions) if a <= pos < b]
        return held[0] if held else min(range(len(caps)), key=lambda i: abs(caps[i][0] - pos))

    figures = []
    for i, cap in enumerate(caps):
        switch = [m.group(1) or m.group(2) for m in _CAPTYPE.finditer(rest, 0, cap[0])]
        if switch and switch[-1] != "figure":      # \setcaptype{table}: a table's caption
            continue
        a, b = regions[i]
        label = (_LABEL.search(rest, cap[1], b) if cap[1] < b else None) or _LABEL.search(rest[a:b])
        figures.append(_figure(env, cap, label, tex_file, [s for s in subs if owner(s[0]) == i],
                               [p for p in plain if owner(p[0]) == i]))
    return figures


def _figure(env: str, cap: tuple, label, tex_file: str | None, subs: list, plain: list) -> Figure:
    """A figure from its caption, sub-figures and loose images (a legend beside the panels is
    an image of the figure with no sub-caption), images in source order."""
    panels = [p for _, p in subs]
    images = [img for _, p in sorted(subs + plain, key=lambda x: x[0]) for img in p.as_images()]
    return Figure(0, env, cap[2], label.group(1) if label else None, tex_file, images, cap[3], panels)


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
        elif env == "floatingfigure":
            _, _, after = command_args(body, 0, optional=1, required=1)
            body = body[after:]
        raw.append((m.start(), env.rstrip("*"), body))
        spans.append((m.start(), end))
        pos = end
    for m in _CAPTIONOF.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        start = text.rfind("\\begin{minipage}", 0, m.start())
        close = text.find("\\end{minipage}", m.start())
        opts, reqs, end = command_args(text, m.end(), optional=1, required=1)
        if start < 0 or any(a <= start < b for a, b in spans) or close < 0 or close - start > 20_000:
            para = text.find("\n\n", end)            # not in a minipage: its paragraph
            start, close = max(text.rfind("\n\n", 0, m.start()), 0), para if para >= 0 else len(text)
        short = "*" if "*" in m.group(0) else f"[{opts[0]}]" if opts else ""      # starred: not listed
        body = text[start:m.start()] + f"\\caption{short}{{" + (reqs[0] if reqs else "") + "}" + text[end:close]
        raw.append((m.start(), "captionof", body))
    figures = []
    for start, env, body in sorted(raw, key=lambda r: r[0]):
        for fig in _figures(env, body, file_at(text, start)):
            fig.index = len(figures)
            figures.append(fig)
    return figures
