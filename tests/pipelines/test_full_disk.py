"""A full output disk: one-line error, exit 2, no staging left, no rows without a completion record,
and a rerun after freeing space gives exactly the rows of a clean run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from curate.io import Ledger, committed
from curate.query import connect
from pipelines.ingest import IngestConfig, run

CURATE = [str(Path(sys.executable).parent / "curate")]


@pytest.fixture()
def small_disk(tmp_path):
    """A 1 MiB tmpfs: a real full disk. Mounting needs root (CI and this project's machines have it);
    a per-file size limit (RLIMIT_FSIZE) was tried as the fallback, but it also breaks the
    extraction pool's forkserver, so without a mount the test is skipped and says why."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _visible_rows(out: Path) -> int:
    return connect(out).sql("SELECT count(*) FROM pages").fetchall()[0][0] if committed(out, "pages") else 0


def test_a_full_disk_leaves_nothing_half_done_and_a_rerun_completes(shared, small_disk, tmp_path):
    clean = tmp_path / "clean"
    run(IngestConfig(sources=(str(shared / "warc"),), out=str(clean)))
    out, filler = small_disk / "out", small_disk / "filler"
    filler.write_bytes(bytes(1024 * 1024 - 160 * 1024))             # about 160 KB stay free
    args = [*CURATE, "ingest", str(shared / "warc"), "--out", str(out)]
    first = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert first.returncode == 2, first.stderr
    (line,) = first.stderr.strip().splitlines()          # one line, no traceback
    assert line.startswith(f"curate: error: cannot write to {out}: no space left on device; nothing of input ")
    assert not (out / "_staging").exists()
    # Everything visible has its completion record, and nothing else is visible.
    done = [d for d in Ledger(out).all() if d.status != "failed"]
    assert len(done) < 14
    assert _visible_rows(out) == sum(d.pages for d in done)
    assert {f"pages/{Path(f).name}" for f in committed(out, "pages")} == {
        s for d in done for s in d.shards.get("pages", [])}
    filler.unlink()
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    query = "SELECT id, url, text FROM pages ORDER BY id"
    assert connect(out).sql(query).fetchall() == connect(clean).sql(query).fetchall()


def test_a_record_that_cannot_be_written_takes_its_shards_back(shared, tmp_path):
    """The ledger write fails after the shards were moved into place: they are removed again."""
    out = tmp_path / "out"
    source = shared / "warc" / "warcio" / "example.warc.gz"
    from curate.io import input_key

    record = out / "_ledger" / f"{input_key(str(source))}.json"
    record.mkdir(parents=True)                       # the record's path is taken: its write fails
    with pytest.raises(OSError):
        run(IngestConfig(sources=(str(source),), out=str(out)))
    assert list((out / "pages").glob("*.parquet")) == [] and not (out / "_staging").exists()
    record.rmdir()
    assert run(IngestConfig(sources=(str(source),), out=str(out))).pages == 1
    assert _visible_rows(out) == 1


def test_shards_without_a_record_are_not_visible(shared, tmp_path):
    """A kill between moving shards into place and writing the record: readers do not see them."""
    out = tmp_path / "out"
    run(IngestConfig(sources=(str(shared / "warc" / "warcio" / "example.warc.gz"),), out=str(out)))
    stray = out / "pages" / "killed-input-00000.parquet"
    stray.write_bytes((next((out / "pages").glob("example*.parquet"))).read_bytes())
    assert _visible_rows(out) == 1
    assert str(stray) not in committed(out, "pages")
