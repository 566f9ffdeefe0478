"""The code job end to end: folders, archives and Stack-style Parquet in; shards, views, dedup out."""

import tarfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.query import connect
from pipelines.code import CodeConfig, run


@pytest.fixture(scope="module")
def inputs(shared, tmp_path_factory):
    root = tmp_path_factory.mktemp("code-in")
    # a tar archive of the real requests repository, GitHub style (one top folder)
    with tarfile.open(root / "requests.tar.gz", "w:gz") as tar:
        tar.add(shared / "repos" / "python-requests", arcname="requests-main")
    # Stack-style rows of three repositories, deliberately not grouped by repository
    rows = []
    for i, name in enumerate(["alpha", "beta"]):
        rows += [{"repo_name": f"acme/{name}", "path": "pkg/__init__.py", "content": "from .core import run\n"},
                 {"repo_name": f"acme/{name}", "path": "pkg/core.py",
                  "content": "import os\n\n\ndef run(path):\n    return sorted(os.listdir(path))\n" * (3 + i * 0)}]
    rows.insert(1, {"repo_name": "acme/gamma", "path": "main.go", "content": 'package main\nimport "fmt"\nfunc main() { fmt.Println("hi") }\n'})
    rows.append({"repo_name": "acme/gamma", "path": "../../etc/passwd", "content": "root:x:0:0\n"})
    pq.write_table(pa.Table.from_pylist(rows), root / "stack.parquet")
    return root


def test_code_job_on_archives_parquet_and_folders(shared, inputs, tmp_path):
    config = CodeConfig(sources=(str(inputs / "requests.tar.gz"), str(inputs / "stack.parquet"),
                                 str(shared / "repos" / "c-lua")), out=str(tmp_path), seed=1)
    summary = run(config)
    assert summary.inputs == 3 and not summary.failed and summary.repositories == 5
    con = connect(tmp_path)
    repos = dict(con.execute("SELECT repo, sum(n_files) FROM code_samples GROUP BY repo").fetchall())
    assert repos == {"requests": 36, "acme/alpha": 2, "acme/beta": 2, "acme/gamma": 1, "c-lua": 63}
    # which files does this file import? (DuckDB over code_files)
    deps = con.execute("SELECT dependencies FROM code_files WHERE repo = 'requests' "
                       "AND path = 'src/requests/sessions.py'").fetchall()[0][0]
    assert "src/requests/adapters.py" in deps
    order = con.execute("SELECT paths FROM code_samples WHERE repo = 'acme/alpha'").fetchall()[0][0]
    assert order == ["pkg/core.py", "pkg/__init__.py"]
    rejected = dict(con.execute("SELECT url, reason FROM rejected").fetchall())
    assert rejected["repo://requests/LICENSE"] == "unknown_file_type"
    assert rejected["repo://acme/gamma/../../etc/passwd"] == "unsafe_path"
    # alpha and beta are the same repository: one sample pair is a near (here exact) duplicate
    dup = con.execute("SELECT s.repo, d.reason FROM duplicates d JOIN code_samples s USING (id) "
                      "WHERE NOT d.keep").fetchall()
    assert len(dup) == 1 and dup[0][1] == "exact_duplicate" and summary.duplicates == 1
    # FIM: about half the samples, and a rerun is a no-op
    modes = [m for (m,) in con.execute("SELECT fim_mode FROM code_samples").fetchall()]
    assert set(modes) <= {None, "psm"} and any(modes)
    again = run(config)
    assert again.inputs == 0 and again.skipped == 3
    assert con.execute("SELECT count(*) FROM code_samples").fetchall()[0][0] == sum(1 for _ in modes)


def test_same_seed_same_shards_and_per_repository(shared, inputs, tmp_path):
    a = CodeConfig(sources=(str(shared / "repos" / "java-jsoup"),), out=str(tmp_path / "a"), dedup=False)
    b = CodeConfig(sources=(str(shared / "repos" / "java-jsoup"),), out=str(tmp_path / "b"), dedup=False)
    run(a)
    run(b)
    ta = pq.read_table(next((tmp_path / "a" / "code_samples").glob("*.parquet")))
    tb = pq.read_table(next((tmp_path / "b" / "code_samples").glob("*.parquet")))
    assert ta.equals(tb)
    one = CodeConfig(sources=(str(shared / "repos" / "java-jsoup"),), out=str(tmp_path / "c"), dedup=False,
                     per="repository")
    run(one)
    tc = pq.read_table(next((tmp_path / "c" / "code_samples").glob("*.parquet")))
    assert tc.num_rows == 1 and tc.column("n_files")[0].as_py() == sum(ta.column("n_files").to_pylist())
