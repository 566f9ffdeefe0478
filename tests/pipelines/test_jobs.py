"""A job is one object: its subcommand, flow, ``python -m pipelines`` run and docs page are all
generated from its registry entry, and a new job needs nothing else."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from curate.io import DIRECT
from pipelines import Job, Map, Param, Steps
from pipelines._config import FileConfig
from pipelines.jobs import JOBS

ROOT = Path(__file__).resolve().parents[2]


def _subcommand(parser, name):
    action = next(a for a in parser._actions if a.dest == "command")
    return action.choices[name]


@pytest.mark.parametrize("name", list(JOBS))
def test_every_job_has_its_subcommand_flow_and_page(name):
    from curate.cli import build_parser
    from flows import flow_of
    from pipelines import docs

    job = JOBS[name]
    sub = _subcommand(build_parser([]), name)
    assert job.summary in " ".join(sub.format_help().split())   # --help renders (a "%" in a comment once broke it)
    dests = {a.dest for a in sub._actions}
    if job.flat:                                  # every config key is a flag (or the positional arguments)
        assert {f.name for f in dataclasses.fields(job.config_class)} <= dests
    assert {p.name for p in job.params if p.local} <= dests
    flow = flow_of(name)
    assert flow.name == name and flow.fn.__name__ == f"{name.replace('-', '_')}_flow"
    assert list(flow.parameters.properties)[0] == "config"
    assert job.config_class.__name__ in flow.parameters.definitions
    assert docs.page(job) == (docs.DOCS / f"{name}.md").read_text(encoding="utf-8")


def test_one_name_per_job():
    """The module a job lives in, its flow and its docs page carry the job's name."""
    import importlib

    for name, job in JOBS.items():
        module = importlib.import_module(f"pipelines.{name.replace('-', '_')}")
        assert module.JOB is job and module.STEPS is job.steps
        stem = job.config_class.__name__.removesuffix("Config").removesuffix("Spec")
        assert stem.lower() == name.replace("-", "")


# A job written here, in a test: a config class, its steps and a Job. Nothing else is edited, and
# it gets a subcommand, a flow and a docs page like the registered ones.

@dataclass(frozen=True, kw_only=True)
class CountConfig(FileConfig):
    """Count rows of Parquet files."""
    PATHS = ("inputs", "out")

    inputs: tuple[str, ...]                 # Parquet files
    out: str                                # output root
    column: str = "text"                    # the column counted


def _count(config, ctx, path, tick) -> int:
    return pq.read_metadata(path).num_rows


COUNT = Job(CountConfig, Steps("count", lambda config, state: {}, (Map("rows", _count, items=lambda c, s: list(c.inputs)),),
                               lambda config, state: {"rows": sum(state["rows"])}),
            "count rows", storage=DIRECT, positional="inputs", params=(Param("limit", int, 0, "unused here"),),
            example='inputs = ["a.parquet"]\nout = "o"\n')


def test_a_new_job_is_generated_whole(tmp_path):
    import argparse

    from curate.cli._jobs import add_job_parser
    from flows.jobs import _make
    from pipelines import docs

    files = []
    for i, n in enumerate((3, 5)):
        files.append(str(tmp_path / f"{i}.parquet"))
        pq.write_table(pa.table({"text": [f"t{k}" for k in range(n)]}), files[-1])
    parser = argparse.ArgumentParser()
    add_job_parser(parser.add_subparsers(dest="command"), COUNT)
    args = parser.parse_args(["count", *files, "--out", str(tmp_path / "out"), "--column", "text", "-q"])
    assert args.func(args) == 0
    assert COUNT.run(COUNT.config(inputs=tuple(files), out=str(tmp_path / "out"))) == {"rows": 8}
    flow = _make(COUNT)
    assert flow.name == "count" and set(flow.parameters.properties) == {"config", "limit"}
    text = docs.page(COUNT)
    assert "curate count INPUT... --out DIR ..." in text and "| `column` | str | `\"text\"` |" in text


def test_python_dash_m_pipelines_runs_a_job(shared, tmp_path):
    """``python -m pipelines filter --config FILE`` on real pages: the generated runner, exit 0."""
    from pipelines.ingest import IngestConfig, run

    run(IngestConfig(sources=(str(shared / "warc" / "dolma" / "sample-0000.warc.gz"),), out=str(tmp_path / "pages")))
    config = tmp_path / "filter.toml"
    config.write_text('inputs = ["pages"]\nout = "quality"\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipelines", "filter", "--config", str(config)], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("filter: ") and "kept" in done.stdout
    assert list((tmp_path / "quality" / "quality").glob("*.parquet"))
    bad = subprocess.run([sys.executable, "-m", "pipelines", "filter", "--config", str(tmp_path / "none.toml")],
                         cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "cannot read config" in bad.stderr
