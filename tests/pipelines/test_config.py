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
