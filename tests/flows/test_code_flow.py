"""The code flow on a real Dask LocalCluster gives the plain pipeline's samples."""

from __future__ import annotations

import pyarrow.parquet as pq

from pipelines.code import CodeConfig, run


def _rows(out):
    return sorted((r["id"], r["fim_mode"], tuple(r["paths"]))
                  for f in sorted((out / "code_samples").glob("*.parquet")) for r in pq.read_table(f).to_pylist())


def test_code_flow_matches_plain_run(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import code_flow

    sources = tuple(str(shared / "repos" / r) for r in ("python-requests", "c-lua", "java-jsoup"))
    run(CodeConfig(sources=sources, out=str(tmp_path / "plain"), dedup=False))
    result = code_flow.with_options(task_runner=task_runner(workers=2))(
        CodeConfig(sources=sources, out=str(tmp_path / "flow")))
    assert result["inputs"] == 3 and result["repositories"] == 3 and not result["failed"]
    assert result["duplicates"] == 0
    assert _rows(tmp_path / "flow") == _rows(tmp_path / "plain")
