"""Hostile inputs, by class (issue 34): names that are not UTF-8, glob characters, header values
out of range, colliding record ids, decoders that inflate, self-multiplying macros, costly pages.
Each case keeps the good inputs beside the bad one and ends in rows or one line, never a crash."""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from curate.io._names import readable
from curate.io._sources import matches


def curate(*args, cwd, **kw):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, cwd=cwd, **kw)


def one_line(done) -> bool:
    return done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def _record(http: bytes, rid=None, date="2024-01-01T00:00:00Z") -> bytes:
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:{rid or uuid.uuid4()}>\r\n"
            f"WARC-Date: {date}\r\nWARC-Target-URI: http://example.com/{uuid.uuid4().hex[:8]}\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    return gzip.compress(head + http + b"\r\n\r\n")


def _page(words: str, status: bytes = b"200 OK", extra: bytes = b"", body: bytes | None = None) -> bytes:
    html = body if body is not None else (b"<html><body><article><p>" + (words * 30).encode() + b"</p></article></body></html>")
    return b"HTTP/1.1 " + status + b"\r\nContent-Type: text/html\r\n" + extra + b"\r\n" + html


# --- 1. names that are not UTF-8 -------------------------------------------------------------------

def test_names_that_are_not_utf8_are_ingested_and_recorded_readably(shared, tmp_path):
    warcs, html, repos = tmp_path / "warcs", tmp_path / "html", tmp_path / "repos"
    for d in (warcs, html, repos):
        d.mkdir()
    shutil.copy(shared / "warc" / "dolma" / "sample-0000.warc.gz", os.fsencode(warcs) + b"/caf\xe9.warc.gz")
    shutil.copy(shared / "warc" / "dolma" / "sample-0001.warc.gz", warcs / "good.warc.gz")
    pages = sorted((shared / "html" / "colah-blog").glob("*.html"))
    shutil.copy(pages[0], os.fsencode(html) + b"/p\xff.html")
    shutil.copy(pages[1], html / "ok.html")
    shutil.copytree(os.fsencode(shared / "repos" / "python-requests"), os.fsencode(repos) + b"/r\xe9po")
    (repos / "plain").mkdir()
    (repos / "plain" / "a.py").write_text("import os\n\n\ndef f():\n    return os.sep\n")
    for args in (["ingest", "warcs", "--out", "o1"], ["ingest", "html", "--out", "o2"], ["code", "repos/*", "--out", "o3"]):
        if args[0] == "code":
            args = ["code", *[os.fsdecode(p) for p in sorted(os.listdir(os.fsencode(repos)))], "--out", "o3"]
            args[1:-2] = [f"repos/{a}" for a in args[1:-2]]
        done = curate(*args, "-q", cwd=tmp_path)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    con = duckdb.connect()
    paths = {r[0] for r in con.sql(f"SELECT DISTINCT warc_path FROM read_parquet('{tmp_path}/o1/pages/*.parquet')").fetchall()}
    assert any(p.endswith("caf\\xe9.warc.gz") for p in paths) and any(p.endswith("good.warc.gz") for p in paths)
    urls = {r[0] for r in con.sql(f"SELECT url FROM read_parquet('{tmp_path}/o2/pages/*.parquet')").fetchall()}
    assert len(urls) == 2
    repo_names = {r[0] for r in con.sql(f"SELECT DISTINCT repo FROM read_parquet('{tmp_path}/o3/code_files/*.parquet')").fetchall()}
    assert repo_names == {"r\\xe9po", "plain"}
    again = curate("ingest", "warcs", "--out", "o1", cwd=tmp_path)            # the ledger knows both names
    assert "0 processed, 2 already done" in again.stdout
    assert curate("query", "SELECT source FROM ledger", "--root", "o1", cwd=tmp_path).returncode == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=40).filter(lambda b: b"/" not in b and b"\0" not in b and b not in (b".", b"..")))
def test_any_file_name_becomes_valid_utf8_text(name):
    text = readable(os.fsdecode(name))
    assert text.encode("utf-8")                     # never raises
    assert readable(text) == text                   # and is stable
    if name.decode("utf-8", "strict") if _utf8(name) else False:
        assert text == name.decode()                # a UTF-8 name is shown as it is


def _utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


# --- 2. existing names are taken as written ---------------------------------------------------------

def test_an_existing_path_with_glob_characters_is_that_file(shared, tmp_path):
    odd = tmp_path / "crawl[1].warc.gz"
    shutil.copy(shared / "warc" / "dolma" / "sample-0000.warc.gz", odd)
    shutil.copy(shared / "warc" / "dolma" / "sample-0001.warc.gz", tmp_path / "crawl1.warc.gz")  # what [1] would match
    assert matches(str(odd)) == [str(odd)]
    assert matches(str(tmp_path / "crawl?.warc.gz")) == [str(tmp_path / "crawl1.warc.gz")]
    done = curate("ingest", str(odd), "--out", "o", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    paths = duckdb.sql(f"SELECT DISTINCT warc_path FROM read_parquet('{tmp_path}/o/pages/*.parquet')").fetchall()
    assert paths == [(str(odd),)]


# --- 3. printed next steps are safe to paste -----------------------------------------------------

def test_printed_next_steps_run_as_printed_with_odd_folder_names(shared, tmp_path):
    import shlex

    out = tmp_path / "it's a $(dir) `x`"
    assert curate("ingest", str(shared / "warc" / "dolma" / "sample-0000.warc.gz"), "--out", str(out), "-q",
                  cwd=tmp_path).returncode == 0
    dd = tmp_path / "its dedup $(x) `y`"
    done = curate("dedup", str(out), "--out", str(dd), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    hint = next(line.strip() for line in done.stdout.splitlines() if " query " in line and "--root" in line)
    argv = shlex.split(hint)                         # what a shell would pass
    assert argv[argv.index("--root") + 1] == str(dd)
    again = subprocess.run([sys.executable, "-m", "curate", *argv[argv.index("query"):]], capture_output=True,
                           text=True, cwd=tmp_path)
    assert again.returncode == 0, again.stderr


# --- 5 and 6. header values out of range, colliding record ids ----------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=st.one_of(st.integers(min_value=-10**20, max_value=10**20).map(lambda i: str(i).encode()),
                        st.binary(min_size=1, max_size=12).filter(lambda b: b"\r" not in b and b"\n" not in b)),
       length=st.one_of(st.integers(min_value=-10**25, max_value=10**25).map(lambda i: str(i).encode()),
                        st.just(b"abc")),
       date=st.sampled_from(["not-a-date", "99999-01-01T00:00:00Z", "2024-13-45T99:99:99Z", "0000-00-00T00:00:00Z"]))
@example(status=b"\xb2", length=b"abc", date="not-a-date")      # "²".isdigit() is true; int("²") raised
def test_header_values_out_of_range_are_rows_and_the_rest_of_the_file_is_kept(tmp_path_factory, status, length, date):
    from pipelines.ingest import IngestConfig, run

    home = tmp_path_factory.mktemp("hdr")
    warc = home / "x.warc.gz"
    warc.write_bytes(_record(_page("First good page with plenty of words in it. "))
                     + _record(_page("Odd status page text here. ", status=status + b" OK",
                                     extra=b"Content-Length: " + length + b"\r\n"), date=date)
                     + _record(_page("Last good page with plenty of words in it. ")))
    summary = run(IngestConfig(sources=(str(warc),), out=str(home / "o")))
    assert not summary.failed
    pages = duckdb.sql(f"SELECT text FROM read_parquet('{home}/o/pages/*.parquet')").fetchall()
    rejected = duckdb.sql(f"SELECT count(*) FROM read_parquet('{home}/o/rejected/*.parquet')").fetchall()[0][0] \
        if list((home / "o" / "rejected").glob("*.parquet")) else 0
    texts = " ".join(t for (t,) in pages)
    assert "First good page" in texts and "Last good page" in texts and len(pages) + rejected == 3
    assert run(IngestConfig(sources=(str(warc),), out=str(home / "o"))).skipped == 1      # a rerun completes


def test_records_sharing_a_record_id_get_distinct_ids_and_survive_dedup_and_mixing(tmp_path):
    from pipelines.dedup import DedupConfig
    from pipelines.dedup import run as dedup
    from pipelines.ingest import IngestConfig, run
    from pipelines.mix import run as mix
    from pipelines.mix._spec import spec_from_mapping

    rid = uuid.uuid4()
    texts = ["Alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu. ",
             "Completely different words describe ocean tides moons and gravity here. "]
    (tmp_path / "x.warc.gz").write_bytes(b"".join(_record(_page(t), rid=rid) for t in texts))
    run(IngestConfig(sources=(str(tmp_path / "x.warc.gz"),), out=str(tmp_path / "o")))
    ids = duckdb.sql(f"SELECT id FROM read_parquet('{tmp_path}/o/pages/*.parquet')").fetchall()
    assert len(ids) == 2 and len(set(ids)) == 2
    dedup(DedupConfig(inputs=(str(tmp_path / "o"),), out=str(tmp_path / "d")))
    manifest = mix(spec_from_mapping({"name": "m", "root": str(tmp_path / "o"), "total_tokens": 10**6, "sources": [
        {"name": "web", "dataset": "pages", "share": 1.0, "removals": [str(tmp_path / "d")]}]}), tmp_path / "m")
    assert manifest["rows"] == 2


# --- 4. every decoder bounded -----------------------------------------------------------------------

def test_a_brotli_bomb_is_a_rejected_row_in_bounded_memory(tmp_path):
    brotli = pytest.importorskip("brotli")
    comp = brotli.Compressor(quality=5)
    chunk = b"\0" * (1 << 24)
    bomb = b"".join(comp.process(chunk) for _ in range(96)) + comp.finish()      # 1.5 GiB of zeros
    assert len(bomb) < 1 << 20
    warc = tmp_path / "bomb.warc.gz"
    warc.write_bytes(_record(_page("A good page before the bomb with words. "))
                     + _record(_page("", extra=b"Content-Encoding: br\r\n", body=bomb))
                     + _record(_page("A good page after the bomb with words. ")))
    script = ("import sys; from pipelines.ingest import IngestConfig, run; "
              f"run(IngestConfig(sources=({str(warc)!r},), out={str(tmp_path / 'o')!r}, workers=0)); "
              "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    peak_mb = int(done.stdout.split()[-1]) / 1024
    assert peak_mb < 600, peak_mb                                 # 1.5 GiB never materialised
    reasons = duckdb.sql(f"SELECT reason FROM read_parquet('{tmp_path}/o/rejected/*.parquet')").fetchall()
    assert reasons == [("body_too_large",)]
    assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{tmp_path}/o/pages/*.parquet')").fetchall()[0][0] == 2


# --- 7. inputs of the wrong type ---------------------------------------------------------------------

def test_wrong_types_are_one_line_naming_file_and_column_or_line(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (tmp_path / "r" / "pages").mkdir(parents=True)
    pq.write_table(pa.table({"id": ["a", "b"], "text": pa.array([1, 2], pa.int64())}),
                   tmp_path / "r" / "pages" / "x.parquet")
    (tmp_path / "m.yaml").write_text("name: m\nroot: r\ntotal_tokens: 10\nsources: [{name: a, dataset: pages, share: 1.0}]\n")
    done = curate("mix", "m.yaml", "--out", "mix", cwd=tmp_path)
    assert one_line(done) and "x.parquet" in done.stderr and "'text'" in done.stderr, done.stderr
    assert not (tmp_path / "mix").exists()
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "set.jsonl").write_text('{"question": "What is two and two?", "answer": "4"}\n"just a string"\n')
    done = curate("decontaminate", "r", "--benchmarks", "b", "--out", "d", cwd=tmp_path)
    assert one_line(done) and "set.jsonl:2" in done.stderr, done.stderr


# --- 8. bounded by design: macro expansion, page cost ---------------------------------------------------

def test_a_self_multiplying_macro_is_a_problem_row_not_gigabytes(tmp_path):
    from PIL import Image

    paper = tmp_path / "paper"
    paper.mkdir()
    Image.new("RGB", (20, 20)).save(paper / "img.png")
    calls = "\\fig{#1}" * 30
    (paper / "p.tex").write_text(
        "\\documentclass{article}\\usepackage{graphicx}\n"
        f"\\newcommand{{\\fig}}[1]{{\\begin{{figure}}\\includegraphics{{#1}}\\caption{{A long enough caption}}\\end{{figure}}{calls}}}\n"
        "\\def\\a{\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a\\a}\n"
        "\\begin{document}\\fig{img.png}\n\\begin{figure}\\includegraphics{img.png}\\caption{Caption \\a of words}\\end{figure}\n"
        "\\end{document}\n")
    script = ("from pipelines.arxiv import ArxivConfig, run; "
              f"run(ArxivConfig(sources=({str(paper)!r},), out={str(tmp_path / 'o')!r})); "
              "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=Path(__file__).parents[2],
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) / 1024 < 600
    rows = duckdb.sql(f"SELECT reason, detail FROM read_parquet('{tmp_path}/o/rejected/*.parquet')").fetchall()
    assert any("macro expansion stopped" in d for _, d in rows), rows


def test_a_page_of_unclosed_delimiters_is_refused_before_parsing():
    import time

    from curate.extract import Rejected, extract_html

    page = b"<html><body><p>" + b"x \\( y " * 100_000 + b"</p></body></html>"
    t0 = time.monotonic()
    with pytest.raises(Rejected) as caught:
        extract_html(page, "http://x/")
    assert caught.value.reason == "too_costly" and time.monotonic() - t0 < 1.0
    fine = b"<html><body><article><p>" + b"Words and a formula \\(a^2 + b^2\\) here. " * 200 + b"</p></article></body></html>"
    assert "$a^2 + b^2$" in extract_html(fine, "http://x/")["text"]
