"""The catalog file, the removals view across pipelines, and the HTML report in headless Chromium."""

from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.demo import write_demo_warc
from curate.query import collect_stats, render_report, write_catalog
from pipelines import decontaminate as dc
from pipelines import dedup as dd
from pipelines.code import CodeConfig
from pipelines.code import run as run_code
from pipelines.ingest import IngestConfig
from pipelines.ingest import run as run_ingest
from tests.dedup.corpus import real_texts, write_pages


@pytest.fixture(scope="module")
def root(shared, tmp_path_factory):
    root = tmp_path_factory.mktemp("catalog-root")
    warc = write_demo_warc(root / "input" / "demo.warc.gz")
    # one root per job (the ownership rule); the catalog finds them under the folder that holds them
    run_ingest(IngestConfig(sources=(str(warc),), out=str(root / "web")))
    texts = real_texts(shared)[:6]
    gsm = json.loads((shared / "benchmarks" / "gsm8k" / "test.jsonl").read_text().splitlines()[3])["question"]
    # Pages of another origin sit beside the root: a file dropped into pages/ without a ledger
    # record would not be read (that is how leftovers of a killed run stay invisible).
    extra = root / "extra" / "zz-extra.parquet"
    write_pages(extra, [
        {"id": f"x{i}", "url": f"https://x.example/{i}", "crawl": "CC-MAIN-2024-10", "text": t, "lang": "en",
         "domain": "x.example", "n_chars": len(t)} for i, t in enumerate(texts)] + [
        {"id": "x-copy", "url": "https://copy.example/", "crawl": "CC-MAIN-2024-22", "text": texts[2],
         "domain": "copy.example", "n_chars": len(texts[2])},
        {"id": "x-leak", "url": "https://leak.example/", "text": "Homework: " + gsm, "n_chars": 300}])
    dd.run(dd.DedupConfig(inputs=(str(root / "web" / "pages"), str(extra)), out=str(root / "dedup")))
    dc.run(dc.DecontaminateConfig(inputs=(str(root / "web" / "pages"), str(extra)),
                                  benchmarks=(str(shared / "benchmarks" / "gsm8k"),), out=str(root / "decon")))
    pq.write_table(pa.Table.from_pylist([
        {"repo_name": "acme/r", "path": "a.py", "content": "import b\nprint(b.x)\n"},
        {"repo_name": "acme/r", "path": "b.py", "content": "x = 1\n"},
        {"repo_name": "acme/r", "path": "logo.png.py", "content": "\x00\x01binary"}]), root / "stack.parquet")
    run_code(CodeConfig(sources=(str(root / "stack.parquet"),), out=str(root / "code"), dedup=False))
    return [root / name for name in ("web", "dedup", "decon", "code")]


def test_catalog_file_and_removals_across_pipelines(root, tmp_path):
    path, views = write_catalog(root, tmp_path / "cat.duckdb")
    assert {"pages", "rejected", "duplicates", "contamination", "code_samples", "code_files", "removals",
            "ledger"} <= set(views)
    con = duckdb.connect(str(path), read_only=True)        # the plain DuckDB client, no curate code
    rows = con.execute("SELECT id, url, pipeline, stage, reason, detail FROM removals").fetchall()
    got = {**{r[1]: r[2:] for r in rows}, **{r[0]: r[2:] for r in rows if r[0]}}
    assert got["x-copy"][:3] == ("dedup", "dedup", "exact_duplicate") and "duplicate of x2" in got["x-copy"][3]
    assert got["x-leak"][:3] == ("decontaminate", "decontaminate", "benchmark_contamination")
    assert "gsm8k item 3 (question)" in got["x-leak"][3]
    # one removal row per document and pipeline, whatever the number of matches behind it
    per_doc = con.execute("SELECT pipeline, count(*), count(DISTINCT id) FROM removals GROUP BY ALL").fetchall()
    assert all(rows == docs for _, rows, docs in per_doc) and len(per_doc) >= 3
    matches = con.execute("SELECT count(*) FROM contamination WHERE id = 'x-leak'").fetchall()[0][0]
    assert got["x-leak"][3].startswith(f"{matches} benchmark item(s): ")
    assert got["repo://acme/r/logo.png.py"][:3] == ("code", "code_filter", "binary_file")
    ingest = con.execute("SELECT reason, count(*) FROM removals WHERE pipeline = 'ingest' GROUP BY ALL").fetchall()
    assert dict(ingest).get("http_status") == 2                  # the demo's 404 and redirect
    comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'pages' "
                          "AND column_name = 'warc_offset'").fetchall()[0][0]
    assert "offset" in comment
    assert con.execute("SELECT count(*) FROM pages").fetchall()[0][0] == 6     # the demo's pages; extra/ is outside


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def test_html_report_renders_its_charts_in_headless_chromium(root, tmp_path):
    browser = _chromium()
    if not browser:
        pytest.skip("no chromium on this machine (the README test command installs Debian's chromium)")
    from PIL import Image

    stats = collect_stats(root)
    assert {"Top domains (pages)", "Removals by reason", "Code samples by language"} <= set(stats["charts"])
    page = tmp_path / "report.html"
    page.write_text(render_report(stats))
    shot = tmp_path / "shot.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1200,1400",
                    f"--screenshot={shot}", page.as_uri()], check=True, capture_output=True, timeout=120)
    img = Image.open(shot).convert("RGB")
    pixels = list(img.get_flattened_data())
    bar = sum(1 for r, g, b in pixels if abs(r - 0x3B) < 12 and abs(g - 0x6E) < 12 and abs(b - 0xA5) < 12)
    ink = sum(1 for p in pixels if p != (255, 255, 255))
    assert img.size == (1200, 1400)
    assert bar > 2_000, bar                                      # the SVG bars are drawn
    assert ink > 0.03 * len(pixels)                              # text and tables too
