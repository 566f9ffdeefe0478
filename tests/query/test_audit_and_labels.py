"""The audit trail and the numbers users read, on real outputs of the shared data: every filter
drop is a ``removals`` row, the view exists on every root, token counts say whether they are
exact, cluster charts count clusters, an unsupported file is counted once, every job's hint
runs, and a column of the wrong type is one line and exit 2 for every job that reads pages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.query import collect_stats, format_stats, open_root

ROOT = Path(__file__).resolve().parents[2]


def _curate(*argv, cwd, rc=0):
    done = subprocess.run([sys.executable, "-m", "curate", *map(str, argv)], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == rc, done.stderr
    return done


@pytest.fixture(scope="module")
def roots(shared, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("audit")
    _curate("ingest", shared / "warc", shared / "html" / "colah-blog", shared / "html" / "trafilatura-cache",
            "--out", "pages", "-q", cwd=base)
    _curate("filter", "pages", "--out", "filtered", "-q", cwd=base)
    _curate("dedup", "pages", "--out", "dedup", "-q", cwd=base)
    return base


def test_every_filter_drop_is_a_removal(roots):
    con = open_root(roots / "filtered")
    dropped = con.execute("SELECT count(*) FROM quality WHERE NOT keep").fetchone()[0]
    assert dropped > 50                                   # real web pages: many fail a rule
    rows = con.execute("SELECT pipeline, stage, reason, detail, source_shard FROM removals").fetchall()
    assert len(rows) == dropped and {r[0] for r in rows} == {"filter"}
    assert all(r[2] and r[3].startswith(r[2] + " = ") and r[4] for r in rows)


def test_removals_exists_on_every_root_even_empty(roots, tmp_path):
    pq.write_table(pa.table({"id": ["a"], "text": ["x"]}), tmp_path / "nothing.parquet")
    code = tmp_path / "code"
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "main.py").write_text("print('hello')\n" * 40)
    _curate("code", repo, "--out", code, cwd=tmp_path)
    for root in (roots / "pages", roots / "dedup", code):
        con = open_root(root)
        cols = [r[0] for r in con.execute("DESCRIBE removals").fetchall()]
        assert cols[:4] == ["pipeline", "stage", "reason", "detail"]
        con.execute("SELECT count(*) FROM removals").fetchone()


def test_token_counts_say_whether_they_are_estimates(roots):
    text = format_stats(collect_stats(roots / "pages"))
    assert "tokens (approx.)" not in text
    line = next(line for line in text.splitlines() if line.startswith("pages "))
    assert "~" in line and "(~: approximate, characters / 4" in text


def test_the_cluster_chart_counts_clusters(roots):
    stats = collect_stats(roots / "dedup")
    chart = dict(stats["charts"]["Duplicate clusters by size (documents per cluster: clusters)"])
    con = open_root(roots / "dedup")
    clusters = con.execute("SELECT count(DISTINCT cluster_id) FROM duplicates").fetchone()[0]
    docs = con.execute("SELECT count(*) FROM duplicates").fetchone()[0]
    assert sum(chart.values()) == clusters < docs


def test_an_unsupported_file_is_counted_once(shared, tmp_path):
    folder = shared / "warc" / "commoncrawl-whirlwind"
    files = sorted(folder.iterdir())
    out = _curate("ingest", folder, "--out", "w", cwd=tmp_path).stdout
    first = out.splitlines()[0]
    assert first == f"inputs: {len(files) - 1} processed, 0 already done, 0 failed, 1 unsupported (recorded, not redone)"


def test_the_arxiv_hint_names_a_view_that_exists(shared, tmp_path):
    done = _curate("arxiv", shared / "arxiv" / "plasma-partition", "--out", "figs", cwd=tmp_path)
    hint = next(line.strip() for line in done.stdout.splitlines() if " query " in line)
    argv = hint.split(" query ", 1)[1]
    sql, root = argv.rsplit(" --root ", 1)
    _curate("query", sql.strip('"'), "--root", root, cwd=tmp_path)


@pytest.mark.parametrize("job", ["dedup", "filter", "decontaminate", "code"])
def test_a_column_of_the_wrong_type_is_one_line_and_exit_2(job, shared, tmp_path):
    if job == "code":
        pq.write_table(pa.table({"repo_name": ["a/b"], "path": ["x.py"], "content": pa.array([1], pa.int64())}),
                       tmp_path / "bad.parquet")
    else:
        pq.write_table(pa.table({"id": ["a", "b"], "url": ["http://x.example/1", "http://x.example/2"],
                                 "text": pa.array([1, 2], pa.int64())}), tmp_path / "bad.parquet")
    extra = ["--benchmarks", shared / "benchmarks"] if job == "decontaminate" else []
    done = _curate(job, tmp_path / "bad.parquet", *extra, "--out", "out", cwd=tmp_path, rc=2)
    assert done.stderr.count("\n") == 1 and "is int64, not" in done.stderr, done.stderr


def test_a_mixture_counts_each_excluded_page_once(roots):
    import json

    (roots / "m.yaml").write_text("name: t\nroot: pages\ntotal_tokens: 100000\nseed: 1\nsources:\n"
                                  "  - {name: web, dataset: pages, share: 1.0, removals: [dedup, filtered]}\n")
    out = _curate("mix", "m.yaml", "--out", "mixture", cwd=roots).stdout
    source = json.loads((roots / "mixture" / "manifest.json").read_text())["sources"][0]
    by_set = [r["excluded"] for r in source["removals"]]
    assert len(by_set) == 2 and source["excluded_by_several"] > 0          # dedup and the filter overlap
    assert source["excluded"] == sum(by_set) - source["excluded_by_several"]   # two sets: A + B - both
    assert source["candidates"] + source["excluded"] == 204
    assert f"excluded {source['excluded']} rows in all, each once" in out


def test_stats_count_each_removed_page_once_with_the_overlap(roots):
    stats = collect_stats([roots / "dedup", roots / "filtered"])
    chart = dict(stats["charts"]["Removed pages, each once"])
    con = open_root([roots / "dedup", roots / "filtered"])
    both = con.execute("SELECT count(*) FROM (SELECT id FROM removals GROUP BY id "
                       "HAVING count(DISTINCT pipeline) = 2)").fetchone()[0]
    pages = con.execute("SELECT count(DISTINCT id) FROM removals").fetchone()[0]
    assert both > 0 and chart["by 2 pipelines"] == both and sum(chart.values()) == pages
