"""User SQL cannot leave the datasets: stacked statements in filters, COPY/ATTACH/read_text in
`curate query`, on a real ingested root."""

from __future__ import annotations

import pytest

from curate.cli import main
from curate.errors import FatalError
from pipelines.ingest import IngestConfig, run
from pipelines.mix import run as run_mix
from pipelines.mix._spec import spec_from_mapping


@pytest.fixture(scope="module")
def root(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("safe") / "root"
    run(IngestConfig(sources=(str(shared / "warc" / "dolma" / "sample-0000.warc.gz"),), out=str(out)))
    return out


def _spec(root, where):
    return spec_from_mapping({"name": "m", "root": str(root), "total_tokens": 10_000, "seed": 1,
                              "sources": [{"name": "web", "dataset": "pages", "where": where, "share": 1.0}]})


def test_a_filter_is_one_expression_and_reads_only_its_dataset(root, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    stacked = ("1=1) ; COPY (SELECT content FROM read_text('/etc/passwd')) TO 'owned.csv' (HEADER false); "
               "SELECT * FROM pages WHERE (1=1")
    with pytest.raises(FatalError, match="must be one SQL expression"):
        _spec(root, stacked)
    sneaky = "length(text) > (SELECT length(content) FROM read_text('/etc/passwd'))"     # one expression
    with pytest.raises(FatalError, match="Permission Error"):
        run_mix(_spec(root, sneaky), tmp_path / "mix")
    assert not (tmp_path / "owned.csv").exists() and not list(tmp_path.rglob("*.csv"))
    assert run_mix(_spec(root, "lang = 'en'"), tmp_path / "ok")["rows"] > 0         # honest filters still work


@pytest.mark.parametrize("sql, message", [
    ("COPY (SELECT * FROM pages) TO '{tmp}/out.csv'", "only a SELECT runs without --write, not COPY"),
    ("SELECT 1; SELECT 2", "give one SQL statement, not 2"),
    ("SELECT * FROM read_text('/etc/passwd')", "Permission Error"),
    ("ATTACH '{tmp}/x.db'", "only a SELECT"),
    ("SELEC 1", "SQL does not parse"),
])
def test_query_is_read_only_and_confined(root, tmp_path, capsys, sql, message):
    code = main(["query", sql.format(tmp=tmp_path), "--root", str(root)])
    err = capsys.readouterr().err
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert not list(tmp_path.iterdir())


def test_write_is_explicit_and_stays_inside_the_root(root, tmp_path, capsys):
    outside = tmp_path / "out.csv"
    assert main(["query", f"COPY (SELECT id FROM pages) TO '{outside}'", "--root", str(root), "--write"]) == 2
    assert "Permission Error" in capsys.readouterr().err and not outside.exists()
    inside = root / "export.csv"
    assert main(["query", f"COPY (SELECT id FROM pages) TO '{inside}'", "--root", str(root), "--write"]) == 0
    assert inside.read_text().count("\n") > 10
    inside.unlink()


def test_a_catalog_is_confined_too(root, tmp_path, capsys):
    assert main(["catalog", "--root", str(root)]) == 0
    db = root / "catalog.duckdb"
    assert main(["query", "SELECT count(*) FROM pages", "--db", str(db), "--format", "csv"]) == 0
    assert main(["query", "SELECT * FROM read_text('/etc/passwd')", "--db", str(db)]) == 2
    assert "Permission Error" in capsys.readouterr().err


def test_a_seed_query_reads_only_its_root(root):
    from curate.classify import query_texts

    assert len(query_texts(root, "SELECT text FROM pages LIMIT 3")) == 3
    with pytest.raises(FatalError, match="Permission Error"):
        query_texts(root, "SELECT content FROM read_text('/etc/passwd')")
    with pytest.raises(FatalError, match="only a SELECT"):
        query_texts(root, "COPY (SELECT 1) TO 'x.csv'")
