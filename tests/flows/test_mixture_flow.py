"""The mixture flow on a real Dask LocalCluster writes the plain pipeline's bytes."""

from __future__ import annotations

import hashlib

from pipelines.mix._spec import spec_from_mapping
from pipelines.mix import run
from tests.dedup.corpus import real_texts, write_pages


def _digests(out):
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((out / "mixture").glob("*.parquet"))]


def test_mixture_flow_matches_plain_run(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import mix_flow

    texts = real_texts(shared, chunk_words=120)
    for k in range(3):
        write_pages(tmp_path / "root" / "pages" / f"s{k}.parquet",
                    [{"id": f"{k}-{i}", "text": t, "has_math": "\\" in t} for i, t in enumerate(texts[k::3])])
    spec = spec_from_mapping({"name": "m", "root": str(tmp_path / "root"), "total_tokens": 60_000, "seed": 3,
                              "rows_per_shard": 40, "sources": [
                                  {"name": "math", "dataset": "pages", "where": "has_math", "share": 0.6,
                                   "max_epochs": 3},
                                  {"name": "other", "dataset": "pages", "where": "NOT has_math", "share": 0.4}]})
    plain = run(spec, tmp_path / "plain", workers=2)
    result = mix_flow.with_options(task_runner=task_runner(workers=2))(spec, str(tmp_path / "flow"))
    assert result["rows"] == plain["rows"] and result["total_tokens"] == plain["total_tokens"]
    assert _digests(tmp_path / "flow") == _digests(tmp_path / "plain") == [o["sha256"] for o in plain["outputs"]]
    assert len(plain["outputs"]) > 3
    again = mix_flow.with_options(task_runner=task_runner(workers=2))(spec, str(tmp_path / "flow"))
    assert again["skipped"]
