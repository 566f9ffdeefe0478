"""Every command in docs/ is run by a test, as written.

The commands of each page's ``bash`` blocks run in page order in one folder laid out as the
pages assume (``shards/``, ``dedup/``, ``path/to/file.warc.gz``, ``../shared/data``...), built
from the shared real data: Common Crawl, dolma and resiliparse WARCs, real blog pages, three
real repositories and two arXiv sources. Each must exit 0 without a traceback.

A command that cannot run here is named with the reason and the test that runs its kind
(a server that blocks, a host on the internet, a path under /data); it is still parsed by
curate's own command line, so a renamed flag or subcommand fails here. README.md's commands are
run by tests/test_readme_tour.py.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from curate.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
#: guides in the order a user meets them: ingest writes the shards the others read
ORDER = ["guide/ingest.md", "guide/query.md", "guide/dedup.md", "guide/filters.md", "guide/mixtures.md",
         "guide/code-and-arxiv.md", "guide/math-recall.md"]

#: what a command holds that keeps it from running here -> why, and where its kind is run
NOT_HERE = {
    "curate serve": "serves until stopped: tests/flows/test_crawl_flow.py serves a deployment on a real scheduler",
    "curate run ": "a Prefect flow on Dask: tests/flows/test_<job>_flow.py run each job's flow, the tour `curate run ingest`",
    "curate server": "the tour's block 5 (tests/test_readme_tour.py) starts and stops the server",
    "curate schedules ": "deployments on a server: tests/flows/test_crawl_flow.py pauses, resumes and deletes one",
    " ... ": "a synopsis: `--help` of its subcommand is run instead",
    "https://host": "a host on the internet: tests/io/test_http_ingest.py reads from a server on 127.0.0.1",
    "http://mirror.local": "a crawl mirror on the internet: tests/flows/test_crawl_flow.py serves one on 127.0.0.1",
    "s3://": "object storage: tests/io/test_object_store.py and tests/flows/test_object_store_cluster.py (moto on 127.0.0.1)",
    "tcp://": "a cluster's scheduler: tests/flows/test_object_store_cluster.py starts `dask scheduler` and workers",
    "CC-MAIN-": "a crawl id is fetched from data.commoncrawl.org: tests/flows/test_crawl_flow.py mirrors one",
    " /data/": "paths of a production machine: the same command on local folders runs in tests/pipelines/",
}


def commands(page: Path) -> list[str]:
    """The commands of a page's bash blocks; a heredoc stays with its command."""
    out: list[str] = []
    for block in re.findall(r"```bash\n(.*?)\n```", page.read_text(encoding="utf-8"), re.S):
        lines = iter(block.splitlines())
        for line in lines:
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            here = re.search(r"<<'(\w+)'", line)
            if here:
                body = [line]
                for more in lines:
                    body.append(more)
                    if more.strip() == here.group(1):
                        break
                line = "\n".join(body)
            out.append(line)
    return out


def why_not(command: str) -> str | None:
    return next((why for mark, why in NOT_HERE.items() if mark in command), None)


def argv_of(command: str) -> list[list[str]]:
    """The argv of a ``curate`` command (env assignments and comments dropped), one per
    alternative where the page writes ``a|b|c``."""
    words = [w for w in shlex.split(command.split("\n")[0], comments=True) if not re.match(r"^[A-Z_]+=", w)]
    if not words or words[0] != "curate":
        return []
    words = words[1:]
    for i, w in enumerate(words):
        if "|" in w and not w.startswith(("SELECT", "'", '"')) and " " not in w:
            return [words[:i] + [alt] + words[i + 1:] for alt in w.split("|")]
    return [words]


def all_commands() -> list[tuple[str, str]]:
    pages = sorted(DOCS.rglob("*.md"))
    return [(str(p.relative_to(DOCS)), c) for p in pages for c in commands(p)]


def test_every_command_is_run_here_or_names_where():
    """A command no test runs cannot hide: each runs below, or says why not and parses."""
    run, parsed = 0, 0
    for page, command in all_commands():
        if command.startswith(".venv/bin/python benchmarks/"):           # the benchmark list
            assert (ROOT / command.split()[1]).is_file(), command
            continue
        if why_not(command) is None:
            assert page in ORDER or not command.startswith(("curate", "python")), (page, command)
            run += 1
            continue
        for argv in argv_of(command):
            if "..." in argv:
                argv = argv[:argv.index("...")] + ["--help"]
            try:
                build_parser(argv).parse_args(argv)
            except SystemExit as exc:
                assert exc.code == 0, (page, command)          # --help exits 0; a wrong flag exits 2
            parsed += 1
    assert run >= 40 and parsed >= 30, (run, parsed)


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "CURATE_DASK"))}
    env["PATH"] = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    return env


@pytest.fixture(scope="module")
def world(shared, tmp_path_factory):
    """A folder laid out as the guides assume, from the shared real data."""
    top = tmp_path_factory.mktemp("docs")
    (top / "shared").mkdir()
    (top / "shared" / "data").symlink_to(shared)                         # ../shared/data, as in the guides
    w = top / "world"
    for rel, target in {"path/to/file.warc.gz": "warc/dolma/sample-0000.warc.gz",
                        "more/a.warc.gz": "warc/resiliparse/warcfile.warc.gz",
                        "more/b.warc.gz": "warc/commoncrawl-whirlwind/whirlwind.warc.gz",
                        "some/folder/c.warc.gz": "warc/dolma/sample-0001.warc.gz",
                        "saved-pages": "html/colah-blog", "repos": "repos", "path/to/repo": "repos/python-requests",
                        "paper-folder": "arxiv/plasma-partition"}.items():
        (w / rel).parent.mkdir(parents=True, exist_ok=True)
        (w / rel).symlink_to(shared / target)
    with tarfile.open(w / "other.tar.gz", "w:gz") as tar:
        tar.add(shared / "repos/c-lua", arcname="c-lua")
    _stack_rows(shared / "repos/java-jsoup", w / "stack-rows.parquet")
    (w / "ingest.toml").write_text('sources = ["path/to/file.warc.gz"]\nout = "shards"\n', encoding="utf-8")
    from pipelines.ingest import IngestConfig, run

    for name, source in (("crawl-2024-10", "more"), ("crawl-2024-22", "saved-pages")):
        assert not run(IngestConfig(sources=(str(w / source),), out=str(w / name)), progress=False).failed
    (w / "mixture.yaml").write_text(
        "name: docs\nroot: shards\ntotal_tokens: 30000\nseed: 1\ntokenizer: tok/tokenizer.json\nsources:\n"
        "  - {name: math, dataset: pages, where: has_math, share: 0.5, max_epochs: 4, removals: [dedup, quality]}\n"
        "  - {name: web, dataset: pages, where: NOT has_math, share: 0.5, removals: [dedup, quality]}\n",
        encoding="utf-8")
    (w / "recall.toml").write_text(
        'inputs = ["shards", "crawl-2024-10", "crawl-2024-22"]\nout = "math"\n'
        'seed_query = "SELECT text FROM pages WHERE has_math"\nseed_query_root = "shards"\n'
        "max_rounds = 1\nallow_weak_model = true\npolicy = \"file\"\n", encoding="utf-8")
    return w


def _stack_rows(repo: Path, out: Path) -> None:
    """The Stack v1's layout: one row per file (max_stars_repo_name, max_stars_repo_path, content)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = sorted(p for p in repo.rglob("*.java") if p.is_file())[:60]
    pq.write_table(pa.table({"max_stars_repo_name": ["jhy/jsoup"] * len(files),
                             "max_stars_repo_path": [str(p.relative_to(repo)) for p in files],
                             "content": [p.read_text(encoding="utf-8", errors="replace") for p in files]}), out)


@pytest.mark.parametrize("page", ORDER)
def test_the_guides_commands_run_as_written(world, page):
    ran = 0
    for command in commands(DOCS / page):
        if why_not(command):
            continue
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=world, env=_env(),
                              capture_output=True, text=True, timeout=600,
                              input="y\nn\n" * 20)        # answers for `curate math annotate -i`
        assert done.returncode == 0, (command, done.stdout[-1500:], done.stderr[-1500:])
        assert "Traceback" not in done.stderr, (command, done.stderr[-1500:])
        ran += 1
    assert ran >= 3, page
