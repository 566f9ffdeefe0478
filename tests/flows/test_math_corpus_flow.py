"""The math corpus chain as one deployment's flow, on two loopback crawls in turn (real Prefect
server, Dask LocalCluster): the second crawl's copies of the first's pages are duplicates of
the earlier crawl's documents, and benchmark pages never reach the mixture."""

from __future__ import annotations

import json
import shutil

import pytest

from curate.query import connect, open_root
from tests.conftest import warc_bytes
from tests.http_server import CCServer
from tests.pipelines.math_corpus import html_records

FIRST, SECOND = "CC-MAIN-2099-01", "CC-MAIN-2099-02"


@pytest.fixture(scope="module")
def crawls(shared, tmp_path_factory):
    """Crawl 1: real pages, blog and forum pages. Crawl 2: all of those again (same URLs and under
    new URLs: the html/ pages twice, the forum threads again) plus new GSM8K threads."""
    folder = tmp_path_factory.mktemp("crawls")
    one, two = folder / "one.warc.gz", folder / "two.warc.gz"
    first = html_records(shared, n_math=3, n_gsm=4, n_users=4)
    second = html_records(shared, copies=2, n_math=3, n_gsm=6, n_users=4)
    one.write_bytes(warc_bytes(first))
    two.write_bytes(warc_bytes(second))
    return [one], [two], first, second


def test_two_crawls_in_turn_through_the_whole_chain(prefect_api, shared, math_model, crawls, tmp_path):
    from curate.cli._flows import outcome
    from flows._runner import task_runner
    from flows.jobs import math_corpus_flow
    from pipelines.math_corpus import MathCorpusConfig

    one, two, first, second = crawls
    # The session's model stands in for a finished recall round's (its record: the operating threshold).
    model = tmp_path / "model" / "model.bin"
    model.parent.mkdir()
    shutil.copy(math_model, model)
    model.with_name("model.bin.json").write_text(json.dumps({"operating_threshold": 0.5, "round": 1}))
    out = tmp_path / "corpus"
    with CCServer(FIRST, one) as server:
        server.add_crawl(SECOND, two)
        base = dict(out=str(out), model=str(model), benchmarks=(str(shared / "benchmarks" / "math500"),),
                    max_files=5, cc_base_url=server.url, total_tokens=5_000_000, math_prefilter_threshold=0.1)

        def flow(crawl):
            result, failure = outcome(math_corpus_flow.with_options(task_runner=task_runner(workers=2))(
                MathCorpusConfig(crawls=(crawl,), **base), return_state=True))
            assert failure is None, failure
            return result

        r1 = flow(FIRST)
        r2 = flow(SECOND)
        again = flow(SECOND)
    con = open_root(out)
    # stage by stage, run 1
    assert r1["ingest"]["inputs"] == 1 and r1["ingest"]["reasons"].get("math_prefilter", 0) > 0   # fast mode
    assert r1["score"]["selected"] > 0 and r1["dedup"]["documents"] > 0
    assert r1["decontaminate"]["contaminated"] >= 1           # the MATH-500 threads
    # run 2 sees run 1's documents as the earlier copies
    assert r2["ingest"]["inputs"] == 1 and r2["dedup"]["documents"] == con.sql(
        f"SELECT count(*) FROM pages WHERE crawl = '{SECOND}'").fetchall()[0][0]
    dup_of = con.sql(f"""SELECT d.duplicate_of_crawl, count(*) FROM duplicates d
                         WHERE NOT d.keep AND d.crawl = '{SECOND}' GROUP BY ALL""").fetchall()
    assert dict(dup_of).get(FIRST, 0) >= 10 and set(dict(dup_of)) == {FIRST}
    assert con.sql(f"SELECT count(*) FROM duplicates WHERE NOT keep AND crawl = '{FIRST}'").fetchall() == [(0,)]
    # the mixture: selected math pages, kept by dedup, not flagged by decontamination
    mixtures = sorted((out / "mixtures").iterdir())
    assert len(mixtures) == 2
    latest = max(mixtures, key=lambda p: (p / "manifest.json").stat().st_mtime)
    ids = {i for (i,) in connect(latest).sql("SELECT id FROM mixture").fetchall()}
    selected = {i for (i,) in con.sql("SELECT id FROM read_parquet("
                                      f"'{out}/math_selected/*.parquet')").fetchall()}
    removed = {i for (i,) in con.sql("SELECT id FROM removals WHERE pipeline IN ('dedup', 'decontaminate')"
                                     ).fetchall()}
    assert ids and ids <= selected and not ids & removed
    urls = {u for (u,) in con.sql(f"SELECT url FROM pages WHERE id IN ({', '.join(repr(i) for i in ids)})"
                                  ).fetchall()}
    assert not any("/questions/m" in u for u in urls)         # MATH-500 threads: contaminated
    assert any("/questions/g5" in u for u in urls)            # a new thread of crawl 2 made it
    # a third run with nothing new does nothing
    assert again["ingest"]["inputs"] == 0 and again["dedup"] == "nothing to do" and again["mix"]["skipped"]


def test_the_local_executor_builds_the_same_corpus(shared, math_model, crawls, tmp_path):
    """The same steps without Prefect (``pipelines.math_corpus.run``, two processes) give the same
    pages, dedup decisions and mixture as each other run after run (the flow test's inputs)."""
    from pipelines.math_corpus import MathCorpusConfig, run

    one, two, _, _ = crawls
    model = tmp_path / "model" / "model.bin"
    model.parent.mkdir()
    shutil.copy(math_model, model)
    model.with_name("model.bin.json").write_text(json.dumps({"operating_threshold": 0.5, "round": 1}))
    outs = []
    with CCServer(FIRST, one) as server:
        server.add_crawl(SECOND, two)
        for name, workers in (("a", 1), ("b", 2)):
            out = tmp_path / name
            for crawl in (FIRST, SECOND):
                summary = run(MathCorpusConfig(out=str(out), model=str(model), crawls=(crawl,), cc_base_url=server.url,
                                               benchmarks=(str(shared / "benchmarks" / "math500"),),
                                               total_tokens=5_000_000), workers=workers)
                assert not summary.result()["failed"] and summary.stages["mix"]["rows"] > 0
            outs.append(out)
    views = [open_root(out) for out in outs]
    for sql in ("SELECT id, crawl FROM pages ORDER BY id", "SELECT id, keep, duplicate_of FROM duplicates ORDER BY id",
                "SELECT id FROM removals WHERE pipeline = 'decontaminate' ORDER BY id"):
        assert views[0].sql(sql).fetchall() == views[1].sql(sql).fetchall(), sql
    latest = [max((out / "mixtures").iterdir(), key=lambda p: (p / "manifest.json").stat().st_mtime) for out in outs]
    rows = [connect(folder).sql("SELECT id FROM mixture ORDER BY id").fetchall() for folder in latest]
    assert rows[0] and rows[0] == rows[1]
