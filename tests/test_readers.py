"""Our outputs read by the tools users feed them into, as those tools read at their defaults:
pyarrow datasets, pandas, polars, DuckDB's own ``read_parquet`` globs and Hugging Face datasets,
on real outputs of the shared data (the 204 pages of the shared WARCs and HTML, their dedup, a
mixture of them, and a math recall root). Every file in a dataset folder is Parquet; a partition
folder's column never clashes with a stored one; a mixture row has a unique key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
# HF datasets reads local Parquet offline: no request to the Hub, here or in CI
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


def _curate(*argv, cwd):
    done = subprocess.run([sys.executable, "-m", "curate", *argv], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return done


@pytest.fixture(scope="module")
def outputs(shared, tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("readers")
    _curate("ingest", str(shared / "warc"), str(shared / "html" / "colah-blog"),
            str(shared / "html" / "trafilatura-cache"), "--out", "pages", "-q", cwd=base)
    _curate("dedup", "pages", "--out", "dedup", "-q", cwd=base)
    (base / "mix.yaml").write_text(
        "name: readers\nroot: pages\ntotal_tokens: 400000\nseed: 3\nsources:\n"
        "  - {name: math, dataset: pages, where: has_math, share: 0.4, max_epochs: 3, removals: [dedup]}\n"
        "  - {name: web, dataset: pages, where: NOT has_math, share: 0.6, removals: [dedup]}\n")
    _curate("mix", "mix.yaml", "--out", "mixture", "-q", cwd=base)
    return base


def _every_file_is_parquet(folder: Path) -> None:
    others = [p.name for p in folder.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    assert not others, f"{folder} holds files that are not Parquet: {others}"


@pytest.mark.parametrize("dataset", ["pages/pages", "pages/rejected", "dedup/duplicates", "mixture/mixture"])
def test_a_dataset_folder_reads_the_same_in_every_tool(outputs, dataset):
    import datasets
    import pandas as pd
    import polars as pl

    folder = outputs / dataset
    _every_file_is_parquet(folder)
    want = pads.dataset(folder).to_table()
    assert want.num_rows > 0
    assert len(pd.read_parquet(folder)) == want.num_rows
    assert pl.read_parquet(f"{folder}/*.parquet").height == want.num_rows
    # DuckDB's glob of everything in the folder: a marker file here would be read as Parquet and fail
    assert duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{folder}/*')").fetchone()[0] == want.num_rows
    hf = datasets.load_dataset("parquet", data_dir=str(folder), split="train", cache_dir=str(outputs / ".hf"))
    assert hf.num_rows == want.num_rows and set(hf.column_names) == set(want.column_names)
    if "id" in want.column_names:
        assert sorted(hf["id"]) == sorted(want.column("id").to_pylist())


def test_pages_are_the_real_pages(outputs):
    pages = pq.read_table(outputs / "pages" / "pages")
    assert pages.num_rows == 204                     # the shared WARCs and HTML folders, as ingested
    assert len(set(pages.column("id").to_pylist())) == 204


def test_a_mixture_row_has_a_unique_key(outputs):
    import polars as pl

    rows = pl.read_parquet(f"{outputs}/mixture/mixture/*.parquet")
    assert rows["mix_row"].n_unique() == rows.height
    assert sorted(rows["mix_row"].to_list()) == list(range(rows.height))
    # an id repeats across epochs (math is up-sampled); the key does not
    assert rows.filter(pl.col("epoch") > 0).height > 0
    assert rows["id"].n_unique() < rows.height
    assert rows.select(["source", "epoch", "source_shard", "source_row"]).n_unique() == rows.height
