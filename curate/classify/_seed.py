"""Seed texts for the math classifier: files (Parquet/JSONL with a text column, plain text,
Markdown, LaTeX) or a DuckDB query; long files are cut into chunks of about ``chunk_words``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from curate.errors import FatalError


def chunk_text(text: str, chunk_words: int) -> list[str]:
    """``text`` cut into chunks of about ``chunk_words`` words (up to 1.5x that stays whole)."""
    words = text.split()
    if len(words) <= chunk_words * 1.5:
        return [text] if words else []
    return [" ".join(words[i:i + chunk_words]) for i in range(0, len(words), chunk_words)]


_COMMENT = re.compile(r"(?<!\\)%.*")
_NOISE = re.compile(r"\\(?:label|index|glsadd|ref|eqref|pageref|cite[tp]?|hypertarget|sectionnotes)\*?(?:\[[^\]]*\])?\{[^{}]*\}")
_DISPLAY = re.compile(r"\\(?:begin|end)\{(?:equation|align|alignat|gather|multline|eqnarray|displaymath)\*?\}")
_HEADING = re.compile(r"\\(?:part|chapter|section|subsection|subsubsection|paragraph)\*?(?:\[[^\]]*\])?\{([^{}]*)\}")
_STYLE = re.compile(r"\\(?:emph|textbf|textit|myindex|underline)\{([^{}]*)\}")
_ENV = re.compile(r"\\(?:begin|end)\{[A-Za-z]+\*?\}(?:\[[^\]]*\])?")
_SPACING = re.compile(r"\\(?:medskip|bigskip|smallskip|noindent|newpage|clearpage|vspace\*?\{[^{}]*\}|hspace\*?\{[^{}]*\})")


def tex_to_text(source: str) -> str:
    """LaTeX source as it reads on a web page: comments, labels, index entries and spacing
    dropped, headings as ``# title``, display environments as ``$$``, math itself kept.

    Our choice: seeds are often LaTeX (books, arXiv) while the pages scored are extracted
    HTML; without this a classifier learns ``\\label`` and ``%`` rather than mathematics."""
    text = _COMMENT.sub("", source)
    text = _NOISE.sub("", text)
    text = _DISPLAY.sub("$$", text)
    text = _HEADING.sub(r"# \1", text)
    text = _STYLE.sub(r"\1", _STYLE.sub(r"\1", text))      # twice: \emph{\myindex{x}}
    text = _ENV.sub("", text)
    return _SPACING.sub("", text)


def load_texts(paths, *, column: str = "text", chunk_words: int = 400) -> list[str]:
    """Texts from files and folders (sorted, recursive): .parquet/.jsonl rows, whole .txt/.md/.tex/.rst files
    (LaTeX through :func:`tex_to_text`)."""
    out: list[str] = []
    files = []
    for p in map(Path, paths):
        if not p.exists():
            raise FatalError(f"seed file not found: {p}")
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
            text = f.read_text(encoding="utf-8", errors="replace")
            out += chunk_text(tex_to_text(text) if suffix == ".tex" else text, chunk_words)
    if files and not out:
        raise FatalError(f"no seed text in {', '.join(map(str, paths))} (reads .parquet/.jsonl with a "
                         f"{column!r} column, and .txt/.md/.tex/.rst files)")
    return out


def query_texts(root: str | Path, sql: str) -> list[str]:
    """Texts from a DuckDB query over an output root's views (first column)."""
    from curate.query import lock_down, open_root, require_select

    require_select(sql)
    con = lock_down(open_root(root), [root])          # user SQL reads the root's datasets only
    import duckdb

    try:
        return [r[0] for r in con.execute(sql).fetchall() if r[0]]
    except duckdb.Error as exc:
        raise FatalError(f"seed_query failed: {' '.join(str(exc).split())}") from None
    finally:
        con.close()
