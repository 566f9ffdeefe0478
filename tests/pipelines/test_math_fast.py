"""Fast math recall mode in ingestion: cheap-text prefilter before full extraction."""

from __future__ import annotations

import json

import duckdb
import pytest

from curate import reasons
from curate.errors import FatalError
from curate.io import Ledger
from curate.query import connect
from pipelines.ingest import IngestConfig, run
from pipelines.math_recall import MathRecallConfig
from pipelines.math_recall import run as recall
from tests.conftest import warc_bytes
from tests.pipelines.math_corpus import html_records, seed_files


@pytest.fixture(scope="module")
def fast_ingest(shared, math_model, tmp_path_factory):
    """A fast-mode ingest of a crawl-like mix (forum.test: 12 problem threads, 10 member pages)."""
    root = tmp_path_factory.mktemp("fast")
    records = html_records(shared, n_math=6, n_gsm=6, n_users=10)
    path = root / "mix.warc.gz"
    path.write_bytes(warc_bytes(records))
    config = IngestConfig(sources=(str(path),), out=str(root / "out"), math_prefilter=str(math_model),
                          math_prefilter_threshold=0.1)
    return root, records, config, run(config)


def test_prefilter_extracts_math_candidates_and_rejects_the_rest_with_a_reason(fast_ingest):
    tmp_path, records, config, summary = fast_ingest
    con = connect(str(tmp_path / "out"))
    pages = {u for (u,) in con.sql("SELECT url FROM pages").fetchall()}
    rejected = dict(con.sql("SELECT url, reason FROM rejected").fetchall())
    assert summary.records == len(records) and len(pages) + len(rejected) == len(records)   # every record accounted for
    labels = {r["url"]: r["label"] for r in records}
    math_urls = {u for u, label in labels.items() if label == "math"}
    assert math_urls <= pages                                   # MathJax, MathML and plain word problems all kept
    prefiltered = {u for u, reason in rejected.items() if reason == reasons.MATH_PREFILTER}
    assert all(labels[u] == "non_math" for u in prefiltered)
    assert len(prefiltered) >= 0.6 * sum(label == "non_math" for label in labels.values())   # most never extracted
    (stage, detail), = con.sql("SELECT DISTINCT stage, left(detail, 16) FROM rejected WHERE reason = 'math_prefilter'"
                               ).fetchall()
    assert (stage, detail) == ("filter", "cheap-text score")
    (done,) = Ledger(str(tmp_path / "out")).all()
    assert done.config["math_prefilter"]["threshold"] == 0.1
    assert done.config["math_prefilter"]["model"].startswith("math-")
    again = run(config)                                         # rerun: finished input skipped, no new rows
    assert again.skipped == 1 and con.sql("SELECT count(*) FROM pages").fetchall()[0][0] == len(pages)


def test_missing_prefilter_model_is_a_clear_error(tmp_path, shared):
    config = IngestConfig(sources=(str(shared / "warc" / "dolma" / "sample-0000.warc.gz"),), out=str(tmp_path / "o"),
                          math_prefilter=str(tmp_path / "nope.bin"))
    with pytest.raises(FatalError, match="no model file"):
        run(config)
    assert json.dumps(config.fingerprint()["math_prefilter"]).count("missing:") == 1


def test_domain_shares_count_prefiltered_pages(shared, fast_ingest):
    root, records, _, _ = fast_ingest
    out = root / "out"
    con = connect(str(out))
    members = con.sql("SELECT count(*) FROM rejected WHERE reason = 'math_prefilter' AND url LIKE '%forum.test/users/%'"
                      ).fetchall()[0][0]
    assert members >= 5                                     # most member pages were never extracted
    config = MathRecallConfig(inputs=(str(out),), prefiltered=(str(out),), out=str(root / "recall"),
                          seed_files=tuple(seed_files(shared)), chunk_words=150, negatives=300, epoch=40, lr=0.5,
                          min_count=1, bucket=20_000, threshold=0.5, policy="auto", max_rounds=1,
                          allow_weak_model=True)   # 18 pages: too few to validate; this test counts domains
    recall(config)
    rows = duckdb.sql(f"SELECT level, prefix, pages, collected FROM '{root}/recall/round-1/math_domains/*.parquet' "
                      "WHERE domain = 'forum.test'").fetchall()
    by_level = {(level, prefix): (pages, collected) for level, prefix, pages, collected in rows}
    assert by_level[("domain", None)][0] == 22, by_level    # 12 threads + 10 member pages, extracted or not
    assert by_level[("prefix", "forum.test/users")][0] == 10
    assert by_level[("prefix", "forum.test/questions")][0] == 12
    counts = duckdb.sql(f"SELECT sum(pages) FROM '{root}/recall/math_prefiltered/*.parquet' "
                        "WHERE prefix = 'forum.test/users'").fetchall()[0][0]
    assert counts == members
