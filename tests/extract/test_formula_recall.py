"""Formulas survive extraction on real pages (benchmarks/formula_recall.py is the full-size run)."""

from __future__ import annotations

import re

import pytest

from benchmarks.formula_recall import score, truth
from curate.extract import extract_html
from tests import debian_docs


def test_sphinx_formulas_intact_and_never_escaped():
    """Real scikit-learn and SciPy pages, where the site marks every formula: display formulas
    (``<div class="math">``) used to be dropped whole."""
    try:
        pages = debian_docs.pages("python-sklearn-doc", 15, ("math",)) + debian_docs.pages("python-scipy-doc", 15, ("math",))
    except debian_docs.Unavailable as exc:
        pytest.skip(f"Debian documentation packages unavailable: {exc}")
    intact = escaped = total = 0
    for page in pages:
        formulas, words = truth(page["body"])
        s = score(formulas, words, extract_html(page["body"], page["url"])["text"])
        intact, escaped, total = intact + s["intact"], escaped + s["escaped"], total + len(formulas)
    assert total > 200
    assert escaped == 0 and intact >= 0.99 * total, (intact, total)


def test_wikipedia_display_formulas_and_reference_markers(shared):
    page = (shared / "html" / "trafilatura-cache" / "en.wikipedia.org.tsne.html").read_bytes()
    text = extract_html(page, "https://en.wikipedia.org/wiki/T-distributed_stochastic_neighbor_embedding")["text"]
    display = [line for line in text.splitlines() if line.startswith("$$") and line.endswith("$$")]
    assert len(display) >= 4                                  # <dl><dd> formulas: display blocks
    assert "$$p_{ij}={\\frac {p_{j\\mid i}+p_{i\\mid j}}{2N}}$$" in display
    assert not re.search(r"^- \$", text, re.M)                 # not list items
    assert "\\[1\\]" not in text and "[edit]" not in text and "<sup>\\[" not in text
    assert "developed by Laurens van der Maaten and Geoffrey Hinton. It is a nonlinear" in text


def test_loose_display_math_between_headings_and_distill_math():
    pad = "<p>" + "An ordinary sentence of prose, long enough for the extractor to keep. " * 4 + "</p>"
    html = (f"<html><body><article>{pad}<div class='show'><h2>Equation:</h2>\\begin{{equation}} E = mc^2 "
            "\\end{equation}<h2>Brackets:</h2> \\[a_1 = b_1\\] </div><p>The step is <dt-math>w^{k+1} = w^k</dt-math>"
            f", and <figure><dt-math block>\\max\\{{|\\sigma_1|\\}}</dt-math></figure></p>"
            "<aside>A margin note: the rate <dt-math>\\beta_1</dt-math> matters, as the figure shows.</aside>"
            f"{pad}</article></body></html>")
    text = extract_html(html.encode(), "https://example.org/")["text"]
    assert "$$\\begin{equation} E = mc^2 \\end{equation}$$" in text and "$$a_1 = b_1$$" in text
    assert "$w^{k+1} = w^k$" in text and "$$\\max\\{|\\sigma_1|\\}$$" in text
    assert "A margin note: the rate $\\beta_1$ matters" in text          # an <aside> with a formula is kept
