"""A multi-domain page set for the recall loop, built at test time from ../shared/data.

- real web pages of html/ (extracted by curate) on their own hosts, and the 30 dolma
  Common Crawl documents under their real URLs: mostly non-math;
- a forum on ``forum.test`` (our invention, real texts): threads of three MATH-500 problems with
  solutions and of three GSM8K word problems under ``/questions/``, more GSM8K threads under
  ``/archive/``, and
  dolma texts as member pages under ``/users/``.

A textbook-seeded classifier collects the LaTeX-heavy MATH-500 pages in round 1 but few of
the plain-English GSM8K ones, which is what the prefix annotation must fix in round 2.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from curate.extract import Rejected, domain_of, extract_html, host_of
from curate.extract._math import text_markers
from schemas import PAGES

_TLDS = {"de", "com", "org", "net", "info", "at", "ch", "fr", "uk", "io", "eu", "us", "gov", "edu", "it", "blog"}


def _site_url(stem: str) -> str:
    parts = stem.split(".")
    for i in range(1, len(parts)):
        if parts[i] in _TLDS:
            return f"https://{'.'.join(parts[:i + 1])}/{'/'.join(parts[i + 1:])}"
    return f"https://{stem}/"


def _row(url: str, text: str) -> dict:
    import hashlib

    host = host_of(url)
    return {"id": hashlib.sha1(url.encode()).hexdigest()[:16], "url": url, "host": host, "domain": domain_of(host),
            "text": text, "n_chars": len(text), "has_math": bool(text_markers(text))}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build(shared: Path, folder: Path, *, n_math: int = 20, n_gsm: int = 20, n_archive: int = 10) -> dict:
    """Write pages shards under ``folder/pages``; return the ids of each group."""
    rows, groups = [], {"math500": [], "gsm_questions": [], "gsm_archive": [], "users": [], "web": []}
    for r in csv.DictReader((shared / "html" / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t"):
        path = shared / "html" / r["path"]
        url = (f"https://colah.github.io/posts/{path.stem}/" if r["path"].startswith("colah")
               else _site_url(path.stem))
        try:
            rows.append(_row(url, extract_html(path.read_bytes(), url)["text"]))
        except Rejected:
            continue
        groups["web"].append(rows[-1]["id"])
    dolma = [d for f in sorted((shared / "math_text" / "negative" / "dolma-cc").glob("*.jsonl")) for d in _jsonl(f)]
    for d in dolma:
        rows.append(_row(d["id"], d["text"]))
        groups["web"].append(rows[-1]["id"])
    for i, d in enumerate(dolma[:20]):
        rows.append(_row(f"https://forum.test/users/member{i}", d["text"]))
        groups["users"].append(rows[-1]["id"])
    math500 = _jsonl(shared / "benchmarks" / "math500" / "test.jsonl")
    gsm = _jsonl(shared / "benchmarks" / "gsm8k" / "test.jsonl")
    def thread(items, label):           # a forum thread: three problems with their solutions
        return "\n\n".join(f"{q['question']}\n\n{label} {q['answer']}" for q in items)

    for i in range(n_math):
        rows.append(_row(f"https://forum.test/questions/m{i}", thread(math500[3 * i:3 * i + 3], "Solution.")))
        groups["math500"].append(rows[-1]["id"])
    for i in range(n_gsm):
        rows.append(_row(f"https://forum.test/questions/g{i}", thread(gsm[3 * i:3 * i + 3], "Answer.")))
        groups["gsm_questions"].append(rows[-1]["id"])
    for i in range(n_gsm, n_gsm + n_archive):
        rows.append(_row(f"https://forum.test/archive/g{i}", thread(gsm[3 * i:3 * i + 3], "Answer.")))
        groups["gsm_archive"].append(rows[-1]["id"])
    out = folder / "pages"
    out.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pylist(rows, schema=PAGES)
    third = (len(rows) + 2) // 3
    for k in range(3):
        pq.write_table(table.slice(k * third, third), out / f"part-{k}.parquet")
    return groups


def seed_files(shared: Path) -> list[str]:
    return [str(p) for p in sorted((shared / "math_text" / "positive" / "lebl-basic-analysis").glob("*.tex"))]
