"""Corpus statistics over an output root (for ``curate stats`` and its HTML report)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from curate.query._catalog import open_root


def _views(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}


def _columns(con, view: str) -> set[str]:
    return {r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()}


def _pairs(con, sql: str) -> list[tuple]:
    return [tuple(r) for r in con.execute(sql).fetchall()]


def _thumbnails(con, count: int = 6, size: int = 220) -> list[dict]:
    """A few figures (the first image of the first figures, one per paper first) as small PNGs."""
    import io

    from PIL import Image

    rows = con.execute(f"""
        SELECT paper_id, caption, sub_caption, image FROM (
            SELECT *, row_number() OVER (PARTITION BY paper_id ORDER BY figure_index, subfigure_index NULLS FIRST) AS k
            FROM figures) ORDER BY k, paper_id LIMIT {count}""").fetchall()
    out = []
    for paper_id, caption, sub_caption, image in rows:
        try:
            with Image.open(io.BytesIO(image)) as img:
                img.thumbnail((size, size))
                buf = io.BytesIO()
                img.save(buf, format="PNG")
        except Exception:                          # an unreadable image is left out of the report only
            continue
        out.append({"paper_id": paper_id, "caption": caption, "sub_caption": sub_caption, "png": buf.getvalue()})
    return out


def collect(root: str | Path, top: int = 12) -> dict:
    """Counts, approximate tokens (characters / 4 where no token column exists), and the
    breakdowns a report shows: domains, languages, lengths, removals, duplicates,
    contamination, code languages, mixture sources."""
    con = open_root(root)
    views = _views(con)
    out: dict = {"root": ", ".join(map(str, root)) if isinstance(root, (list, tuple)) else str(root),
                 "datasets": {}, "charts": {}}
    for view in sorted(views - {"removals", "ledger"}):
        cols = _columns(con, view)
        tokens = "sum(tokens)" if "tokens" in cols else "sum(n_chars) / 4" if "n_chars" in cols else "NULL"
        rows, toks = con.execute(f"SELECT count(*), {tokens} FROM {view}").fetchall()[0]
        # exact where a tokenizer counted them (a tokens column); characters / 4 otherwise
        out["datasets"][view] = {"rows": int(rows), "tokens": int(toks) if toks is not None else None,
                                 "exact": "tokens" in cols}
    charts = out["charts"]
    if "pages" in views:
        charts["Top domains (pages)"] = _pairs(con, f"SELECT coalesce(domain, '?'), count(*) FROM pages "
                                                    f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {top}")
        charts["Languages (pages)"] = _pairs(con, f"SELECT coalesce(lang, '?'), count(*) FROM pages "
                                                  f"GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {top}")
        charts["Page length, characters (pages)"] = _pairs(con, """
            SELECT CASE b WHEN 0 THEN 'under 500' WHEN 1 THEN '500 to 1,999' WHEN 2 THEN '2,000 to 7,999'
                          WHEN 3 THEN '8,000 to 31,999' ELSE '32,000 or more' END, n
            FROM (SELECT (n_chars >= 500)::INT + (n_chars >= 2000)::INT + (n_chars >= 8000)::INT
                         + (n_chars >= 32000)::INT AS b, count(*) AS n FROM pages GROUP BY 1) ORDER BY b""")
        if "math_score" in _columns(con, "pages"):
            charts["Math score histogram (pages)"] = _pairs(con, """
                SELECT printf('%.1f', floor(math_score * 10) / 10), count(*) FROM pages
                WHERE math_score IS NOT NULL GROUP BY 1 ORDER BY 1""")
    if "math_scores" in views:   # the last recall round: the one whose selection stands
        charts["Math score histogram (last recall round)"] = _pairs(con, """
            SELECT printf('%.1f', least(floor(math_score * 10) / 10, 0.9)), count(*) FROM math_scores
            WHERE round = (SELECT max(round) FROM math_scores) GROUP BY 1 ORDER BY 1""")
    if "math_rounds" in views:
        charts["Pages selected per recall round"] = _pairs(con, "SELECT 'round ' || round, selected FROM math_rounds "
                                                                "ORDER BY round")
        charts["New pages per recall round"] = _pairs(con, "SELECT 'round ' || round, new_selected FROM math_rounds "
                                                           "ORDER BY round")
    if "removals" in views:
        charts["Removals by reason"] = _pairs(con, "SELECT pipeline || ': ' || reason, count(*) FROM removals "
                                                   "GROUP BY 1 ORDER BY 2 DESC, 1")
        # each removed page once, and how many pipelines removed it (the overlap of the sets)
        overlap = _pairs(con, """
            SELECT CASE WHEN n = 1 THEN 'by one pipeline' ELSE 'by ' || n || ' pipelines' END, count(*)
            FROM (SELECT id, count(DISTINCT pipeline) AS n FROM removals WHERE id IS NOT NULL GROUP BY id)
            GROUP BY n ORDER BY n""")
        if overlap:
            charts["Removed pages, each once"] = overlap
    if "duplicates" in views:
        # clusters, not documents: a cluster of 5 is one cluster (its 5 rows share cluster_id)
        charts["Duplicate clusters by size (documents per cluster: clusters)"] = _pairs(con, """
            SELECT CASE WHEN cluster_size >= 10 THEN '10+' ELSE cluster_size::VARCHAR END, count(DISTINCT cluster_id)
            FROM duplicates GROUP BY 1 ORDER BY min(cluster_size)""")
    if "contamination" in views:
        charts["Contaminated documents by benchmark"] = _pairs(con, "SELECT benchmark, count(DISTINCT id) "
                                                                    "FROM contamination GROUP BY 1 ORDER BY 2 DESC, 1")
    if "code_samples" in views:
        charts["Code samples by language"] = _pairs(con, "SELECT language, count(*) FROM code_samples "
                                                         "GROUP BY 1 ORDER BY 2 DESC, 1")
        charts["FIM modes (code samples)"] = _pairs(con, "SELECT coalesce(fim_mode, 'none'), count(*) "
                                                         "FROM code_samples GROUP BY 1 ORDER BY 1")
    if "figures" in views:
        charts["Figure images by original format"] = _pairs(con, "SELECT image_format, count(*) FROM figures "
                                                                  "GROUP BY 1 ORDER BY 2 DESC, 1")
        out["thumbnails"] = _thumbnails(con)
    if "mixture" in views:
        charts["Mixture tokens by source"] = _pairs(con, "SELECT source, sum(tokens) FROM mixture "
                                                         "GROUP BY 1 ORDER BY 2 DESC")
    con.close()
    return out


def token_cell(d: dict) -> str:
    """A dataset's token count as shown: exact counts as they are, estimates marked ``~``."""
    if d["tokens"] is None:
        return "-"
    return f"{d['tokens']:,}" if d.get("exact") else f"~{d['tokens']:,}"


def format_stats(stats: dict) -> str:
    lines = [f"root: {stats['root']}", "", f"{'dataset':16s} {'rows':>12s} {'tokens':>18s}"]
    for name, d in stats["datasets"].items():
        lines.append(f"{name:16s} {d['rows']:>12,} {token_cell(d):>18s}")
    if any(d["tokens"] is not None and not d.get("exact") for d in stats["datasets"].values()):
        lines.append("(~: approximate, characters / 4; other token counts are the tokenizer's)")
    for title, pairs in stats["charts"].items():
        lines += ["", title]
        lines += [f"  {str(k):40s} {v:>10,}" for k, v in pairs]
    return "\n".join(lines)
