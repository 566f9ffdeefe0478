"""Hostile use of the commands (issue 34): queries that fail at run time or return 10^7 rows,
filters that try to widen a query, budgets without bound, outputs we may not write."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from curate.errors import FatalError
from tests.hostile.test_inputs import curate, one_line

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shards(shared, tmp_path_factory):
    home = tmp_path_factory.mktemp("hostile-cmd")
    assert curate("ingest", str(shared / "warc" / "dolma" / "sample-0000.warc.gz"), "--out", "shards", "-q",
                  cwd=home).returncode == 0
    return home


@pytest.mark.parametrize("sql", ["SELECT CAST('x' AS INT)", "SELECT error('boom')",
                                 "SELECT * FROM read_text('/etc/passwd')", "SELECT no_such_column FROM pages",
                                 "SELECT * FROM read_csv('.tmp/x.csv')"])
@pytest.mark.parametrize("fmt", ["table", "csv", "json", "text"])
def test_query_errors_are_one_line_in_every_format(shards, sql, fmt):
    done = curate("query", sql, "--root", "shards", "--format", fmt, cwd=shards)
    assert one_line(done), (done.returncode, done.stderr)


def test_query_spills_to_a_private_folder_never_dot_tmp(shards):
    done = curate("query", "SELECT current_setting('temp_directory') AS t", "--root", "shards", "--format", "csv",
                  cwd=shards)
    spill = done.stdout.splitlines()[1]
    assert done.returncode == 0 and "curate-query-" in spill and not spill.startswith(".tmp")
    assert not Path(spill).exists()                          # removed after the query
    assert not (shards / ".tmp").exists()


def test_csv_and_json_stream_in_flat_memory(shards):
    """The first rows print before the rest is computed, and memory does not follow the row count."""
    peaks = {}
    for n in (10**5, 10**7):
        script = ("import sys; from curate.cli import main; rc = main(['query', "
                  f"'SELECT range AS i, md5(range::VARCHAR) AS h FROM range({n})', '--root', 'shards', "
                  "'--format', 'csv']); sys.stderr.write(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))")
        proc = subprocess.Popen([sys.executable, "-c", script], cwd=shards, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        t0 = time.monotonic()
        assert proc.stdout.readline() == b"i,h\n" and proc.stdout.readline().startswith(b"0,")
        first = time.monotonic() - t0
        rows = sum(1 for _ in proc.stdout) + 1
        peaks[n] = int(proc.stderr.read()) / 1024
        assert proc.wait() == 0 and rows == n
        if n == 10**7:
            assert first < 5, first                          # streamed, not computed whole first
    assert peaks[10**7] < peaks[10**5] + 150, peaks         # flat: 100x the rows, about the same memory


@pytest.mark.parametrize("where", ["1=1) OR (1=1", "has_math) OR (true", "true; SELECT 1", "x) UNION SELECT 1 --"])
def test_a_mixture_filter_cannot_widen_the_query(shards, tmp_path, where):
    from pipelines.mix import run
    from pipelines.mix._spec import spec_from_mapping

    with pytest.raises(FatalError, match="one SQL expression"):
        run(spec_from_mapping({"name": "m", "root": str(shards / "shards"), "total_tokens": 10**6,
                               "sources": [{"name": "a", "dataset": "pages", "share": 1.0, "where": where}]}),
            tmp_path / "m")
    assert not (tmp_path / "m").exists()


def test_a_filter_is_bound_as_an_expression_not_text(shards, tmp_path):
    """A comment can not cut off what follows the filter: it is parsed alone."""
    from pipelines.mix import run
    from pipelines.mix._spec import spec_from_mapping

    base = {"name": "m", "root": str(shards / "shards"), "total_tokens": 10**7}
    all_rows = run(spec_from_mapping({**base, "sources": [{"name": "a", "dataset": "pages", "share": 1.0}]}),
                   tmp_path / "all")["rows"]
    got = run(spec_from_mapping({**base, "sources": [{"name": "a", "dataset": "pages", "share": 1.0,
                                                      "where": "n_chars > 2500 --"}]}), tmp_path / "c")["rows"]
    assert 0 < got < all_rows


@pytest.mark.parametrize("source", [{"tokens": 10**18, "max_epochs": 1e15}, {"share": 1.0, "max_epochs": 1e15}])
def test_a_budget_without_bound_is_refused_in_flat_memory(shards, tmp_path, source):
    import resource

    from pipelines.mix import run
    from pipelines.mix._spec import spec_from_mapping

    spec = {"name": "m", "root": str(shards / "shards"), "total_tokens": 10**18,
            "sources": [{"name": "a", "dataset": "pages", "where": "n_chars < 3000", **source}]}
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.monotonic()
    with pytest.raises(FatalError, match="passes over"):
        run(spec_from_mapping(spec), tmp_path / "m")
    assert time.monotonic() - t0 < 30
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024      # KB


def _as_nobody():
    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("read-only outputs are tested as an unprivileged user (root writes anywhere): needs root and setpriv")
    prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    can = subprocess.run([*prefix, sys.executable, "-c", "import curate.cli"], capture_output=True, cwd="/",
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    if can.returncode != 0:                  # a checkout in a private folder (mktemp -d is 0700)
        pytest.skip(f"an unprivileged user cannot read this checkout at {ROOT}")
    return prefix


def test_read_only_outputs_are_one_line_and_leave_nothing(shared, tmp_path):
    prefix = _as_nobody()
    tmp_path.chmod(0o755)
    warc = tmp_path / "x.warc.gz"
    shutil.copy(shared / "warc" / "dolma" / "sample-0000.warc.gz", warc)
    warc.chmod(0o644)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    locked.chmod(0o555)
    spec = tmp_path / "m.yaml"
    spec.write_text(f"name: m\nroot: {tmp_path / 'shards'}\ntotal_tokens: 1000\n"
                    "sources: [{name: a, dataset: pages, share: 1.0}]\n")
    spec.chmod(0o644)
    assert curate("ingest", str(warc), "--out", str(tmp_path / "shards"), "-q", cwd=tmp_path).returncode == 0
    os.system(f"chmod -R a+rX {tmp_path / 'shards'}")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    for args in (["ingest", str(warc), "--out", str(locked)], ["ingest", str(warc), "--out", str(locked / "sub")],
                 ["dedup", str(tmp_path / "shards"), "--out", str(locked)],
                 ["mix", str(spec), "--out", str(locked / "mix")]):
        done = subprocess.run([*prefix, sys.executable, "-m", "curate", *args], capture_output=True, text=True,
                              cwd="/", env=env)
        assert one_line(done), (args, done.stderr)
        assert not any(locked.iterdir())
