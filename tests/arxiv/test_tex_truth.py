"""A real sample against TeX's own list of figures: the example documents of the subfig manual
(Debian's texlive-latex-recommended-doc), six documents with 127 figures and sub-figures.

With ``pdflatex`` installed the truth is computed here, as benchmarks/arxiv_quality.py does;
without it, curate's side is checked against the counts TeX gave when this test was written.
"""

import re
import shutil
import subprocess

import pytest

from benchmarks import arxiv_quality as aq
from tests import debian_docs

#: document -> (TeX's entries, curate's entries, matched, exact caption text), measured with TeX Live 2022
PINNED = {"test1.tex": (72, 70, 70, 66), "test2.tex": (18, 18, 18, 18), "test3.tex": (5, 5, 5, 5),
          "test4.tex": (3, 3, 3, 3), "test5.tex": (20, 20, 20, 20), "test7.tex": (9, 9, 9, 9)}


@pytest.fixture(scope="module")
def subfig(tmp_path_factory):
    try:
        root = debian_docs.unpacked("texlive-latex-recommended-doc")
    except debian_docs.Unavailable as exc:
        pytest.skip(str(exc))
    return aq.unpack(root / "usr/share/doc/texlive-doc/latex/subfig", tmp_path_factory.mktemp("subfig") / "subfig")


def test_curate_finds_what_tex_lists(subfig, monkeypatch, tmp_path):
    found = aq.ours(subfig)
    assert {doc: len(found[doc]) for doc in PINNED} == {doc: v[1] for doc, v in PINNED.items()}
    assert ("subfigure", "One subone.") in found["test1.tex"]
    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex not installed: curate's side checked against pinned counts only")
    missing = _missing_packages(subfig)
    if missing:                                           # a partial TeX install (CI's has no fullpage)
        pytest.skip(f"TeX packages not installed: {', '.join(missing)}; curate's side checked against pinned counts only")
    monkeypatch.setattr(aq, "WORK", tmp_path)             # compile in this test's own folder
    for doc, (tex, ours, matched, exact) in PINNED.items():
        truth = aq.truth(subfig, doc)
        assert truth["ok"], truth["error"]
        got = aq.match(truth["entries"], found[doc])[:2]
        assert (len(truth["entries"]), got[0], got[1]) == (tex, matched, exact), doc


def _missing_packages(folder):
    """The packages the pinned documents load that this TeX installation cannot find."""
    names = set()
    for doc in PINNED:
        text = (folder / doc).read_text(encoding="latin-1")
        for group in re.findall(r"\\usepackage(?:\[[^\]]*\])?\{([^}]*)\}", text):
            names.update(n.strip() for n in group.split(",") if n.strip())
    if not shutil.which("kpsewhich"):
        return []
    return sorted(n for n in names
                  if subprocess.run(["kpsewhich", f"{n}.sty"], capture_output=True, text=True).returncode != 0)
