"""FIM and sample size on the shared real repositories (requests, jsoup, lua): no FIM on a sample
with almost no code, no cut inside a path comment, and max_sample_chars splits a large component
at file boundaries in dependency order."""

from __future__ import annotations

from pathlib import Path

import pytest

from curate.code import MIN_FIM_CHARS, SampleSettings, build, read_source
from curate.code._lang import path_comment, language_of


@pytest.fixture(scope="module")
def repos(shared):
    return [repo for r in sorted((shared / "repos").iterdir()) for repo in read_source(str(r), 1 << 20, 512 << 20)]


def _code_chars(sample) -> int:
    return sample["n_chars"] - sum(len(path_comment(p, language_of(p))) + 1 for p in sample["paths"])


def test_no_fim_on_a_sample_with_almost_no_code(repos):
    every = [s for repo in repos for s in build(repo, SampleSettings(fim_rate=1.0))[0]]
    small = [s for s in every if _code_chars(s) < MIN_FIM_CHARS]
    assert {tuple(s["paths"]) for s in small} >= {("tests/testserver/__init__.py",), ("setup.py",)}
    assert all(s["fim_mode"] is None for s in small)
    assert all(s["fim_mode"] == "psm" for s in every if _code_chars(s) >= MIN_FIM_CHARS)
    # the limit is a setting: 0 gives the paper's behaviour (every sample may be cut)
    loose = [s for repo in repos for s in build(repo, SampleSettings(fim_rate=1.0, fim_min_chars=0))[0]]
    assert all(s["fim_mode"] == "psm" for s in loose)


def test_the_hole_never_falls_inside_a_path_comment(repos):
    from curate.code._fim import DEEPSEEK

    begin, hole, end = DEEPSEEK
    for seed in range(40):
        for repo in repos[:1] + repos[2:]:
            for s in build(repo, SampleSettings(fim_rate=1.0, seed=seed, fim_min_chars=0))[0]:
                if not s["fim_mode"]:
                    continue
                body = s["fim_text"][len(begin):]
                prefix, rest = body.split(hole, 1)
                suffix, middle = rest.split(end, 1)
                assert prefix + middle + suffix == s["text"]
                for cut in (len(prefix), len(prefix) + len(middle)):
                    line_start = s["text"].rfind("\n", 0, cut) + 1
                    line = s["text"][line_start:s["text"].find("\n", line_start)]
                    comments = {path_comment(p, language_of(p)) for p in s["paths"]}
                    assert not (line in comments and line_start < cut <= line_start + len(line)), (seed, line)


def test_a_large_component_is_split_at_file_boundaries_in_order(repos):
    jsoup = next(r for r in repos if r.name == "java-jsoup")
    whole = build(jsoup, SampleSettings())[0]
    assert max(s["n_chars"] for s in whole) > 1_000_000          # all of jsoup in one sample
    parts = build(jsoup, SampleSettings(max_sample_chars=65536))[0]
    big = [s for s in parts if s["component"] == 0]
    assert len(big) > 10
    assert [p for s in big for p in s["paths"]] == whole[0]["paths"]            # the same order, cut
    assert all(s["n_chars"] <= 65536 or s["n_files"] == 1 for s in big)
    assert len({s["id"] for s in parts}) == len(parts) and big[0]["id"] == whole[0]["id"]
