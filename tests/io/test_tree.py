"""A source folder cannot make us read outside it: links of every kind, FIFOs, swaps."""

from __future__ import annotations

import os
import shutil

import pytest

from curate.io._tree import read_tree
from curate.query import connect
from pipelines.code import CodeConfig, run

LIMITS = {"max_file_bytes": 1 << 20, "max_total_bytes": 64 << 20}


@pytest.fixture()
def repo(shared, tmp_path):
    """A copy of a real repository, with a secret beside it (outside the folder)."""
    root = tmp_path / "requests"
    shutil.copytree(shared / "repos" / "python-requests", root)
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    return root, secret


def _leaks(files: dict[str, bytes]) -> list[str]:
    return [p for p, data in files.items() if b"root:x:0:0" in data]


def test_a_hard_link_to_a_file_outside_is_refused(repo):
    root, secret = repo
    os.link(secret, root / "src" / "leak.py")
    files, refused = read_tree(root, **LIMITS)
    assert _leaks(files) == []
    assert ("src/leak.py", "unsafe_path", "hard link: the file has 2 names, 1 in this folder") in refused
    assert "src/requests/sessions.py" in files          # the rest of the repository is read


def test_hard_links_inside_the_folder_are_read(repo):
    root, _ = repo
    os.link(root / "src" / "requests" / "api.py", root / "api_copy.py")    # cp -al / pnpm style
    files, refused = read_tree(root, **LIMITS)
    assert files["api_copy.py"] == files["src/requests/api.py"] and not refused


def test_symbolic_links_to_files_and_folders_each_get_a_row(repo, tmp_path):
    root, secret = repo
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "x.py").write_text("print('outside')\n")
    os.symlink(secret, root / "passwd.py")
    os.symlink(tmp_path / "elsewhere", root / "vendor")
    os.symlink("/etc", root / "etc")
    files, refused = read_tree(root, **LIMITS)
    assert _leaks(files) == [] and not any(p.startswith(("vendor/", "etc/")) for p in files)
    assert {(p, d) for p, r, d in refused if r == "unsafe_path"} == {
        ("passwd.py", "symbolic link"), ("vendor", "symbolic link to a folder"), ("etc", "symbolic link to a folder")}


def test_a_fifo_is_refused_not_read(repo):
    root, _ = repo
    os.mkfifo(root / "pipe.py")                     # reading it would block forever
    files, refused = read_tree(root, **LIMITS)
    assert "pipe.py" not in files and ("pipe.py", "unsafe_path", "not a regular file") in refused


def test_the_code_job_records_the_refused_link_and_leaks_nothing(repo, tmp_path):
    root, secret = repo
    os.link(secret, root / "leak.py")
    out = tmp_path / "out"
    summary = run(CodeConfig(sources=(str(root),), out=str(out), dedup=False))
    assert summary.repositories == 1 and not summary.failed
    con = connect(out)
    assert con.sql("SELECT count(*) FROM code_files WHERE path = 'leak.py'").fetchall() == [(0,)]
    assert con.sql("SELECT count(*) FROM code_samples WHERE contains(text, 'root:x:0:0') "
                   "OR contains(fim_text, 'root:x:0:0')").fetchall() == [(0,)]
    (row,) = con.sql("SELECT url, reason, detail FROM rejected WHERE url LIKE '%leak.py'").fetchall()
    assert row[1] == "unsafe_path" and row[2].startswith("hard link")
