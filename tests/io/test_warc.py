"""Reading every real WARC/WET file in ../shared/data/warc, checked against its contents."""

from __future__ import annotations

from collections import Counter

import pytest

from curate import reasons
from curate.io import iter_records, read_record


def records(path):
    with open(path, "rb") as fh:
        return list(iter_records(fh))


def test_common_crawl_warc_has_one_response_with_lineage(shared):
    recs = records(shared / "warc/commoncrawl-whirlwind/whirlwind.warc.gz")
    assert [(r.warc_type, r.url) for r in recs] == [("response", "https://an.wikipedia.org/wiki/Escopete")]
    rec = recs[0]
    assert rec.crawl == "CC-MAIN-2024-22"  # from the warcinfo record's isPartOf
    assert rec.http_status == 200 and rec.content_type == "text/html" and rec.charset == "utf-8"
    assert rec.record_id == "<urn:uuid:2aabeff2-67f5-4608-8466-e87c6296e2b6>"
    assert rec.date.isoformat() == "2024-05-18T01:58:10+00:00"
    assert rec.body.startswith(b"<!DOCTYPE html>") and len(rec.body) == 72848
    assert rec.offset == 1023


@pytest.mark.parametrize("name", ["whirlwind.warc.wet", "whirlwind.warc.wet.gz"])
def test_wet_plain_and_gzip_give_the_same_conversion_record(shared, name):
    recs = records(shared / "warc/commoncrawl-whirlwind" / name)
    assert [r.warc_type for r in recs] == ["conversion"]
    assert recs[0].url == "https://an.wikipedia.org/wiki/Escopete"
    assert len(recs[0].body) == 4456 and b"Escopete" in recs[0].body


def test_wat_has_no_documents(shared):
    assert records(shared / "warc/commoncrawl-whirlwind/whirlwind.warc.wat.gz") == []


@pytest.mark.parametrize("name,responses", [("sample-0000.warc.gz", 22), ("sample-0001.warc.gz", 15)])
def test_wget_warcs_unwrap_bracketed_uris(shared, name, responses):
    recs = records(shared / "warc/dolma" / name)
    kinds = Counter(r.warc_type for r in recs)
    assert kinds == {"response": responses, "resource": 2}
    assert all(not r.url.startswith("<") for r in recs)
    assert all(r.url.startswith("https://") for r in recs if r.warc_type == "response")
    assert {r.url for r in recs if r.warc_type == "resource"} == {
        "metadata://gnu.org/software/wget/warc/wget_arguments.txt", "metadata://gnu.org/software/wget/warc/wget.log"}


def test_chunked_transfer_encoding_is_decoded(shared):
    dolma = {r.url: r for r in records(shared / "warc/dolma/sample-0000.warc.gz")}
    weld = dolma["https://www.cs.washington.edu/people/faculty/weld"]  # sent chunked
    assert weld.reason is None and weld.body.lstrip().lower().startswith(b"<!doctype html")
    (iana,) = records(shared / "warc/warcio/example-iana.org-chunked.warc")
    assert iana.reason is None and len(iana.body) == 7223
    assert iana.body.rstrip().endswith(b"</html>")


def test_gzip_content_encoding_and_revisit(shared):
    for name in ("example.warc", "example.warc.gz"):
        recs = records(shared / "warc/warcio" / name)
        assert [r.warc_type for r in recs] == ["response", "revisit"]
        assert recs[0].body.startswith(b"<!doctype html>") and len(recs[0].body) == 1270
        assert recs[1].reason == reasons.REVISIT_RECORD and recs[1].body is None


def test_resiliparse_cc_excerpt_multilingual_charsets(shared):
    recs = records(shared / "warc/resiliparse/warcfile.warc.gz")
    assert len(recs) == 16 and {r.crawl for r in recs} == {"CC-MAIN-2020-34"}
    charsets = {r.url: r.charset for r in recs}
    assert charsets["http://01spb.ru/company/"] == "windows-1251"
    assert charsets["http://037426.cn/"] == "gb2312"


def test_clueweb_header_quirks_bare_lf(shared):
    recs = records(shared / "warc/resiliparse/clueweb-quirk.warc.gz")
    assert len(recs) == 29
    assert all(r.http_status == 200 and r.content_type == "text/html" and r.charset == "euc-jp" for r in recs)
    assert all(r.body.lstrip().lower().startswith(b"<html") for r in recs)  # header said gzip; body is not


def test_clipped_file_gives_truncated_record(shared):
    (rec,) = records(shared / "warc/resiliparse/clipped.warc.gz")
    assert rec.reason == reasons.TRUNCATED_RECORD and rec.body is None
    assert "of 88275 bytes" in rec.detail


def test_truncated_warc_yields_records_before_the_break_and_a_row_for_it(shared):
    seen = records(shared / "warc/warcio/example-trunc.warc")
    assert [(r.url, r.reason) for r in seen] == [("http://example.com/", reasons.CONTENT_DECODING),
                                                  (None, reasons.WARC_READ_ERROR)]
    assert "truncated" in seen[0].detail and seen[0].offset == 1197
    # The response's Content-Length claims 6 bytes more than it has; the request after it is read.
    assert seen[1].detail == "bytes 2560-2565 unreadable: Invalid WARC header"


def test_every_record_can_be_reread_from_its_offset(shared):
    for path in sorted((shared / "warc").rglob("*")):
        if not path.is_file() or "trunc" in path.name:
            continue
        for rec in records(path):
            with open(path, "rb") as fh:
                again = read_record(fh, rec.offset)
            assert (again.record_id, again.url) == (rec.record_id, rec.url), (path, rec.offset)


def test_body_cap_rejects_without_reading_whole(tmp_path):
    from tests.conftest import warc_bytes

    big = b"<html><body>" + b"x" * (3 << 20) + b"</body></html>"
    path = tmp_path / "big.warc.gz"
    path.write_bytes(warc_bytes([{"url": "http://big.test/", "body": big},
                                 {"url": "http://small.test/", "body": b"<html>ok</html>"}]))
    with open(path, "rb") as fh:
        recs = list(iter_records(fh, max_body_bytes=1 << 20))
    assert recs[0].reason == reasons.BODY_TOO_LARGE and recs[0].body is None
    assert recs[1].reason is None and recs[1].body == b"<html>ok</html>"
