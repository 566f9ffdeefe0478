"""Mixtures never include what dedup or decontamination removed, wherever those wrote (the
README's layout: shards/, dedup/ and decon/ side by side), on real pages with planted copies and a
planted benchmark item; removal sets are listed with what each excluded."""

from __future__ import annotations

import json
import subprocess
import sys

import duckdb
import pytest

from curate.errors import FatalError
from pipelines.mix import run
from pipelines.mix._spec import load_spec, spec_from_mapping


def _curate(*args, cwd):
    done = subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def layout(shared, tmp_path_factory):
    """shards/ from the shared WARCs and real HTML pages plus three planted pages (two copies of
    real pages, one quoting a GSM8K test question); dedup/ and decon/ in roots of their own."""
    home = tmp_path_factory.mktemp("readme-layout")
    extra = home / "html"
    extra.mkdir()
    pages = sorted((shared / "html" / "trafilatura-cache").glob("*.html"))
    for p in pages[:2]:
        (extra / f"copy-of-{p.name}").write_bytes(p.read_bytes())
    question = json.loads((shared / "benchmarks" / "gsm8k" / "test.jsonl").read_text().splitlines()[7])["question"]
    (extra / "homework.html").write_text(f"<html><body><article><h1>Homework help</h1><p>My teacher gave us this: "
                                         f"{question}</p><p>I do not know where to start, please explain the steps "
                                         f"to me in detail.</p></article></body></html>")
    folder = home / "real"
    folder.mkdir()
    for p in pages:
        (folder / p.name).write_bytes(p.read_bytes())
    warcs = [str(shared / "warc" / "dolma" / f"sample-000{i}.warc.gz") for i in (0, 1)]
    _curate("ingest", *warcs, str(folder), str(extra), "--out", "shards", "-q", cwd=home)
    _curate("dedup", "shards", "--out", "dedup", "-q", cwd=home)
    _curate("decontaminate", "shards", "--benchmarks", str(shared / "benchmarks" / "gsm8k"), "--out", "decon", "-q",
            cwd=home)
    return home


def _ids(sql: str) -> set:
    return {r[0] for r in duckdb.sql(sql).fetchall()}


def test_removals_by_name_leave_out_every_removed_page_and_keep_the_rest(layout):
    home = layout
    (home / "specs").mkdir(exist_ok=True)
    # paths in a spec resolve relative to the spec file (the one path rule)
    (home / "specs" / "mix.yaml").write_text(
        "name: web\nroot: ../shards\ntotal_tokens: 100000000\nseed: 1\n"
        "sources:\n  - {name: web, dataset: pages, share: 1.0, removals: [../dedup, ../decon]}\n")
    manifest = run(load_spec(home / "specs" / "mix.yaml"), home / "mix")
    removed = _ids(f"SELECT id FROM read_parquet('{home}/dedup/duplicates/*.parquet') WHERE NOT keep")
    flagged = _ids(f"SELECT id FROM read_parquet('{home}/decon/contamination/*.parquet')")
    pages = _ids(f"SELECT id FROM read_parquet('{home}/shards/pages/*.parquet')")
    mixed = _ids(f"SELECT id FROM read_parquet('{home}/mix/mixture/*.parquet')")
    assert len(removed) >= 2 and len(flagged) >= 1 and len(pages) >= 150
    assert not mixed & (removed | flagged)
    assert mixed == pages - removed - flagged
    src, = manifest["sources"]
    by = {r["dataset"]: r for r in src["removals"]}
    assert by["duplicates"]["excluded"] == len(removed) and by["contamination"]["excluded"] == len(flagged)
    assert by["duplicates"]["root"].endswith("dedup") and src["removals_note"] is None and src["not_covered"] == []
    out = _curate("query", "SELECT count(*) FROM mixture", "--root", "mix", "--format", "csv", cwd=home)
    assert out.splitlines()[1] == str(len(mixed))


def test_a_source_with_no_removal_set_says_so_and_records_it(layout, tmp_path):
    spec = spec_from_mapping({"name": "raw", "root": str(layout / "shards"), "total_tokens": 1000, "seed": 1,
                              "sources": [{"name": "web", "dataset": "pages", "share": 1.0}]})
    manifest = run(spec, tmp_path / "m")
    src, = manifest["sources"]
    assert src["removals"] == [] and "nothing excluded" in src["removals_note"]
    from pipelines.mix import format_manifest

    assert "not deduplicated or decontaminated: nothing excluded" in format_manifest(manifest)


def test_a_removal_root_without_output_or_from_other_shards_is_refused(layout, tmp_path, shared):
    base = {"name": "x", "root": str(layout / "shards"), "total_tokens": 1000, "seed": 1}
    with pytest.raises(FatalError, match="holds no dedup, decontamination or filter output"):
        run(spec_from_mapping({**base, "sources": [{"name": "web", "dataset": "pages", "share": 1.0,
                                                    "removals": [str(layout / "shards")]}]}), tmp_path / "a")
    # a dedup of other shards: refused, naming the removal set
    other = tmp_path / "other"
    _curate("ingest", str(shared / "warc" / "resiliparse" / "warcfile.warc.gz"), "--out", str(other / "shards"), "-q",
            cwd=tmp_path)
    _curate("dedup", str(other / "shards"), "--out", str(other / "dedup"), "-q", cwd=tmp_path)
    with pytest.raises(FatalError, match="made from other shards"):
        run(spec_from_mapping({**base, "sources": [{"name": "web", "dataset": "pages", "share": 1.0,
                                                    "removals": [str(other / "dedup")]}]}), tmp_path / "b")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()     # a refused run leaves nothing
