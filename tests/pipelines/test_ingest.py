"""End-to-end ingestion over the real WARC files, bad inputs, reruns and resume."""

from __future__ import annotations


from pathlib import Path

import pytest

from curate import reasons
from curate.io import Ledger, input_key
from curate.query import connect
from pipelines.ingest import IngestConfig, run
from tests.conftest import article, warc_bytes


def ingest(sources, out, **kw):
    return run(IngestConfig(sources=tuple(str(s) for s in sources), out=str(out), **kw))


def table(root, sql):
    return connect(root).sql(sql).fetchall()


@pytest.fixture(scope="module")
def all_warcs(shared, tmp_path_factory):
    out = tmp_path_factory.mktemp("all")
    summary = ingest([shared / "warc"], out)
    return out, summary


def test_every_shared_file_is_ingested_with_counts(all_warcs, shared):
    out, summary = all_warcs
    files = sorted(p for p in (shared / "warc").rglob("*") if p.is_file())
    assert summary.inputs == len(files) == 14
    # a WAT file is not silently "done" with nothing: it is skipped once, saying what ingest takes,
    # and is not a failure (a scheduled run that meets one still succeeds)
    assert summary.failed == []
    ((wat, why),) = summary.unsupported
    assert wat.endswith("whirlwind.warc.wat.gz") and "a WAT file holds metadata records only" in why
    per_file = dict(table(out, "SELECT regexp_extract(warc_path, '[^/]+$'), count(*) FROM pages GROUP BY ALL"))
    assert per_file["sample-0000.warc.gz"] == 22 and per_file["sample-0001.warc.gz"] == 15
    assert per_file["warcfile.warc.gz"] == 16 and per_file["clueweb-quirk.warc.gz"] == 29
    assert per_file["whirlwind.warc.gz"] == per_file["whirlwind.warc.wet"] == per_file["whirlwind.warc.wet.gz"] == 1
    assert per_file["example.warc"] == per_file["example.warc.gz"] == 1
    assert per_file["example-iana.org-chunked.warc"] == 1
    assert "clipped.warc.gz" not in per_file and "whirlwind.warc.wat.gz" not in per_file
    rejected = {(f, r) for f, r in table(out, "SELECT regexp_extract(warc_path, '[^/]+$'), reason FROM rejected")}
    assert ("clipped.warc.gz", reasons.TRUNCATED_RECORD) in rejected
    assert ("example.warc", reasons.REVISIT_RECORD) in rejected
    assert ("example-trunc.warc", reasons.CONTENT_DECODING) in rejected
    assert ("example-trunc.warc", reasons.WARC_READ_ERROR) in rejected  # 6 bytes its Content-Length overstates
    assert ("sample-0000.warc.gz", reasons.NOT_A_DOCUMENT) in rejected  # wget metadata:// resources
    statuses = dict(table(out, "SELECT regexp_extract(source, '[^/]+$'), status FROM ledger"))
    assert statuses["example-trunc.warc"] == "partial" and statuses["sample-0000.warc.gz"] == "done"


def test_page_fields_match_the_warc(all_warcs):
    out, _ = all_warcs
    (row,) = table(out, "SELECT url, host, domain, crawl, warc_offset, warc_record_id, http_status, content_type, "
                        "title, lang, extractor, n_chars = length(text) FROM pages "
                        "WHERE warc_path LIKE '%whirlwind.warc.gz'")
    assert row[:8] == ("https://an.wikipedia.org/wiki/Escopete", "an.wikipedia.org", "wikipedia.org", "CC-MAIN-2024-22",
                       1023, "<urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6>", 200, "text/html")
    assert "Escopete" in row[8] and row[9] == "an" and row[10].startswith("trafilatura/") and row[11]
    langs = dict(table(out, "SELECT url, lang FROM pages WHERE url IN ('http://01spb.ru/company/', "
                            "'https://creativecommons.org/mission/')"))
    assert langs == {"http://01spb.ru/company/": "ru", "https://creativecommons.org/mission/": "en"}
    ja = table(out, "SELECT count(*) FROM pages WHERE warc_path LIKE '%clueweb%' AND lang = 'ja'")[0][0]
    assert ja >= 25  # EUC-JP decoded correctly


def test_rows_are_unique_and_rerun_skips_everything(all_warcs, shared):
    out, _ = all_warcs
    before = table(out, "SELECT count(*), count(DISTINCT id) FROM pages")[0]
    assert before[0] == before[1]
    again = ingest([shared / "warc"], out)
    assert again.skipped == 14 and again.inputs == 0
    assert table(out, "SELECT count(*) FROM pages")[0][0] == before[0]


def test_resume_after_a_crash_gives_the_same_rows(shared, tmp_path):
    src = shared / "warc/dolma/sample-0000.warc.gz"
    clean = tmp_path / "clean"
    ingest([src], clean)
    crashed = tmp_path / "crashed"
    ingest([src], crashed)
    key = input_key(str(src))
    # simulate a kill after the shards were renamed into place, before the completion record
    (crashed / "_ledger" / f"{key}.json").unlink()
    (crashed / "_staging" / key / "pages").mkdir(parents=True)
    (crashed / "_staging" / key / "pages" / f"{key}-00000.parquet").write_bytes(b"torn")
    summary = ingest([src], crashed)
    assert summary.inputs == 1
    q = "SELECT * EXCLUDE (warc_path) FROM pages ORDER BY warc_offset"
    assert table(crashed, q) == table(clean, q)
    assert not (crashed / "_staging" / key).exists()


def test_bad_inputs_are_rejected_with_reasons_and_the_rest_survives(tmp_path):
    cells = "".join(f"<div><table><tr><td><p>cell {i} words</p></td></tr></table></div>" for i in range(8000))
    records = [
        {"url": "http://ok.test/1", "body": article("First good page")},
        {"url": "http://big.test/", "body": b"<html><body>" + b"<p>big page</p>" * 3_500_000 + b"</body></html>"},
        {"url": "http://slow.test/", "body": f"<html><body>{cells}</body></html>".encode()},
        {"url": "http://empty.test/", "body": b""},
        {"url": "http://binary.test/", "body": bytes(range(256)) * 64, "ctype": "text/html; charset=x-klingon"},
        {"url": "http://img.test/a.png", "body": b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "ctype": "image/png"},
        {"url": "http://gone.test/", "body": article("Gone"), "status": "404 Not Found"},
        {"url": "http://latin1.test/", "body": article("Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e").decode().encode("latin-1"),
         "ctype": "text/html; charset=iso-8859-1"},
        {"url": "http://ok.test/2", "body": article("Second good page")},
    ]
    path = tmp_path / "bad.warc.gz"
    path.write_bytes(warc_bytes(records))
    out = tmp_path / "out"
    summary = ingest([path], out, timeout=1.0)
    assert summary.records == 9
    pages = dict(table(out, "SELECT url, title FROM pages"))
    assert set(pages) == {"http://ok.test/1", "http://ok.test/2", "http://latin1.test/"}
    assert pages["http://latin1.test/"] == "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e"
    why = dict(table(out, "SELECT url, reason FROM rejected"))
    assert why.pop("http://binary.test/") in (reasons.UNDECODABLE, reasons.NO_TEXT)
    assert why == {
        "http://big.test/": reasons.BODY_TOO_LARGE,
        "http://slow.test/": reasons.EXTRACT_TIMEOUT,
        "http://empty.test/": reasons.EMPTY_BODY,
        "http://img.test/a.png": reasons.NON_HTML,
        "http://gone.test/": reasons.HTTP_STATUS,
    }
    stages = dict(table(out, "SELECT reason, stage FROM rejected"))
    assert stages[reasons.BODY_TOO_LARGE] == "read" and stages[reasons.EXTRACT_TIMEOUT] == "extract"
    rerun = ingest([path], out, timeout=1.0)
    assert rerun.skipped == 1 and table(out, "SELECT count(*) FROM pages")[0][0] == 3


def test_a_damaged_file_keeps_every_readable_record(shared, tmp_path):
    """A 10 GB Content-Length, a corrupt gzip member and a cut tail in one real wget WARC."""
    import gzip

    from tests.io.test_warc_damage import _members, _with_length

    members = _members((shared / "warc/dolma/sample-0000.warc.gz").read_bytes())
    plain = [gzip.decompress(m) for m in members]
    docs = [i for i, p in enumerate(plain) if b"WARC-Type: response" in p[:200]]
    broken, liar = docs[2], docs[5]
    members[liar] = gzip.compress(_with_length(plain[liar], 10_000_000_000))
    members[broken] = members[broken][:20] + bytes(40) + members[broken][60:]
    path = tmp_path / "damaged.warc.gz"
    path.write_bytes(b"".join(members) + members[docs[1]][:25])
    out = tmp_path / "out"
    summary = ingest([path], out)
    (done,) = Ledger(out).all()
    assert done.status == "partial" and done.records == done.pages + done.rejected == summary.records
    assert done.pages == 22 - 2                          # the liar and the broken member, nothing after them
    why = table(out, "SELECT reason, detail FROM rejected WHERE reason IN ('truncated_record', 'warc_read_error') "
                     "ORDER BY warc_offset")
    assert [r for r, _ in why] == [reasons.WARC_READ_ERROR, reasons.TRUNCATED_RECORD, reasons.WARC_READ_ERROR]
    start = sum(len(m) for m in members[:broken])
    assert why[1][1].endswith(" of 10000000000 bytes")
    assert why[0][1].startswith(f"bytes {start}-{start + len(members[broken]) - 1} unreadable")
    assert why[2][1].endswith("to the end of the file unreadable: bytes after the last record are not a whole WARC record")
    assert ingest([path], out).skipped == 1               # partial is finished: a rerun does not duplicate rows


def test_missing_input_is_a_clear_error(tmp_path):
    from curate.errors import FatalError

    with pytest.raises(FatalError, match="not found"):
        ingest([tmp_path / "nope.warc.gz"], tmp_path / "out")


def test_not_a_warc_fails_that_input_only(tmp_path, shared):
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"\x1f\x8b\x08\x00garbage that is not gzip at all" * 10)
    out = tmp_path / "out"
    summary = ingest([junk, shared / "warc/warcio/example.warc.gz"], out)
    assert table(out, "SELECT count(*) FROM pages")[0][0] == 1
    done = {c.source.rsplit("/", 1)[-1]: c for c in Ledger(out).all()}
    assert done["example.warc.gz"].status == "done"
    assert done["junk.warc.gz"].status == "unsupported" and "no WARC record could be read" in done["junk.warc.gz"].error
    assert summary.inputs == 2


def test_fsspec_urls_stream_like_local_files(shared, tmp_path):
    """s3:// goes through fsspec; its in-memory file system exercises the same path offline."""
    import fsspec

    fs = fsspec.filesystem("memory")
    src = shared / "warc/dolma/sample-0001.warc.gz"
    fs.pipe("/bucket/crawl/sample-0001.warc.gz", src.read_bytes())
    try:
        remote = ingest(["memory://bucket/crawl/sample-0001.warc.gz"], tmp_path / "remote")
        local = ingest([src], tmp_path / "local")
    finally:
        fs.rm("/bucket", recursive=True)
    assert remote.pages == local.pages == 15
    q = "SELECT * EXCLUDE (warc_path) FROM pages ORDER BY id"
    assert table(tmp_path / "remote", q) == table(tmp_path / "local", q)


def test_shards_are_byte_identical_whatever_the_worker_count(shared, tmp_path):
    src = shared / "warc/dolma/sample-0000.warc.gz"
    outs = {}
    for workers in (0, 1, 2):
        ingest([src], tmp_path / f"w{workers}", workers=workers)
        outs[workers] = {p.relative_to(tmp_path / f"w{workers}"): p.read_bytes()
                         for p in sorted((tmp_path / f"w{workers}").glob("*/*.parquet"))}
    assert len(outs[1]) == 2  # pages and rejected
    assert outs[0] == outs[1] == outs[2]


@pytest.mark.slow
def test_all_shared_html_pages_end_to_end(shared, tmp_path):
    """Every labelled page of ../shared/data/html in one WARC, 2 extraction workers vs in-process."""
    import csv

    rows = list(csv.DictReader(open(shared / "html/INDEX.tsv", encoding="utf-8"), delimiter="\t"))
    path = tmp_path / "html.warc.gz"
    path.write_bytes(warc_bytes([{"url": f"https://pages.test/{r['path']}", "body": (shared / "html" / r["path"]).read_bytes()}
                                 for r in rows]))
    ingest([path], tmp_path / "pool", workers=2)
    ingest([path], tmp_path / "inline", workers=0)
    q = "SELECT * EXCLUDE (warc_path) FROM pages ORDER BY id"
    assert table(tmp_path / "pool", q) == table(tmp_path / "inline", q)
    flags = dict(table(tmp_path / "pool", "SELECT url, has_math FROM pages"))
    assert len(flags) == len(rows)
    for r in rows:
        assert flags[f"https://pages.test/{r['path']}"] == (r["math_label"] != "non_math"), r["path"]


def test_a_folder_of_html_files_is_one_input_with_lineage_to_each_file(shared, tmp_path):
    import shutil

    pages = tmp_path / "saved"
    shutil.copytree(shared / "html", pages, ignore=shutil.ignore_patterns("*.tsv", "*.md", "*.txt"))
    files = sorted(p for p in pages.rglob("*") if p.suffix.lower() in (".html", ".htm", ".xhtml"))
    out = tmp_path / "out"
    summary = ingest([pages], out)
    assert summary.inputs == 1 and summary.records == len(files) >= 100 and not summary.failed
    assert summary.pages + summary.rejected == len(files) and summary.pages >= 0.8 * len(files)
    rows = table(out, "SELECT url, warc_path, warc_offset, warc_type, url_from FROM pages")
    assert {r[3] for r in rows} == {"file"} and {r[2] for r in rows} == {0}
    assert all(Path(r[1]).is_file() for r in rows)                                      # lineage to the file
    # the URL a page names for itself, else file:// + its path (tests/io/test_saved_page_urls.py)
    assert all(r[0] == Path(r[1]).as_uri() for r in rows if r[4] == "file")
    assert all(r[0].startswith(("http://", "https://")) for r in rows if r[4] in ("canonical", "og_url"))
    assert {r[4] for r in rows} == {"file", "canonical", "og_url"}
    assert table(out, "SELECT count(DISTINCT id) FROM pages")[0][0] == summary.pages
    assert ingest([pages], out).skipped == 1                                            # a rerun redoes nothing
