"""arXiv papers mapped on a real Dask LocalCluster: the plain pipeline's rows."""

from __future__ import annotations

import pyarrow.parquet as pq

from pipelines.arxiv import ArxivConfig, run


def _rows(out):
    return sorted((r["paper_id"], r["figure_index"], r["subfigure_index"], r["image"])
                  for f in sorted((out / "figures").glob("*.parquet")) for r in pq.read_table(f).to_pylist())


def test_arxiv_flow_matches_plain_run(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import arxiv_flow

    sources = tuple(str(shared / "arxiv" / p) for p in ("rk-bfr-preprint", "plasma-partition"))
    run(ArxivConfig(sources=sources, out=str(tmp_path / "plain")))
    result = arxiv_flow.with_options(task_runner=task_runner(workers=2))(
        ArxivConfig(sources=sources, out=str(tmp_path / "flow")))
    assert result == {"inputs": 2, "skipped": 0, "papers": 2, "figures": 29, "failed": []}
    assert _rows(tmp_path / "flow") == _rows(tmp_path / "plain")
