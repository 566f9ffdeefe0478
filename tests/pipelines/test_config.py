"""Every setting is checked against its declaration: one-line errors, exit 2, nothing run."""

from __future__ import annotations

import pytest

from curate.cli import main


@pytest.mark.parametrize("text, message", [
    ('sources = "/path"\nout = "o"\n', "IngestConfig: sources must be a list of a string, not '/path'"),
    ('sources = ["a"]\nout = "o"\nworkers = "two"\n', "IngestConfig: workers must be an integer, not 'two'"),
    ('sources = ["a"]\nout = "o"\nmax_body_bytes = -5\n', "IngestConfig: max_body_bytes must be >= 1, not -5"),
    ('sources = ["a"]\nout = "o"\nlimit = -1\n', "IngestConfig: limit must be >= 1, not -1"),
    ('sources = ["a"]\nout = "o"\nworkers = true\n', "IngestConfig: workers must be an integer, not True"),
    ('sources = ["a"\nout = "o"\n', "is not valid TOML"),
])
def test_bad_ingest_settings(tmp_path, capsys, text, message):
    cfg = tmp_path / "ingest.toml"
    cfg.write_text(text)
    assert main(["ingest", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("argv, message", [
    (["ingest", "x.warc", "--out", "o", "--max-body-bytes", "-5"], "max_body_bytes must be >= 1"),
    (["dedup", "x", "--out", "o", "--bands", "-3"], "bands must be >= 1"),
    (["dedup", "x", "--out", "o", "--threshold", "1.7"], "--threshold must be in (0, 1), not 1.7"),
    (["dedup", "x", "--out", "o", "--ngram", "0"], "ngram must be >= 1"),
    (["code", "x", "--out", "o", "--fim-rate", "2.5"], "fim_rate must be in [0, 1]"),
    (["arxiv", "x", "--out", "o", "--dpi", "-10"], "dpi must be >= 1"),
])
def test_bad_flags(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


def test_bad_yaml_and_mixture_budget(tmp_path, capsys):
    spec = tmp_path / "mix.yaml"
    spec.write_text("name: m\nroot: .\ntotal_tokens: -5\nsources:\n  - {name: a, dataset: pages, share: 1.0}\n")
    assert main(["mix", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "MixSpec: total_tokens must be >= 1, not -5" in capsys.readouterr().err
    spec.write_text("name: [unclosed\n")
    assert main(["mix", str(spec), "--out", str(tmp_path / "o")]) == 2
    assert "is not valid YAML" in capsys.readouterr().err


def test_an_unknown_benchmark_name_is_refused(shared, tmp_path, capsys):
    pages = tmp_path / "pages.parquet"
    from tests.dedup.corpus import write_pages

    write_pages(pages, [{"id": "a", "text": "some text " * 20}])
    argv = ["decontaminate", str(pages), "--benchmarks", str(shared / "benchmarks"), "--only", "nosuchbench",
            "--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("curate: error: --only nosuchbench: no such benchmark; found: ") and "gsm8k" in err
    assert err.count("\n") == 1 and not (tmp_path / "o" / "contamination").exists()


def test_a_missing_seed_path_is_one_line(tmp_path, capsys):
    cfg = tmp_path / "recall.toml"
    from tests.dedup.corpus import write_pages

    write_pages(tmp_path / "pages.parquet", [{"id": "a", "text": "some text " * 20, "url": "https://a.org/"}])
    cfg.write_text(f'inputs = ["{tmp_path / "pages.parquet"}"]\nseed_files = ["{tmp_path / "no-such-seed.jsonl"}"]\n'
                   f'out = "{tmp_path / "o"}"\ntoken_budget = 1000\n')
    assert main(["math", "recall", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert err == f"curate: error: seed file not found: {tmp_path / 'no-such-seed.jsonl'}\n"


def _path_rule_cases():
    from pipelines.arxiv import ArxivConfig
    from pipelines.code import CodeConfig
    from pipelines.crawl import CrawlConfig
    from pipelines.decontaminate import DecontaminateConfig
    from pipelines.dedup import DedupConfig
    from pipelines.ingest import IngestConfig
    from pipelines.math_corpus import MathCorpusConfig
    from pipelines.math_recall import MathRecallConfig
    from pipelines.math_score import MathScoreConfig

    return [
        (IngestConfig, {"sources": ["w/a.warc.gz", "CC-MAIN-2024-10", "https://h/x.warc.gz"], "out": "o",
                        "math_prefilter": "m/model.bin"}),
        (CrawlConfig, {"out": "o", "math_prefilter": "m/model.bin", "crawls": ["latest"]}),
        (DedupConfig, {"inputs": ["shards"], "out": "d", "index": "idx"}),
        (DecontaminateConfig, {"inputs": ["shards"], "benchmarks": ["b"], "out": "d"}),
        (ArxivConfig, {"sources": ["papers/*.tar.gz"], "out": "o"}),
        (CodeConfig, {"sources": ["repos/x"], "out": "o"}),
        (MathRecallConfig, {"inputs": ["shards"], "out": "r", "seed_files": ["seed"], "tokenizer": "t/tokenizer.json",
                        "annotations": "a.yaml", "prefiltered": ["pre"], "seed_query_root": "q"}),
        (MathScoreConfig, {"model": "r/model.bin", "inputs": ["shards"], "out": "o", "tokenizer": "tokenizer.json"}),
        (MathCorpusConfig, {"out": "o", "model": "r/model.bin", "benchmarks": ["b"], "tokenizer": "tokenizer.json"}),
    ]


@pytest.mark.parametrize("case", range(9))
def test_paths_in_a_config_file_resolve_relative_to_it_and_flags_to_the_current_folder(tmp_path, monkeypatch, case):
    """The one path rule, for every job's config: every path key (PATHS) of a file resolves against
    the file's folder; URLs, crawl ids and "latest" stay as written; command-line values stay
    relative to the current folder."""
    import os

    import yaml

    cls, data = _path_rule_cases()[case]
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "job.yaml").write_text(yaml.safe_dump(data))
    monkeypatch.chdir(tmp_path)
    config = cls.from_file("conf/job.yaml")
    assert cls.PATHS
    for key in cls.PATHS:
        given, got = data.get(key), getattr(config, key)
        if given is None:
            continue
        given = [given] if isinstance(given, str) else given
        got = [got] if isinstance(got, str) else list(got)
        for g, v in zip(given, got):
            named = "://" in g or g == "latest" or g.startswith("CC-MAIN-")
            assert v == (g if named else os.path.join(str(tmp_path / "conf"), g)), (key, g, v)
    # a flag overrides with a path relative to the current folder, as written
    flag = cls.PATHS[0]
    again = cls.from_file("conf/job.yaml", **{flag: "here" if isinstance(data[flag], str) else ("here",)})
    assert getattr(again, flag) in ("here", ("here",))


def test_paths_in_a_mixture_spec_resolve_relative_to_it(tmp_path):
    from pipelines.mix._spec import load_spec

    from curate.mix import train_tokenizer

    (tmp_path / "specs").mkdir()
    train_tokenizer(["a small text to learn a few merges from, and a few more words"] * 20,
                    tmp_path / "specs" / "tok" / "tokenizer.json", vocab_size=300)
    (tmp_path / "specs" / "m.yaml").write_text(
        "name: m\nroot: ../shards\ntokenizer: tok/tokenizer.json\nout: ../mix\ntotal_tokens: 10\n"
        "sources:\n  - {name: a, dataset: pages, share: 1.0, root: other, removals: [../dedup, 's3://b/decon']}\n")
    spec = load_spec(tmp_path / "specs" / "m.yaml")
    assert spec.root == str(tmp_path / "shards") and spec.out == str(tmp_path / "mix")
    assert spec.tokenizer == str(tmp_path / "specs" / "tok" / "tokenizer.json")
    src, = spec.sources
    assert src.root == str(tmp_path / "specs" / "other")
    assert src.removals == (str(tmp_path / "dedup"), "s3://b/decon")
