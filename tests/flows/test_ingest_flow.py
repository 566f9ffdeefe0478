"""Ingestion under the real Prefect engine on a real Dask LocalCluster (2 process workers)."""

from __future__ import annotations

import pytest

from curate.query import connect
from pipelines.ingest import IngestConfig, run

FILES = ["dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz", "resiliparse/warcfile.warc.gz",
         "warcio/example.warc.gz", "warcio/example-trunc.warc"]
PAGES = "SELECT * FROM pages ORDER BY id"
REJECTED = "SELECT * FROM rejected ORDER BY warc_path, warc_offset"


def rows(root, sql):
    return connect(root).sql(sql).fetchall()


@pytest.fixture(scope="module")
def plain(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("plain")
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(out)))
    return out


def test_flow_on_dask_gives_exactly_the_plain_rows(prefect_api, shared, plain, tmp_path):
    from prefect.client.orchestration import get_client  # noqa: F401  (server is up)

    from flows._runner import task_runner
    from flows.ingest import ingest_flow

    config = IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(tmp_path))
    result = ingest_flow.with_options(task_runner=task_runner(workers=2))(config)
    assert result["inputs"] == 5 and not result["failed"]
    assert rows(tmp_path, PAGES) == rows(plain, PAGES)
    assert rows(tmp_path, REJECTED) == rows(plain, REJECTED)
    again = ingest_flow.with_options(task_runner=task_runner(workers=2))(config)
    assert again["inputs"] == 0 and again["skipped"] == 5
    assert rows(tmp_path, "SELECT count(*) FROM pages") == rows(plain, "SELECT count(*) FROM pages")
