"""Main text on real pages: where trafilatura keeps only a layout table, and what we prune first."""

from __future__ import annotations

import trafilatura

from curate.extract import extract_html
from curate.extract import _page
from curate.extract._page import decode_html, parse_html
from curate.io import iter_records

SHOP = "uraharajuku.st/shopdetail/"


def _shop_pages(shared) -> list:
    with open(shared / "warc" / "resiliparse" / "clueweb-quirk.warc.gz", "rb") as fh:
        return [r for r in iter_records(fh) if r.url and SHOP in r.url and r.body]


def test_a_shop_sidebar_no_longer_replaces_each_product_description(shared):
    """29 product pages of one table-built shop (ClueWeb pages in resiliparse's test WARC): plain
    trafilatura returns the same sidebar ranking for every one, the product's description lost.
    Ours puts each description first and keeps the table (nothing plain trafilatura kept is lost)."""
    pages = _shop_pages(shared)
    assert len(pages) == 29
    bare = {trafilatura.extract(decode_html(r.body, r.charset)) for r in pages}
    assert len(bare) == 1 and "人気ランキング" in next(iter(bare))       # the one sidebar, 29 times
    texts = [extract_html(r.body, r.url, r.charset)["text"] for r in pages]
    described = [t for t in texts if not t.startswith("|")]          # prose first, then the table
    assert len(described) == 26                # 3 pages where readability finds no description either
    assert all("人気ランキング" in t for t in texts)
    assert len(set(texts)) >= 20                 # not one text for 29 pages (some list one product twice)
    first = next(t for r, t in zip(pages, texts) if r.url.endswith("001005000005/019/000/order/"))
    assert "ノートパソコンが収納可能なＰＣ対応のブリーフケース" in first


def test_pages_whose_text_is_a_real_table_stay_as_they_are():
    """A page whose only content is a data table: no prose elsewhere, so the table alone."""
    rows = "".join(f"<tr><td>{y}</td><td>{y * 37 % 101}</td></tr>" for y in range(1990, 2030))
    html = f"<html><head><title>t</title></head><body><table>{rows}</table></body></html>".encode()
    text = extract_html(html)["text"]
    assert text.lstrip().startswith("|") and "2029" in text


def test_pruning_what_trafilatura_never_reads_changes_no_text(shared, monkeypatch):
    """Scripts, styles, SVG, <meta> and <link> go before trafilatura copies the tree: on every
    shared real page the text is the one it gives with them (and the pruning did remove some)."""
    pages = [p.read_bytes() for p in sorted((shared / "html").rglob("*.html"))]
    assert len(pages) >= 100
    pruned = [extract_html(body) for body in pages]
    drop_unread = _page.drop_unread
    monkeypatch.setattr(_page, "drop_unread", lambda tree: None)
    assert pruned == [extract_html(body) for body in pages]
    removed = 0
    for body in pages[:20]:
        tree = parse_html(decode_html(body, None))
        before = sum(1 for _ in tree.iter())
        drop_unread(tree)
        removed += before - sum(1 for _ in tree.iter())
        assert next(tree.iter("style", "svg", "meta", "link"), None) is None
    assert removed > 1000
