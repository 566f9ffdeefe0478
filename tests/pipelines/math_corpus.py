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


def _html(title: str, paragraphs: list[str]) -> bytes:
    """A forum page as a crawler sees it: navigation, scripts, the post, a footer."""
    import html

    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head><title>{html.escape(title)}</title>"
            "<script>window.cfg={ads:true, re:/\\(x\\)/}; function track(){return 1}</script>"
            "<style>body{font:14px sans-serif}</style></head><body>"
            "<nav><a href='/'>Home</a> | <a href='/questions'>Questions</a> | <a href='/users'>Users</a></nav>"
            f"<main><article><h1>{html.escape(title)}</h1>{body}</article></main>"
            "<footer>Content licensed CC BY-SA. <a href='/privacy'>Privacy</a> <a href='/terms'>Terms</a></footer>"
            "</body></html>").encode()


def html_records(shared: Path, *, copies: int = 1, n_math: int = 20, n_gsm: int = 20, n_users: int = 0) -> list[dict]:
    """WARC records (url, body, label) of a crawl-like mix: the real html/ pages (``copies`` times,
    under distinct URLs), dolma texts as blog pages, forum threads of MATH-500 (LaTeX in
    ``$...$``) and GSM8K (plain English, no markup) problems, and ``n_users`` forum member pages
    (dolma texts under forum.test/users/). ``label`` is math or non_math."""
    out = []
    index = list(csv.DictReader((shared / "html" / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t"))
    for k in range(copies):
        for r in index:
            path = shared / "html" / r["path"]
            label = "math" if r["math_label"] in ("math", "some_math") else "non_math"
            out.append({"url": f"{_site_url(path.stem).rstrip('/')}/copy{k}", "body": path.read_bytes(), "label": label})
        for f in sorted((shared / "math_text" / "negative" / "dolma-cc").glob("*.jsonl")):
            for d in _jsonl(f):
                out.append({"url": f"https://blog{k}.test/{d['id']}", "label": "non_math",
                            "body": _html(d["text"][:60], d["text"].split("\n"))})
    math500 = _jsonl(shared / "benchmarks" / "math500" / "test.jsonl")
    gsm = _jsonl(shared / "benchmarks" / "gsm8k" / "test.jsonl")
    for name, items, label, n in (("m", math500, "Solution.", n_math), ("g", gsm, "Answer.", n_gsm)):
        for i in range(n):
            paras = [p for q in items[3 * i:3 * i + 3] for p in (q["question"], f"{label} {q['answer']}")]
            out.append({"url": f"https://forum.test/questions/{name}{i}", "label": "math",
                        "body": _html(f"Question {name}{i}", paras)})
    dolma = [d for f in sorted((shared / "math_text" / "negative" / "dolma-cc").glob("*.jsonl")) for d in _jsonl(f)]
    for i, d in enumerate(dolma[:n_users]):
        out.append({"url": f"https://forum.test/users/member{i}", "label": "non_math",
                    "body": _html(f"member{i}", d["text"].split("\n"))})
    return out


def training_texts(shared: Path, records: list[dict] | None = None) -> tuple[list[str], list[str]]:
    """(positives, negatives) of a round-2-like math model: the textbook seed plus MATH-500 and
    GSM8K problems that are not on the forum, against the shared negatives and the real Common
    Crawl pages of warc/ extracted by curate (so negatives look like what is scored). With
    ``records``, every other non-math html/ page of copy 0 is a negative too; the rest stay unseen."""
    from curate.classify import load_texts
    from curate.extract import looks_like_html
    from curate.io import iter_records

    problems = [json.loads(line) for name in ("math500", "gsm8k")
                for line in (shared / "benchmarks" / name / "test.jsonl").read_text().splitlines()[200:700]]
    positives = load_texts([shared / "math_text" / "positive"], chunk_words=200)
    positives += [f"{p['question']} {p['answer']}" for p in problems]
    negatives = load_texts([shared / "math_text" / "negative"], chunk_words=200)
    bodies = [r["body"] for r in records or [] if "/copy0" in r["url"] and r["label"] == "non_math"][::2]
    for name in ("dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz", "resiliparse/warcfile.warc.gz",
                 "resiliparse/clueweb-quirk.warc.gz"):
        with open(shared / "warc" / name, "rb") as fh:
            bodies += [rec.body for rec in iter_records(fh) if rec.body and looks_like_html(rec.body)]
    for body in bodies:
        try:
            negatives.append(extract_html(body)["text"])
        except Rejected:
            pass
    return positives, negatives


def train_model(shared: Path, path: Path, records: list[dict] | None = None) -> Path:
    """A model on :func:`training_texts`, whole texts, fixed settings (fast to train, for tests)."""
    from curate.classify import TrainParams, train

    positives, negatives = training_texts(shared, records)
    return train(positives, negatives, path, TrainParams(epoch=40, lr=0.5, min_count=1))
