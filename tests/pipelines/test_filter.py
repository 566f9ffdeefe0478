"""The filter job on real pages: one quality row per page, reruns skip, new thresholds replace the
old decisions, and a mixture leaves the dropped pages out by naming the root."""

from __future__ import annotations

import subprocess
import sys

import duckdb

from pipelines.filter import FilterConfig, run


def test_filter_job_rows_reruns_retuning_and_mixture_removals(shared, tmp_path):
    from pipelines.ingest import IngestConfig
    from pipelines.ingest import run as ingest
    from pipelines.mix import run as mix
    from pipelines.mix._spec import spec_from_mapping

    ingest(IngestConfig(sources=(str(shared / "warc" / "dolma"), str(shared / "html" / "colah-blog")),
                        out=str(tmp_path / "shards")))
    pages = duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/shards/pages/*.parquet')").fetchall()[0][0]
    done = subprocess.run([sys.executable, "-m", "curate", "filter", "shards", "--out", "quality", "-q"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    q = f"read_parquet('{tmp_path}/quality/quality/*.parquet')"
    n, ids, kept = duckdb.sql(f"SELECT count(*), count(DISTINCT id), sum(keep::INT) FROM {q}").fetchall()[0]
    assert n == ids == pages and 0 < kept < pages
    reasons = duckdb.sql(f"SELECT reason, value FROM {q} WHERE NOT keep").fetchall()
    assert all(r and v is not None for r, v in reasons)
    again = run(FilterConfig(inputs=(str(tmp_path / "shards"),), out=str(tmp_path / "quality")))
    assert again.skipped == 3 and again.pages == 0
    # re-tuned: the same pages judged again, the old decisions replaced (one row per page)
    strict = run(FilterConfig(inputs=(str(tmp_path / "shards"),), out=str(tmp_path / "quality"), gopher_min_words=400))
    assert strict.pages == pages
    n, kept2 = duckdb.sql(f"SELECT count(*), sum(keep::INT) FROM {q}").fetchall()[0]
    assert n == pages and kept2 < kept
    dropped = {r[0] for r in duckdb.sql(f"SELECT id FROM {q} WHERE NOT keep").fetchall()}
    manifest = mix(spec_from_mapping({"name": "m", "root": str(tmp_path / "shards"), "total_tokens": 10**8,
                                      "sources": [{"name": "web", "dataset": "pages", "share": 1.0,
                                                   "removals": [str(tmp_path / "quality")]}]}), tmp_path / "mix")
    mixed = {r[0] for r in duckdb.sql(f"SELECT id FROM read_parquet('{tmp_path}/mix/mixture/*.parquet')").fetchall()}
    assert mixed and not mixed & dropped and len(mixed) == pages - len(dropped)
    assert manifest["sources"][0]["removals"][0]["dataset"] == "quality"
