"""Ingestion from a real HTTP server on 127.0.0.1 in Common Crawl's layout, with faults."""

from __future__ import annotations

import pytest

from curate.errors import FatalError
from curate.io import Ledger, reread, resolve
from curate.query import connect
from pipelines.ingest import IngestConfig, run
from tests.http_server import CCServer

CRAWL = "CC-MAIN-2099-01"
FILES = ["dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz", "resiliparse/warcfile.warc.gz"]
ROWS = ("SELECT * EXCLUDE (warc_path, crawl) FROM pages ORDER BY id")


@pytest.fixture(scope="module")
def clean_rows(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    run(IngestConfig(sources=tuple(str(shared / "warc" / f) for f in FILES), out=str(out)))
    return connect(out).sql(ROWS).fetchall()


def ingest_http(server, out, **kw):
    return run(IngestConfig(sources=(CRAWL,), out=str(out), cc_base_url=server.url, http_backoff=0.01, **kw))


def test_crawl_id_resolves_through_paths_listing(shared):
    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        sources = resolve([CRAWL], cc_base_url=server.url, limit=2)
    assert [s.uri for s in sources] == [server.url + p for p in server.paths[:2]]
    assert {s.crawl for s in sources} == {CRAWL}


def test_dropped_connections_resume_with_range_and_same_rows(shared, tmp_path, clean_rows):
    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        for path in server.paths:
            server.cuts[path] = 2  # every file is cut twice mid-stream
        summary = ingest_http(server, tmp_path)
        ranged = [r for p, r in server.requests if r]
        assert not summary.failed and summary.inputs == 3
        # one resume per cut, plus one read of each file's last record (the check that nothing follows it)
        assert len(ranged) == 6 + 3 and all(r.startswith("bytes=") and r != "bytes=0-" for r in ranged)
        con = connect(tmp_path)
        assert con.sql(ROWS).fetchall() == clean_rows
        assert con.sql("SELECT DISTINCT crawl FROM pages").fetchall() == [(CRAWL,)]
        # lineage: every row's record can be re-read over HTTP from its offset
        for path, offset, record_id in con.sql("SELECT warc_path, warc_offset, warc_record_id FROM pages "
                                               "USING SAMPLE 5 ROWS (reservoir, 7)").fetchall():
            assert reread(path, offset).record_id == record_id


def test_server_without_range_support_restarts_without_duplicates(shared, tmp_path, clean_rows):
    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        server.ranges = False
        for path in server.paths:
            server.cuts[path] = 1
        summary = ingest_http(server, tmp_path)
    assert not summary.failed
    assert connect(tmp_path).sql(ROWS).fetchall() == clean_rows


def test_retries_exhausted_fail_the_file_and_rerun_completes(shared, tmp_path, clean_rows):
    with CCServer(CRAWL, [shared / "warc" / f for f in FILES]) as server:
        bad = server.paths[1]
        server.cuts[bad] = 100  # never gets through
        server.statuses[server.paths[2]] = [503, 502]  # transient server errors, then fine
        first = ingest_http(server, tmp_path, http_retries=3)
        assert [uri for uri, _ in first.failed] == [server.url + bad]
        assert "giving up after 3 retries" in first.failed[0][1]
        status = {c.source: c.status for c in Ledger(tmp_path).all()}
        assert status[server.url + bad] == "failed"
        assert connect(tmp_path).execute("SELECT count(*) FROM pages WHERE warc_path LIKE '%sample-0001%'").fetchone() == (0,)
        server.cuts[bad] = 0
        second = ingest_http(server, tmp_path)
    assert second.skipped == 2 and second.inputs == 1 and not second.failed
    assert connect(tmp_path).sql(ROWS).fetchall() == clean_rows


def test_missing_file_and_missing_crawl(shared, tmp_path):
    with CCServer(CRAWL, [shared / "warc" / FILES[0]]) as server:
        summary = run(IngestConfig(sources=(server.url + "/nope.warc.gz",), out=str(tmp_path)))
        assert summary.failed and "HTTP 404" in summary.failed[0][1]
        with pytest.raises(FatalError, match="cannot list crawl CC-MAIN-2000-01"):
            resolve(["CC-MAIN-2000-01"], cc_base_url=server.url)
