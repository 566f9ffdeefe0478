"""A mirrored job's folder kept in step between "machines" (caches) through a real S3 server."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from curate.io._mirror import Mirror
from curate.io._remote import local_work
from curate.io._work import WorkFolder


@pytest.fixture()
def machines(tmp_path, monkeypatch):
    """``on(k)`` makes this process machine ``k``: its own cache, as on another host."""
    def on(k: int) -> Path:
        monkeypatch.setenv("CURATE_CACHE", str(tmp_path / f"machine-{k}"))
        return tmp_path / f"machine-{k}"
    return on


def test_files_written_on_one_machine_reach_another_and_deletions_too(s3, machines):
    url = f"s3://{s3.bucket()}/root"
    machines(0)
    flow = Mirror(url, "job", str(local_work(url, "_job")))          # the flow's machine: 0
    (flow.local / "round=1").mkdir(parents=True)
    (flow.local / "round=1" / "a.parquet").write_bytes(b"a")
    (flow.local / ".tmp-half").write_bytes(b"never synced")          # dot-named: a temporary
    assert flow.push() == 1 and flow.push() == 0                     # only what changed moves
    machines(1)
    assert flow.elsewhere() and flow.pull() == 1
    copy = flow.local
    assert (copy / "round=1" / "a.parquet").read_bytes() == b"a" and not (copy / ".tmp-half").exists()
    (copy / "round=1" / "b.parquet").write_bytes(b"b")               # a task's output here...
    (copy / "round=1" / "a.parquet").unlink()                        # ...and a file it removed
    assert flow.push() == 1
    machines(0)
    assert not flow.elsewhere() and flow.pull() == 1
    assert sorted(p.name for p in (flow.local / "round=1").iterdir()) == ["b.parquet"]
    (flow.local / "round=1" / "b.parquet").write_bytes(b"b, rewritten")  # changed in place
    assert flow.push() == 1
    machines(1)
    assert flow.pull() == 1 and (copy / "round=1" / "b.parquet").read_bytes() == b"b, rewritten"
    flow.drop()
    assert not s3.keys(url.split("/")[2], "root/_work/")


@dataclass(frozen=True)
class _Config:
    out: str
    inputs: tuple


def test_paths_move_to_this_machines_copy_and_back(s3, machines):
    url = f"s3://{s3.bucket()}/root"
    origin = str(machines(0) / "mirror")
    mirror = Mirror(url, "job", origin)
    machines(1)
    here = str(mirror.local)
    value = {"config": _Config(out=origin, inputs=("s3://b/pages", f"{origin}x/not-below")),
             "paths": [Path(origin) / "round=1" / "model.bin", (origin + "/a", 3)],
             "work": WorkFolder(origin, "_dedup", "r")}
    moved = mirror.relocate(value)
    assert moved["config"] == _Config(out=here, inputs=("s3://b/pages", f"{origin}x/not-below"))
    assert moved["paths"] == [Path(here) / "round=1" / "model.bin", (here + "/a", 3)]
    assert moved["work"].local == Path(here) / "_dedup" / "r"
    assert mirror.relocate(moved, back=True)["paths"] == value["paths"]


def test_a_work_folder_on_s3_is_shared_and_removed(s3, machines):
    url = f"s3://{s3.bucket()}/out"
    work = WorkFolder(url, "_dedup", "r")
    machines(0)
    (work / "sketch").mkdir(parents=True)
    (work / "sketch" / "x.parquet").write_bytes(b"x")
    assert not work.has("sketch/x.parquet")          # written here, not yet shared
    work.put(["sketch/x.parquet"])
    machines(1)
    assert work.has("sketch/x.parquet") and not (work / "sketch" / "x.parquet").exists()
    assert work.fetch(["sketch/x.parquet"])[0].read_bytes() == b"x"
    assert not [p for p in work.local.rglob("*") if p.name.endswith(".part")]
    # a step that finished here and was killed before its upload: found done, and uploaded
    (work / "sketch" / "y.parquet").write_bytes(b"y")
    assert work.finished(["sketch/y.parquet"]) == work / "sketch" / "y.parquet"
    assert work.finished(["sketch/absent.parquet"]) is None
    machines(2)
    assert work.finished(["sketch/y.parquet"]).read_bytes() == b"y"      # downloaded on machine 2
    work.remove()
    assert not work.has("sketch/x.parquet") and not work.local.exists()
