"""Fast math recall mode in ingestion: cheap-text prefilter before full extraction."""

from __future__ import annotations

import json

import pytest

from curate import reasons
from curate.errors import FatalError
from curate.io import Ledger
from curate.query import connect
from pipelines.ingest import IngestConfig, run
from tests.conftest import warc_bytes
from tests.pipelines.math_corpus import html_records


def test_prefilter_extracts_math_candidates_and_rejects_the_rest_with_a_reason(shared, math_model, tmp_path):
    records = html_records(shared, n_math=6, n_gsm=6)
    path = tmp_path / "mix.warc.gz"
    path.write_bytes(warc_bytes(records))
    config = IngestConfig(sources=(str(path),), out=str(tmp_path / "out"), math_prefilter=str(math_model),
                          math_prefilter_threshold=0.1)
    summary = run(config)
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
