"""Scheduled crawl ingestion against a loopback server in Common Crawl's layout."""

from __future__ import annotations

from curate.query import connect
from tests.http_server import CCServer

CRAWL = "CC-MAIN-2099-01"
FILES = ["warcio/example.warc.gz", "warcio/example-iana.org-chunked.warc", "dolma/sample-0001.warc.gz"]


def ledger(root):
    return dict(connect(root).sql("SELECT regexp_extract(source, '[^/]+$'), status FROM ledger").fetchall())


def finished(root):
    return dict(connect(root).sql("SELECT regexp_extract(source, '[^/]+$'), finished FROM ledger").fetchall())


def test_each_run_ingests_new_paths_only_and_records_failures(prefect_api, shared, tmp_path):
    from flows._runner import task_runner
    from flows.crawl import CrawlConfig, crawl_ingest

    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        server.statuses[server.paths[1]] = [404] * 100  # this path is broken for good
        config = CrawlConfig(out=str(tmp_path), crawls=("latest",), max_files=2, cc_base_url=server.url,
                             cc_index_url=server.url, task_retries=0)
        flow = crawl_ingest.with_options(task_runner=task_runner(workers=2))
        first = flow(config)
        assert first["inputs"] == 2 and len(first["failed"]) == 1 and "example-iana" in first["failed"][0]
        assert ledger(tmp_path) == {"example.warc.gz": "done", "example-iana.org-chunked.warc": "failed"}
        stamp = finished(tmp_path)["example.warc.gz"]

        second = flow(config)  # the failed path is retried, the new one taken, the done one left alone
        assert second["skipped"] == 1 and second["inputs"] == 2
        assert ledger(tmp_path) == {"example.warc.gz": "done", "example-iana.org-chunked.warc": "failed",
                                    "sample-0001.warc.gz": "done"}
        assert finished(tmp_path)["example.warc.gz"] == stamp

        server.statuses[server.paths[1]] = []  # fixed upstream
        third = flow(config)
        assert third["inputs"] == 1 and not third["failed"]
    assert set(ledger(tmp_path).values()) == {"done"}
    crawls = connect(tmp_path).sql("SELECT DISTINCT crawl FROM pages").fetchall()
    assert crawls == [(CRAWL,)]  # "latest" resolved through collinfo.json
    counts = connect(tmp_path).execute("SELECT count(*), count(DISTINCT id) FROM pages").fetchone()
    assert counts[0] == counts[1] == 1 + 1 + 15
