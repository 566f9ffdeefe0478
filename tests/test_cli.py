"""The command line as a user runs it, and the README's promises."""

from __future__ import annotations

import json
import re
import subprocess
import sys

from tests.conftest import ROOT


def curate(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, cwd=cwd)


def test_demo_end_to_end_then_query(tmp_path):
    out = tmp_path / "demo"
    done = curate("demo", "--out", str(out), "-q", "--no-prefect")
    assert done.returncode == 0, done.stderr
    assert "pages written: 6" in done.stdout and "http_status: 2" in done.stdout
    assert "curate query" in done.stdout
    rows = curate("query", "SELECT url, has_math, math_markers FROM pages ORDER BY url", "--root",
                  str(out / "shards"), "--format", "json")
    assert rows.returncode == 0, rows.stderr
    pages = [json.loads(line) for line in rows.stdout.splitlines()]
    assert sum(p["has_math"] for p in pages) == 4
    text = curate("query", "SELECT text FROM pages WHERE url LIKE '%quadratic%'", "--root", str(out / "shards"),
                  "--format", "text").stdout
    assert "$$x = \\frac{-b \\pm \\sqrt{b^2 - 4ac}}{2a}.$$" in text
    again = curate("demo", "--out", str(out), "-q", "--no-prefect")
    assert "1 already done" in again.stdout and "pages written: 0" in again.stdout


def test_extract_one_file(tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><head><title>Sum</title></head><body><article><p>" + "Words of prose. " * 20 +
                    '<script type="math/tex">\\sum_k k^2</script></p></article></body></html>')
    done = curate("extract", str(page), "--url", "https://x.org/a")
    assert done.returncode == 0 and "$\\sum_k k^2$" in done.stdout and "title: Sum" in done.stdout


def test_ingest_usage_errors_are_clear(tmp_path):
    missing = curate("ingest", str(tmp_path / "none.warc.gz"), "--out", str(tmp_path / "o"), "-q")
    assert missing.returncode == 2 and "input not found" in missing.stderr
    cfg = tmp_path / "c.toml"
    cfg.write_text('sources = ["x"]\nout = "o"\nworkerz = 3\n')
    typo = curate("ingest", "--config", str(cfg), "-q")
    assert typo.returncode == 2 and "unknown IngestConfig setting(s): workerz" in typo.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.+?)\n```", readme, re.S)
    assert blocks[0].endswith("curate demo") and blocks[1].endswith("pytest")
    assert blocks[1] in (ROOT / ".ci/run").read_text()
