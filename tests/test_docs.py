"""docs/ is generated from the job registry and the config declarations: it cannot drift."""

import dataclasses

import pytest

from pipelines import docs
from pipelines.jobs import JOBS


def test_docs_pages_are_the_generated_ones():
    generated = docs.pages()
    # benchmarks.md is written by the benchmarks themselves (benchmarks/_report.py), not generated here
    on_disk = {p.name: p.read_text(encoding="utf-8") for p in docs.DOCS.glob("*.md") if p.name != "benchmarks.md"}
    stale = sorted(name for name in generated.keys() | on_disk.keys() if generated.get(name) != on_disk.get(name))
    assert not stale, f"docs/ is stale ({', '.join(stale)}): run python -m pipelines.docs"


@pytest.mark.parametrize("name", list(JOBS))
def test_every_key_is_documented_and_the_example_loads(name, tmp_path):
    job = JOBS[name]
    text = docs.page(job)
    for cls in docs.config_classes(job):
        said = docs.meanings(cls)
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in text
            assert said.get(f.name), f"{cls.__name__}.{f.name} has no comment to document it"
    example = tmp_path / f"{name}.toml"
    example.write_text(job.example, encoding="utf-8")
    config = job.load_config(example)                 # the job's own loader: unknown keys would fail
    assert dataclasses.is_dataclass(config)
