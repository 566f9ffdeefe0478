"""Saved HTML pages keep the URL they name: on the shared real pages (trafilatura's test cache,
saved from the live web, and colah's blog saved from a browser), a canonical link or og:url
becomes the page's url and its domain; --base-url covers pages that name none; url_from says which."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from curate.io._htmlfiles import named_url

ROOT = Path(__file__).resolve().parents[2]


def _ingest(*argv, cwd):
    done = subprocess.run([sys.executable, "-m", "curate", "ingest", *map(str, argv), "-q"], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done


def test_saved_pages_take_the_url_they_name(shared, tmp_path):
    _ingest(shared / "html" / "trafilatura-cache", "--out", "pages", cwd=tmp_path)
    rows = duckdb.connect().execute(f"SELECT warc_path, url, domain, url_from FROM read_parquet("
                                    f"'{tmp_path}/pages/pages/*.parquet')").fetchall()
    by = {}
    for row in rows:
        by.setdefault(row[3], []).append(row)
    named = by.get("canonical", []) + by.get("og_url", [])
    assert len(named) >= 0.8 * len(rows) and by.get("og_url")           # 96 of 114 name their URL
    assert all(url.startswith(("http://", "https://")) and domain for _, url, domain, _ in named)
    # the cache's file names start with the site they were saved from: the named URL agrees
    agree = [r for r in named if r[2] in Path(r[0]).name]
    assert len(agree) >= 0.9 * len(named), [(Path(r[0]).name, r[2]) for r in named if r not in agree][:10]
    assert all(url.startswith("file://") and domain is None for _, url, domain, _ in by.get("file", []))


def test_a_base_url_covers_pages_that_name_none(shared, tmp_path):
    _ingest(shared / "html" / "colah-blog", "--base-url", "https://colah.github.io/posts", "--out", "blog",
            cwd=tmp_path)
    rows = duckdb.connect().execute(f"SELECT url, domain, url_from, id FROM read_parquet("
                                    f"'{tmp_path}/blog/pages/*.parquet') ORDER BY url").fetchall()
    assert rows and {r[2] for r in rows} == {"base_url"} and {r[1] for r in rows} == {"github.io"}
    assert all(r[0].startswith("https://colah.github.io/posts/") and r[0].endswith(".html") for r in rows)
    _ingest(shared / "html" / "colah-blog", "--out", "plain", cwd=tmp_path)
    ids = duckdb.connect().execute(f"SELECT id FROM read_parquet('{tmp_path}/plain/pages/*.parquet') "
                                   "ORDER BY id").fetchall()
    assert sorted(r[3] for r in rows) == [i for (i,) in ids]              # ids do not depend on the URL


def test_only_absolute_urls_count_and_canonical_wins():
    page = (b'<html><head><meta property="og:url" content="https://og.example/a">'
            b'<link href="https://canon.example/a?x=1&amp;y=2" rel="canonical"></head></html>')
    assert named_url(page) == ("https://canon.example/a?x=1&y=2", "canonical")
    assert named_url(b'<link rel="canonical" href="/relative"><meta property="og:url" content="https://og.example/">') \
        == ("https://og.example/", "og_url")
    assert named_url(b"<link rel=canonical href=javascript:alert(1)>") is None
    assert named_url(b"<html>no tags</html>") is None
