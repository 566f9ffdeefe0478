"""A growing root deduplicated in place: scheduled ingestion adds shards to ``pages/`` every day,
and ``curate dedup pages --out dedup`` again gives what one dedup of every page gives (same rows:
kept pages, reasons, cluster sizes across both days), with no row twice. On the shared real
pages: day one the WARCs, day two the saved HTML folders."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]


def _curate(*argv, cwd):
    done = subprocess.run([sys.executable, "-m", "curate", *map(str, argv)], cwd=cwd, capture_output=True,
                          text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done


def _rows(root: Path):
    con = duckdb.connect()
    from curate.io import committed

    files = committed(root, "duplicates")
    listed = ", ".join(f"'{f}'" for f in files)
    return con.execute(f"SELECT id, keep, reason, cluster_size, duplicate_of FROM read_parquet([{listed}]) "
                       "ORDER BY id").fetchall()


def test_a_grown_root_dedups_in_place_as_if_all_at_once(shared, tmp_path):
    _curate("ingest", shared / "warc", "--out", "pages", "-q", cwd=tmp_path)
    _curate("dedup", "pages", "--out", "dedup", "-q", cwd=tmp_path)
    day_one = _rows(tmp_path / "dedup")
    _curate("ingest", shared / "html" / "colah-blog", shared / "html" / "trafilatura-cache", "--out", "pages", "-q",
            cwd=tmp_path)
    again = _curate("dedup", "pages", "--out", "dedup", cwd=tmp_path)
    assert "documents" in again.stdout
    grown = _rows(tmp_path / "dedup")
    _curate("dedup", "pages", "--out", "all-at-once", "-q", cwd=tmp_path)
    assert grown == _rows(tmp_path / "all-at-once")
    assert len(grown) == 204 > len(day_one) and len({r[0] for r in grown}) == 204      # no row twice
    assert any(not keep for _, keep, *_ in grown)
    # the earlier run is gone from the ledger and the folder: one run's rows, nothing left over
    con = duckdb.connect()
    listed = sorted(p.name for p in (tmp_path / "dedup" / "duplicates").glob("*.parquet"))
    assert listed and all(name.startswith(listed[0].split("-00")[0]) for name in listed), listed
    rerun = _curate("dedup", "pages", "--out", "dedup", cwd=tmp_path)
    assert "already done" in rerun.stdout and _rows(tmp_path / "dedup") == grown
    del con
    status = _curate("status", "dedup", cwd=tmp_path).stdout
    assert "inputs    1 done\n" in status and "pending" not in status, status
