"""Dedup and decontamination flows on a real Dask LocalCluster: same rows with 1 and 2 workers."""

from __future__ import annotations

import random

import pyarrow.parquet as pq
import pytest

from pipelines import decontaminate as dc
from pipelines import dedup as dd
from tests.dedup.corpus import plant, real_texts, write_pages


@pytest.fixture(scope="module")
def shards(shared, tmp_path_factory):
    rng = random.Random(5)
    texts = [t for t in real_texts(shared) if len(t.split()) >= 150]
    rows = [{"id": f"d{i:04d}", "url": f"https://s.example/{i}", "crawl": "CC-MAIN-2024-10", "text": t}
            for i, t in enumerate(texts)]
    rows += [{"id": f"n{i:04d}", "url": f"https://n.example/{i}", "crawl": "CC-MAIN-2024-18",
              "text": plant(texts[i], 0.9, rng)[0]} for i in range(0, 40, 2)]
    rng.shuffle(rows)
    root = tmp_path_factory.mktemp("flow-in")
    for k in range(4):
        write_pages(root / "pages" / f"s{k}.parquet", rows[k::4])
    return root


def _table(out):
    files = sorted((out / "duplicates").glob("*.parquet"))
    return [pq.read_table(f).to_pylist() for f in files]


def test_dedup_flow_same_output_with_one_and_two_workers(prefect_api, shards, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import dedup_flow

    plain = tmp_path / "plain"
    dd.run(dd.DedupConfig(inputs=(str(shards),), out=str(plain), run="r"))
    outputs = []
    for workers in (1, 2):
        out = tmp_path / f"w{workers}"
        config = dd.DedupConfig(inputs=(str(shards),), out=str(out), run="r")
        result = dedup_flow.with_options(task_runner=task_runner(workers=workers))(config)
        assert result["removed"] == {"near_duplicate": 20}
        outputs.append(_table(out))
    assert outputs[0] == outputs[1] == _table(plain)
    removed = [r for part in outputs[0] for r in part if not r["keep"]]
    assert {r["id"][1:] for r in removed} == {f"{i:04d}" for i in range(0, 40, 2)}


def test_decontam_flow_maps_shards(prefect_api, shared, shards, tmp_path):
    from flows._runner import task_runner
    from flows.jobs import decontaminate_flow

    config = dc.DecontaminateConfig(inputs=(str(shards),), benchmarks=(str(shared / "benchmarks"),), out=str(tmp_path),
                               only=("gsm8k", "math500"))
    result = decontaminate_flow.with_options(task_runner=task_runner(workers=2))(config)
    assert result["shards"] == 4 and result["documents"] > 100
    assert dc.run(config).shards == 0          # the flow's ledger records are the pipeline's
