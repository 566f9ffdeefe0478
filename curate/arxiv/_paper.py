"""From a paper's source files to figure rows (and the reasons for what was left out)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from curate.arxiv._caption import clean_caption
from curate.arxiv._figures import find_figures
from curate.arxiv._images import ImageError, resolve, to_png
from curate.arxiv._source import Paper
from curate.arxiv._tex import find_main, flatten, graphicspath, macros


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


def extract(paper: Paper, settings: FigureSettings) -> tuple[list[dict], list[tuple[str, str, str]]]:
    """(figure rows, rejected (what, reason, detail)) of one paper."""
    t0 = time.monotonic()
    rejected = list(paper.refused)
    tex = {p: _decode(d) for p, d in paper.files.items() if p.lower().endswith((".tex", ".ltx", ".sty", ".cls"))}
    main = find_main(tex)
    if main is None:
        return [], rejected + [("", "no_main_tex", "no .tex file with \\documentclass and \\begin{document}")]
    problems: list[str] = []
    text, _ = flatten(tex, main, problems)
    rejected += [("", "include_problem", p) for p in problems]
    defs = macros(text)
    search = graphicspath(text)
    rows = []
    for fig in find_figures(text):
        caption = clean_caption(fig.caption, defs)
        many = len(fig.images) > 1
        if not fig.images:
            rejected.append((f"figure {fig.index}", "no_image", "figure without \\includegraphics"))
        for k, img in enumerate(fig.images):
            what = f"figure {fig.index} image {k} ({img.path})"
            if time.monotonic() - t0 > settings.paper_seconds:
                rejected.append((what, "paper_timeout", f"over {settings.paper_seconds}s"))
                continue
            sub = clean_caption(img.sub_caption, defs) or None
            if len(caption) < settings.min_caption_chars and not sub:
                reason = "empty_caption" if not caption else "short_caption"
                rejected.append((what, reason, repr(caption)))
                continue
            found = resolve(img.path, fig.tex_file, search, paper.files)
            if found is None:
                rejected.append((what, "missing_image", f"{img.path} not in the source"))
                continue
            try:
                png = to_png(paper.files[found], dpi=settings.dpi, max_pixels=settings.max_pixels,
                             max_bytes=settings.max_image_bytes, timeout=settings.image_seconds)
            except ImageError as exc:
                rejected.append((what, exc.reason, exc.detail))
                continue
            rows.append({"paper_id": paper.paper_id, "figure_index": fig.index, "subfigure_index": k if many else None,
                         "label": img.sub_label or fig.label, "caption": caption, "sub_caption": sub,
                         "image_path": img.path, "image_file": found, "image_format": png.format, "image": png.data,
                         "width": png.width, "height": png.height, "tex_file": fig.tex_file, "source": paper.source})
    return rows, rejected


def arxivcap_row(paper_id: str, rows: list[dict]) -> dict:
    """One paper's figures in ArxivCap's layout."""
    figures: dict[int, dict] = {}
    for r in rows:
        fig = figures.setdefault(r["figure_index"], {"caption": r["caption"], "cil_pairs": []})
        fig["cil_pairs"].append({"sub_caption": r["sub_caption"], "image_file": r["image_file"], "image": r["image"]})
    return {"arxiv_id": paper_id, "caption_images": [figures[k] for k in sorted(figures)]}
