"""Every `curate query`, `curate catalog` and `curate stats` command of the README runs as written,
on the layout the README uses (shards/, dedup/, decontam/, code/, figs/ built from real shared data)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from curate.cli import main
from curate.demo import write_demo_warc

ROOT = Path(__file__).resolve().parents[1]
COMMAND = re.compile(r"^curate (query|catalog|stats)\b")


def readme_commands() -> list[str]:
    """The commands of the README outside the ten-minute tour (tests/test_readme_tour.py runs the
    tour's, on the demo) and of the guides under docs/guide/ it links."""
    text = (ROOT / "README.md").read_text()
    head, _, rest = text.partition("## Ten-minute tour")
    text = head + ("\n## " + rest.split("\n## ", 1)[1] if "\n## " in rest else "")
    text += "".join(p.read_text() for p in sorted((ROOT / "docs" / "guide").glob("*.md")))
    lines = [line.strip() for block in re.findall(r"```bash\n(.*?)```", text, re.S) for line in block.splitlines()]
    return [line for line in lines if COMMAND.match(line)]


@pytest.fixture(scope="module")
def layout(shared, tmp_path_factory, s3):
    """The README's folders, made by the README's own commands (the cluster section's bucket on
    the tests' S3 server)."""
    from tests.dedup.corpus import real_texts

    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    home = tmp_path_factory.mktemp("readme")
    warc = write_demo_warc(home / "demo.warc.gz")
    tok = Tokenizer(models.BPE())                             # a real tokenizer.json, with an EOD token
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(real_texts(shared)[:50], trainers.BpeTrainer(
        vocab_size=1000, show_progress=False, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(str(home / "tokenizer.json"))
    (home / "mixture.yaml").write_text(f"name: t\nroot: shards\ntotal_tokens: 20000\nseed: 1\n"
                                       f"tokenizer: {home / 'tokenizer.json'}\n"
                                       "sources:\n  - {name: web, dataset: pages, share: 1.0, max_epochs: 3}\n")
    commands = [
        ["ingest", str(warc), str(shared / "warc" / "dolma"), str(shared / "warc" / "warcio" / "example.warc.gz"),
         "--out", "shards/"],
        ["dedup", "shards/", "--out", "dedup/"],
        ["filter", "shards/", "--out", "quality/"],
        ["decontaminate", "shards/", "--benchmarks", str(shared / "benchmarks"), "--out", "decontam/"],
        ["code", str(shared / "repos" / "python-requests"), "--out", "code/"],
        ["arxiv", *map(str, sorted((shared / "arxiv").iterdir())), "--out", "figs/"],
        ["mix", "mixture.yaml", "--format", "megatron", "--out", "mix-tok/"],
        ["ingest", str(warc), "--out", "s3://corpus/cc/2024-10/shards"],
    ]
    import boto3

    boto3.client("s3", endpoint_url=s3.endpoint).create_bucket(Bucket="corpus")
    assert real_texts                      # (the shared text corpus is there)
    import os

    cwd = os.getcwd()
    os.chdir(home)
    try:
        for argv in commands:
            assert main([*argv, "-q"] if argv[0] != "ingest" else argv) == 0, argv
    finally:
        os.chdir(cwd)
    return home


def test_the_readme_shows_queries_over_several_roots():
    commands = readme_commands()
    assert len(commands) >= 12
    assert any(c.count("--root") >= 2 and "JOIN duplicates" in c for c in commands)


@pytest.mark.parametrize("command", readme_commands())
def test_each_readme_query_runs_as_written(layout, command, monkeypatch, capsys):
    monkeypatch.chdir(layout)
    argv = shlex.split(command, comments=True)[1:]
    assert main(argv) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    if "JOIN duplicates" in command:            # the kept pages: rows, not an error or an empty table
        assert "http" in out
