"""Seed texts for the math classifier: files (Parquet/JSONL with a text column, plain text,
Markdown, LaTeX) or a DuckDB query; long files are cut into chunks of about ``chunk_words``."""

from __future__ import annotations

import json
from pathlib import Path

from curate.errors import FatalError


def _chunks(text: str, chunk_words: int) -> list[str]:
    words = text.split()
    if len(words) <= chunk_words * 1.5:
        return [text] if words else []
    return [" ".join(words[i:i + chunk_words]) for i in range(0, len(words), chunk_words)]


def load_texts(paths, *, column: str = "text", chunk_words: int = 400) -> list[str]:
    """Texts from files and folders (sorted, recursive): .parquet/.jsonl rows, whole .txt/.md/.tex/.rst files."""
    out: list[str] = []
    files = []
    for p in map(Path, paths):
        files += sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        suffix = f.suffix.lower()
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            out += [t for t in pq.read_table(f, columns=[column]).column(column).to_pylist() if t]
        elif suffix in (".jsonl", ".json"):
            for n, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
                if line.strip():
                    try:
                        value = json.loads(line).get(column)
                    except (json.JSONDecodeError, AttributeError) as exc:
                        raise FatalError(f"{f}:{n + 1}: not a JSON object with {column!r}") from exc
                    if value:
                        out.append(value)
        elif suffix in (".txt", ".md", ".tex", ".rst", ".markdown", ""):
            out += _chunks(f.read_text(encoding="utf-8", errors="replace"), chunk_words)
    return out


def query_texts(root: str | Path, sql: str) -> list[str]:
    """Texts from a DuckDB query over an output root's views (first column)."""
    from curate.query import open_root

    con = open_root(root)
    try:
        return [r[0] for r in con.execute(sql).fetchall() if r[0]]
    finally:
        con.close()
