"""Damaged WARC files: every readable record still comes out, every unreadable stretch is a row.

The damage is done to real files from ../shared/data/warc (Common Crawl, wget, ClueWeb):
a 10 GB Content-Length, a corrupt gzip member, a cut header, spliced bytes, and
random truncation, corruption and splicing (hypothesis).
"""

from __future__ import annotations

import gzip
import io
import zlib

import pytest
from fastwarc.warc import ArchiveIterator
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from curate import reasons
from curate.io import iter_records
from curate.io._warc import _DOC_TYPES
from tests.conftest import SHARED

INTACT = ["dolma/sample-0000.warc.gz", "resiliparse/warcfile.warc.gz", "resiliparse/clueweb-quirk.warc.gz",
          "warcio/example.warc", "warcio/example-iana.org-chunked.warc", "commoncrawl-whirlwind/whirlwind.warc.wet",
          "commoncrawl-whirlwind/whirlwind.warc.gz"]


def _read(data: bytes) -> list:
    return list(iter_records(io.BytesIO(data)))


def _layout(data: bytes) -> list[tuple[int, int, str | None, bool]]:
    """(start, end, record id, is a document) of each record of an intact file."""
    recs = [(r.stream_pos, r.headers.get("WARC-Record-ID"), str(r.record_type) in _DOC_TYPES)
            for r in ArchiveIterator(io.BytesIO(data), parse_http=False)]
    ends = [r[0] for r in recs[1:]] + [len(data)]
    return [(start, end, rid, doc) for (start, rid, doc), end in zip(recs, ends)]


def _members(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        inflater = zlib.decompressobj(31)
        inflater.decompress(data[pos:])
        used = len(data) - pos - len(inflater.unused_data)
        out.append(data[pos:pos + used])
        pos += used
    return out


@pytest.fixture(scope="module")
def dolma(shared):
    """The wget WARC as gzip members and as plain records, plus its records read whole."""
    data = (shared / "warc/dolma/sample-0000.warc.gz").read_bytes()
    members = _members(data)
    return members, [gzip.decompress(m) for m in members], {r.record_id: r for r in _read(data)}


def _with_length(record: bytes, length: int) -> bytes:
    head, sep, rest = record.partition(b"Content-Length: ")
    return head + sep + str(length).encode() + rest[rest.index(b"\r\n"):]


def _ids(recs) -> set:
    return {r.record_id for r in recs if r.reason != reasons.WARC_READ_ERROR}


@pytest.mark.parametrize("compressed", [False, True])
def test_a_10_gb_content_length_does_not_swallow_the_records_after_it(dolma, compressed):
    members, plain, whole = dolma
    liar = _with_length(plain[6], 10_000_000_000)
    parts = [*members[:6], gzip.compress(liar), *members[7:]] if compressed else [*plain[:6], liar, *plain[7:]]
    recs = _read(b"".join(parts))
    assert _ids(recs) == set(whole)                       # all 24, the 3+ after the liar included
    (bad,) = [r for r in recs if r.reason != whole[r.record_id].reason]
    assert bad.reason == reasons.TRUNCATED_RECORD and "of 10000000000 bytes" in bad.detail
    assert sum(len(p) for p in parts[:6]) == bad.offset


def test_a_corrupt_gzip_member_costs_only_its_own_record(dolma):
    members, _, whole = dolma
    starts = [sum(len(m) for m in members[:i]) for i in range(len(members))]
    k = starts.index(sorted(r.offset for r in whole.values())[3])      # the 4th document's member
    broken = members[k][:20] + bytes(30) + members[k][50:]
    recs = _read(b"".join([*members[:k], broken, *members[k + 1:]]))
    (span,) = [r for r in recs if r.reason == reasons.WARC_READ_ERROR]
    assert span.detail.startswith(f"bytes {starts[k]}-{starts[k] + len(broken) - 1} unreadable")
    lost = {r.record_id for r in whole.values() if r.offset == starts[k]}
    assert _ids(recs) == set(whole) - lost and len(lost) == 1   # the 20 documents after it survive
    assert len(recs) == len(whole)                              # one row in place of the damaged record


@pytest.mark.parametrize("compressed", [False, True])
def test_a_file_cut_inside_a_header_leaves_a_row(dolma, compressed):
    members, plain, whole = dolma
    parts = members if compressed else plain
    cut = sum(len(p) for p in parts[:7])
    tail = gzip.compress(plain[7][:30]) if compressed else plain[7][:30]
    recs = _read(b"".join(parts[:7]) + tail)
    assert recs[-1].reason == reasons.WARC_READ_ERROR and recs[-1].offset == cut
    assert recs[-1].detail == f"bytes {cut} to the end of the file unreadable: record header is incomplete"
    first_seven = sum(len(m) for m in members[:7])                 # ``whole`` was read from the gzip file
    assert _ids(recs[:-1]) == {r.record_id for r in whole.values() if r.offset < first_seven}


@pytest.mark.parametrize("compressed", [False, True])
def test_spliced_garbage_between_records_is_one_span(dolma, compressed):
    members, plain, whole = dolma
    parts = members if compressed else plain
    at = sum(len(p) for p in parts[:5])
    recs = _read(b"".join(parts[:5]) + b"garbage" * 10 + b"".join(parts[5:]))
    (span,) = [r for r in recs if r.reason == reasons.WARC_READ_ERROR]
    assert span.offset == at and span.detail.startswith(f"bytes {at}-{at + 69} unreadable")
    assert _ids(recs) == set(whole)


def test_a_file_that_is_not_a_warc_is_one_row():
    (row,) = _read(b"<!doctype html><html><body>a page saved by a browser</body></html>")
    assert row.reason == reasons.WARC_READ_ERROR and row.offset == 0


def _intact_docs(layout, damaged_from: int, damaged_to: int, shift: int = 0) -> dict[str, int]:
    """Document records untouched by damage in [damaged_from, damaged_to), by id, with their new offset."""
    return {rid: start + (shift if start >= damaged_to else 0) for start, end, rid, doc in layout
            if doc and rid and (end <= damaged_from or start >= damaged_to)}


@pytest.mark.skipif(not (SHARED / "warc").is_dir(), reason=f"shared test data not found at {SHARED} "
                    "(set CURATE_SHARED_DATA)")
@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(name=st.sampled_from(INTACT), splice_from=st.sampled_from(INTACT), op=st.sampled_from(
    ["truncate", "corrupt", "splice", "splice-warc"]), where=st.floats(0, 1), size=st.integers(1, 4096),
    noise=st.binary(min_size=1, max_size=64))
def test_fuzz_every_readable_record_survives(name, splice_from, op, where, size, noise):
    data = (SHARED / "warc" / name).read_bytes()
    layout = _layout(data)
    originals = {r.record_id: r for r in _read(data)}
    at = int(where * len(data))
    if op == "truncate":
        damaged, expect = data[:at], _intact_docs(layout, at, len(data) + 1)
    elif op == "corrupt":
        junk = (noise * (size // len(noise) + 1))[:size]
        damaged = data[:at] + junk + data[at + size:]
        expect = _intact_docs(layout, at, at + size)
    else:
        other = (SHARED / "warc" / splice_from).read_bytes()
        piece = noise if op == "splice" else other[int(where * len(other)):][:size * 16]
        damaged = data[:at] + piece + data[at:]
        expect = _intact_docs(layout, at, at, shift=len(piece))
    recs = _read(damaged)
    got = {r.record_id: r for r in recs if r.record_id}
    for rid, offset in expect.items():
        assert rid in got, (name, op, at, rid)
        again, before = got[rid], originals[rid]
        assert (again.offset, again.reason, again.body) == (offset, before.reason, before.body)
    for r in recs:
        assert r.reason or r.body is not None      # a row is a document or says why it is not
        if r.reason == reasons.WARC_READ_ERROR:
            assert r.detail.startswith(f"bytes {r.offset}")
