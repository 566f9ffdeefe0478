"""From a paper's source files to figure rows (and the reasons for what was left out)."""

from __future__ import annotations

import posixpath
import re
import time
from dataclasses import dataclass

from curate.arxiv._caption import clean_caption
from curate.arxiv._figures import Figure, find_figures
from curate.arxiv._images import ImageError, resolve, to_png
from curate.arxiv._macros import ExpansionError, expand_figure_macros, macros
from curate.arxiv._source import Paper
from curate.arxiv._tex import find_mains, flatten, graphicspath, strip_comments


@dataclass(frozen=True)
class FigureSettings:
    dpi: int = 100
    max_pixels: int = 25_000_000
    max_image_bytes: int = 50 << 20
    min_caption_chars: int = 10
    paper_seconds: float = 120.0           # soft per-paper limit, checked between images
    image_seconds: float = 30.0            # Ghostscript's hard limit per image


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


@dataclass
class Document:
    """One top-level document of a source, flattened, with its figures."""
    main: str
    figures: list[Figure]
    defs: dict                     # macros, for captions
    search: list[str]              # \\graphicspath folders
    problems: list[str]            # include problems


_PACKAGE = re.compile(r"\\(?:usepackage|RequirePackage|documentclass)\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}")


def _local_packages(text: str, tex: dict[str, str]) -> str:
    """The text of the packages and class the document loads that the source itself ships."""
    names = {n.strip() for m in _PACKAGE.finditer(text) for n in m.group(1).split(",")}
    by_name = {posixpath.basename(p): p for p in tex if p.endswith((".sty", ".cls"))}
    found = [by_name[f"{n}{ext}"] for n in sorted(names) for ext in (".sty", ".cls") if f"{n}{ext}" in by_name]
    return "\n".join(strip_comments(tex[p]) for p in found)


def documents(paper: Paper, mains: list[str] | None = None) -> list[Document]:
    """Every top-level document of the paper (a paper and its supplement each have one), or
    the documents ``mains`` names."""
    tex = {p: _decode(d) for p, d in paper.files.items() if p.lower().endswith((".tex", ".ltx", ".sty", ".cls"))}
    out = []
    for main in find_mains(tex) if mains is None else [m for m in mains if m in tex]:
        problems: list[str] = []
        text, _ = flatten(tex, main, problems)
        # TeX stops reading at \end{document}; the last one (listings in manuals show others)
        text = text.rsplit("\\end{document}", 1)[0] if "\\end{document}" in text else text
        defs = macros(text)
        try:
            expanded = expand_figure_macros(text, _local_packages(text, tex))
        except ExpansionError as exc:       # a self-multiplying macro: figures as written, and why
            problems.append(f"macro expansion stopped: {exc}")
            expanded = text
        figures = find_figures(expanded)
        out.append(Document(main, figures, defs, graphicspath(text), problems))
    return out


def extract(paper: Paper, settings: FigureSettings) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """(figure rows, rejected (what, reason, detail)) of one paper: the figures of every
    top-level document, an image file used by two documents once."""
    t0 = time.monotonic()
    rejected = list(paper.refused)
    docs = documents(paper)
    if not docs:
        return [], rejected + [("", "no_main_tex", "no .tex file with \\documentclass and \\begin{document}")]
    rows, seen, index = [], {}, 0
    for doc in docs:
        rejected += [("", "include_problem", p) for p in doc.problems]
        for fig in doc.figures:
            fig_rows = _figure_rows(paper, doc, fig, index, seen, settings, t0, rejected)
            index += bool(fig_rows)
            rows += fig_rows
    return rows, rejected


def _figure_rows(paper: Paper, doc: Document, fig: Figure, index: int, seen: dict, settings: FigureSettings,
                 t0: float, rejected: list) -> list[dict]:
    caption = clean_caption(fig.caption, doc.defs)
    many = len(fig.images) > 1
    where = f"{doc.main} figure {fig.index}"
    if not fig.images:
        rejected.append((where, "no_image", "figure without \\includegraphics"))
    rows = []
    for k, img in enumerate(fig.images):
        what = f"{where} image {k} ({img.path})"
        if time.monotonic() - t0 > settings.paper_seconds:
            rejected.append((what, "paper_timeout", f"over {settings.paper_seconds}s"))
            continue
        sub = clean_caption(img.sub_caption, doc.defs) or None
        if len(caption) < settings.min_caption_chars and not sub:
            reason = "empty_caption" if not caption else "short_caption"
            rejected.append((what, reason, repr(caption)))
            continue
        found = resolve(img.path, fig.tex_file, doc.search, paper.files)
        if found is None:
            rejected.append((what, "missing_image", f"{img.path} not in the source"))
            continue
        if seen.setdefault(found, doc.main) != doc.main:      # shared with a document already done
            continue
        try:
            png = to_png(paper.files[found], dpi=settings.dpi, max_pixels=settings.max_pixels,
                         max_bytes=settings.max_image_bytes, timeout=settings.image_seconds)
        except ImageError as exc:
            rejected.append((what, exc.reason, exc.detail))
            continue
        rows.append({"paper_id": paper.paper_id, "figure_index": index, "subfigure_index": k if many else None,
                     "label": img.sub_label or fig.label, "caption": caption, "sub_caption": sub,
                     "image_path": img.path, "image_file": found, "image_format": png.format, "image": png.data,
                     "width": png.width, "height": png.height, "tex_file": fig.tex_file, "source": paper.source})
    return rows


def arxivcap_row(paper_id: str, rows: list[dict]) -> dict:
    """One paper's figures in ArxivCap's layout."""
    figures: dict[int, dict] = {}
    for r in rows:
        fig = figures.setdefault(r["figure_index"], {"caption": r["caption"], "cil_pairs": []})
        fig["cil_pairs"].append({"sub_caption": r["sub_caption"], "image_file": r["image_file"], "image": r["image"]})
    return {"arxiv_id": paper_id, "caption_images": [figures[k] for k in sorted(figures)]}
