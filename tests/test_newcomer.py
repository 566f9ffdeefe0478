"""A newcomer's mistakes and the researcher's journey, as typed at a shell: every mistake is one
line and exit 2 (with a "did you mean" where there is one), leaves nothing behind, and `-q` prints
the one-line result only."""

from __future__ import annotations

import subprocess
import sys

import pytest


def curate(*args, cwd):
    return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, cwd=cwd)


def one_line(done) -> bool:
    return done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def home(shared, tmp_path_factory):
    home = tmp_path_factory.mktemp("newcomer")
    done = curate("ingest", str(shared / "warc" / "dolma"), "--out", "shards", "-q", cwd=home)
    assert done.returncode == 0 and done.stdout.count("\n") == 1 and done.stdout.startswith("ingest: "), done
    return home


@pytest.mark.parametrize("argv, says", [
    (["ingset", "x"], "did you mean 'ingest'?"),
    (["query", "SELECT 1", "--root", "shards", "--format", "jsn"], "did you mean 'json'?"),
    (["ingest", "x.warc.gz"], "give SOURCE... and --out DIR"),
    (["dedup", "shards"], "--out"),
    (["mix", "--out", "m"], "give SPEC"),
    (["query", "SELECT nope FROM pages", "--root", "shards"], "nope"),
    (["ingest", "no/such/file.warc.gz", "--out", "o"], "input not found"),
])
def test_each_mistake_is_one_line_and_exit_2(home, argv, says):
    done = curate(*argv, cwd=home)
    assert one_line(done) and says in done.stderr, done.stderr
    assert not (home / "o").exists() and not (home / "m").exists()          # a refused run leaves nothing


def test_a_mistyped_config_key_gets_a_suggestion(home):
    (home / "bad.toml").write_text('inputs = ["shards"]\nout = "d"\nbandz = 4\n')
    done = curate("dedup", "--config", "bad.toml", cwd=home)
    assert one_line(done) and "bandz (did you mean bands?)" in done.stderr
    assert not (home / "d").exists()


def test_one_job_per_output_folder_where_it_matters(home):
    (home / "m.yaml").write_text("name: m\nroot: shards\ntotal_tokens: 5000\n"
                                 "sources: [{name: web, dataset: pages, share: 1.0}]\n")
    quiet = curate("mix", "m.yaml", "--out", "mix", "-q", cwd=home)
    assert quiet.returncode == 0 and quiet.stdout.count("\n") == 1 and quiet.stdout.startswith("mixture: ")
    into_mix = curate("ingest", str(home / "shards"), "--out", "mix", cwd=home)
    assert one_line(into_mix) and "mix's output" in into_mix.stderr and "ingest" in into_mix.stderr
    into_shards = curate("mix", "m.yaml", "--out", "shards", cwd=home)
    assert one_line(into_shards) and "ingest's output" in into_shards.stderr and "mix writes into a root of its own" in into_shards.stderr
    assert not (home / "shards" / "manifest.json").exists()


def test_the_researchers_journey_dedup_decontaminate_mixture_megatron(home, shared):
    """dedup and decontamination into folders of their own, a mixture that names them, Megatron
    files from a tokenizer trained here: each step's -q line, and no removed page in the mixture."""
    steps = [["dedup", "shards", "--out", "dedup", "-q"],
             ["decontaminate", "shards", "--benchmarks", str(shared / "benchmarks" / "gsm8k"), "--out", "decon", "-q"],
             ["filter", "shards", "--out", "quality", "-q"],
             ["tokenizer", "train", "shards", "--out", "tok/tokenizer.json", "--vocab-size", "1000", "-q"]]
    for argv in steps:
        done = curate(*argv, cwd=home)
        assert done.returncode == 0 and done.stdout.count("\n") == 1, (argv, done.stdout, done.stderr)
    (home / "r.yaml").write_text("name: r\nroot: shards\ntotal_tokens: 20000\ntokenizer: tok/tokenizer.json\n"
                                 "format: megatron\nsources: [{name: web, dataset: pages, share: 1.0, "
                                 "removals: [dedup, decon, quality]}]\n")
    done = curate("mix", "r.yaml", "--out", "research", cwd=home)
    assert done.returncode == 0, done.stderr
    assert "removed by duplicates" in done.stdout and "removed by quality" in done.stdout
    sql = ("SELECT count(*) FROM mixture m WHERE m.id IN (SELECT id FROM quality WHERE NOT keep) "
           "OR m.id IN (SELECT id FROM duplicates WHERE NOT keep)")
    leaked = curate("query", sql, "--root", "research", "--root", "quality", "--root", "dedup", "--format", "csv",
                    cwd=home)
    assert leaked.returncode == 0 and leaked.stdout.splitlines()[1] == "0", leaked.stderr
    assert any((home / "research" / "megatron").glob("*.bin"))


def test_a_dedup_of_other_inputs_into_an_existing_dedup_folder_is_refused(home, shared):
    assert curate("dedup", "shards", "--out", "dd", "-q", cwd=home).returncode == 0
    assert curate("ingest", str(shared / "warc" / "resiliparse" / "warcfile.warc.gz"), "--out", "more", "-q",
                  cwd=home).returncode == 0
    other = curate("dedup", "more", "--out", "dd", cwd=home)
    assert one_line(other) and "holds a dedup of other inputs" in other.stderr
    assert curate("dedup", "shards", "--out", "dd", "-q", cwd=home).returncode == 0        # the same run: skipped
