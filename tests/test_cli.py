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


def test_dedup_and_decontaminate_commands_then_query_views(shared, tmp_path):
    from tests.dedup.corpus import real_texts, write_pages

    texts = real_texts(shared)[:12]
    gsm = json.loads((shared / "benchmarks" / "gsm8k" / "test.jsonl").read_text().splitlines()[0])["question"]
    rows = [{"id": f"d{i}", "url": f"https://e.example/{i}", "text": t} for i, t in enumerate(texts)]
    rows += [{"id": "z-copy", "url": "https://f.example/", "text": texts[4]},
             {"id": "leak", "url": "https://g.example/", "text": "Forum post: " + gsm}]
    write_pages(tmp_path / "in" / "pages" / "s.parquet", rows)
    out = str(tmp_path / "out")
    done = curate("dedup", str(tmp_path / "in"), "--out", out, "--threshold", "0.8", "-q")
    assert done.returncode == 0, done.stderr
    assert "14 documents, 13 kept" in done.stdout
    done = curate("decontaminate", str(tmp_path / "in"), "--benchmarks", str(shared / "benchmarks"),
                  "--only", "gsm8k,mgsm_en", "--out", out + "-decon", "-q")
    assert done.returncode == 0, done.stderr
    q = curate("query", "SELECT d.id, d.reason, d.duplicate_of, c.benchmark FROM duplicates d "
               "LEFT JOIN contamination c USING (id) WHERE NOT d.keep OR c.id IS NOT NULL ORDER BY d.id",
               "--root", out, "--root", out + "-decon", "--format", "json")
    assert q.returncode == 0, q.stderr
    found = [json.loads(line) for line in q.stdout.splitlines()]
    assert {(r["id"], r["reason"], r["duplicate_of"]) for r in found if r["reason"]} == {("z-copy", "exact_duplicate", "d4")}
    assert sorted(r["benchmark"] for r in found if r["id"] == "leak") == ["gsm8k", "mgsm_en"]
    bad = curate("dedup", str(tmp_path / "nothing-here"), "--out", out)
    assert bad.returncode == 2 and "no Parquet input" in bad.stderr


def test_mix_catalog_and_stats_commands(shared, tmp_path):
    from tests.dedup.corpus import real_texts, write_pages

    root = tmp_path / "root"
    texts = real_texts(shared, chunk_words=150)
    write_pages(root / "pages" / "s.parquet", [{"id": f"d{i}", "text": t, "lang": "en", "n_chars": len(t),
                                                "has_math": "\\" in t} for i, t in enumerate(texts)])
    spec = tmp_path / "mix.yaml"
    spec.write_text(f"name: t\nroot: {root}\ntotal_tokens: 50000\nseed: 1\nrows_per_shard: 100\nsources:\n"
                    "  - {name: math, dataset: pages, where: has_math, share: 0.7, max_epochs: 3}\n"
                    "  - {name: other, dataset: pages, where: NOT has_math, share: 0.3}\n")
    done = curate("mix", str(spec), "--out", str(root / "mixes" / "t"))
    assert done.returncode == 0, done.stderr
    assert "math" in done.stdout and "share 0.7" in done.stdout
    quiet = curate("mix", str(spec), "--out", str(root / "mixes" / "t"), "-q")       # -q: the one-line result
    assert quiet.returncode == 0 and quiet.stdout.count("\n") == 1 and quiet.stdout.startswith("mixture:")
    again = curate("mix", "--rebuild", str(root / "mixes" / "t" / "manifest.json"), "--out", str(tmp_path / "t2"), "-q")
    assert again.returncode == 0, again.stderr
    cat = curate("catalog", "--root", str(root))
    assert cat.returncode == 0 and "pages" in cat.stdout
    q = curate("query", "SELECT count(*) AS n FROM pages", "--db", str(root / "catalog.duckdb"), "--format", "csv")
    assert q.returncode == 0 and q.stdout.strip().splitlines()[-1] == str(len(texts))
    stats = curate("stats", "--root", str(tmp_path / "t2"), "--html", str(tmp_path / "r.html"))
    assert stats.returncode == 0, stats.stderr
    assert "mixture" in stats.stdout and "Mixture tokens by source" in stats.stdout
    assert "<svg" in (tmp_path / "r.html").read_text()
    bad = curate("mix", str(spec), "--out", str(root / "mixes" / "t"), "-q")     # same spec again: no-op
    assert bad.returncode == 0


def test_the_readme_job_table_is_the_registry():
    from pipelines.jobs import JOBS, markdown_table

    readme = (ROOT / "README.md").read_text()
    assert markdown_table() in readme
    assert all(f"[`{name}`]" in readme for name in JOBS)     # (tests/pipelines/test_jobs.py: each one's flow)


def test_a_bad_config_is_one_line_and_exit_2(tmp_path, capsys):
    from curate.cli import main

    bad = tmp_path / "ingest.toml"
    bad.write_text('out = "x"\nsources = ["a"]\nworkerz = 3\n')
    assert main(["run", "ingest", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "curate: error: unknown IngestConfig setting(s): workerz (did you mean workers?)"


def test_stats_and_catalog_never_answer_with_silence(tmp_path, shared, capsys):
    from curate.cli import main

    assert main(["stats", "--root", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"curate: error: --root {tmp_path / 'nope'}: no such folder\n"
    (tmp_path / "empty").mkdir()
    assert main(["catalog", "--root", str(tmp_path / "empty")]) == 2
    assert capsys.readouterr().err.startswith(f"curate: error: no datasets under {tmp_path / 'empty'} (looked for")
    # a folder of runs: the roots below it are found and read together
    runs = tmp_path / "runs"
    for name, warc in (("a", "warcio/example.warc.gz"), ("b", "dolma/sample-0001.warc.gz")):
        assert main(["ingest", str(shared / "warc" / warc), "--out", str(runs / name), "-q"]) == 0
    capsys.readouterr()
    assert main(["stats", "--root", str(runs), "--html", str(tmp_path / "report.html")]) == 0
    out = capsys.readouterr().out
    assert f"root: {runs / 'a'}, {runs / 'b'}" in out
    assert re.search(r"pages\s+16\b", out), out                  # 1 + 15 pages of the two runs
    assert (tmp_path / "report.html").stat().st_mode & 0o777 == 0o644
    report = (tmp_path / "report.html").read_text()
    assert "1000000000" not in report and re.search(r"under 500|500 to 1,999|2,000 to 7,999", report)


def test_report_labels_are_whole():
    from curate.query._report import bar_chart

    label = "decontaminate: benchmark_contamination"
    svg = bar_chart([(label, 3), ("dedup: exact_duplicate", 10)])
    assert f">{label}</text>" in svg and "…" not in svg


def test_printed_next_steps_run_as_printed_without_activation(tmp_path):
    """Right after the README's first command `curate` is not on PATH: the demo's next steps
    must name the program so that they run as printed."""
    import os
    import shlex
    from pathlib import Path

    script = Path(sys.executable).parent / "curate"
    env = {**os.environ, "PATH": "/usr/bin:/bin"}                 # no venv on PATH
    done = subprocess.run([str(script), "demo", "--out", str(tmp_path / "d"), "-q", "--no-prefect"],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    steps = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith(str(script))]
    assert len(steps) == 4 and all(s.startswith(str(script)) for s in steps)
    for step in steps:
        ran = subprocess.run(shlex.split(step), capture_output=True, text=True, env=env, cwd=tmp_path)
        assert ran.returncode == 0, (step, ran.stderr)
