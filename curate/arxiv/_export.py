"""Figure images as files, for people who want to look: PNGs plus ArxivCap-style JSON Lines.

``export(root, out)`` reads the committed ``figures`` shards of an arXiv run (through the same
DuckDB views as ``curate query``) and writes::

    out/images/<paper>/<figure>[-<subfigure>].png
    out/figures.jsonl      {"image": "images/...png", "caption", "sub_caption", "paper_id", ...}

File names come from the paper id with anything but ``[A-Za-z0-9._-]`` replaced (old-style ids
such as ``hep-th/9901001`` have a slash), so no row can name a path outside ``out``. Every file
is written atomically; a rerun rewrites the same bytes, and images no row names are left alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from curate.io import write_atomic

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class ExportSummary:
    images: int
    papers: int
    jsonl: Path


def image_name(paper_id: str, figure_index: int, subfigure_index: int | None) -> str:
    """``images/<paper>/<figure>[-<sub>].png`` with the paper id made a safe folder name."""
    folder = _UNSAFE.sub("_", paper_id).strip(".") or "_"
    sub = "" if subfigure_index is None else f"-{subfigure_index}"
    return f"images/{folder}/{figure_index}{sub}.png"


def export(root, out: str | Path, *, limit: int | None = None) -> ExportSummary:
    """Write every committed figure of ``root`` (one root or several) under ``out``."""
    from curate.errors import FatalError
    from curate.query import connect

    out = Path(out)
    con = connect(root)
    views = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if "figures" not in views:
        raise FatalError(f"no figures under {root}: run `curate arxiv SOURCE --out ROOT` first")
    sql = ("SELECT paper_id, figure_index, subfigure_index, label, caption, sub_caption, width, height, image "
           "FROM figures ORDER BY paper_id, figure_index, subfigure_index NULLS FIRST, image_file")
    if limit:
        sql += f" LIMIT {int(limit)}"
    lines, papers, seen = [], set(), set()
    for pid, fig, sub, label, caption, sub_caption, width, height, image in con.execute(sql).fetchall():
        name = image_name(pid, fig, sub)
        if name in seen:                           # two papers whose ids differ only in unsafe characters
            name = name[:-4] + f"-{len(seen)}.png"
        seen.add(name)
        write_atomic(out / name, image, mode=0o644)      # for others to look at
        papers.add(pid)
        lines.append(json.dumps({"image": name, "caption": caption, "sub_caption": sub_caption, "paper_id": pid,
                                 "figure_index": fig, "subfigure_index": sub, "label": label,
                                 "width": width, "height": height}, ensure_ascii=False))
    con.close()
    jsonl = out / "figures.jsonl"
    write_atomic(jsonl, ("\n".join(lines) + "\n" if lines else "").encode(), mode=0o644)
    return ExportSummary(len(lines), len(papers), jsonl)
