"""Math kept as LaTeX: one hand-written page per markup, and the real math pages."""

from __future__ import annotations

import csv

import pytest

from curate.extract import extract_html

FILLER = ("<p>This paragraph is ordinary prose that gives the extractor enough main content to keep the "
          "article, with several sentences about the weather, the market and the town council.</p>")


def page(snippet: str, head: str = "") -> dict:
    html = (f"<html><head><title>t</title>{head}</head><body><article><h1>Notes</h1>{FILLER}"
            f"<p>Consider {snippet} which appears in the middle of a sentence about mathematics.</p>{FILLER}"
            "</article></body></html>")
    return extract_html(html.encode(), url="https://math.example.org/notes")


CASES = [
    ("mathjax_script", '<script type="math/tex">a_1 * b_2</script>', "$a_1 * b_2$"),
    ("mathjax_script", '<script type="math/tex; mode=display">\\int_0^1 x\\,dx</script>', "$$\\int_0^1 x\\,dx$$"),
    ("katex", '<span class="katex"><span class="katex-mathml"><math><semantics><mrow><mi>x</mi></mrow>'
              '<annotation encoding="application/x-tex">x^{2}_{k}</annotation></semantics></math></span>'
              '<span class="katex-html" aria-hidden="true">x2k</span></span>', "$x^{2}_{k}$"),
    ("katex", '<span class="katex-display"><span class="katex"><span class="katex-mathml"><math><semantics>'
              '<mi>y</mi><annotation encoding="application/x-tex">\\sum_i y_i</annotation></semantics></math>'
              '</span></span></span>', "$$\\sum_i y_i$$"),
    ("katex", '<span data-expr="\\alpha+\\beta">α+β</span>', "$\\alpha+\\beta$"),
    ("mathml", '<math><semantics><mi>z</mi><annotation encoding="application/x-tex">\\bar{z}</annotation>'
               '</semantics></math>', "$\\bar{z}$"),
    ("mathml", '<math alttext="\\frac{1}{n}"><mfrac><mn>1</mn><mi>n</mi></mfrac></math>', "$\\frac{1}{n}$"),
    ("mathml", '<math display="block"><msup><mi>e</mi><mrow><mi>i</mi><mi>π</mi></mrow></msup><mo>+</mo>'
               '<mn>1</mn><mo>=</mo><mn>0</mn></math>', "$$e^{i\\pi}+1=0$$"),
    ("mathml", '<mjx-container class="MathJax" jax="CHTML"><mjx-math>glyphs</mjx-math><mjx-assistive-mml>'
               '<math><msqrt><mi>x</mi></msqrt></math></mjx-assistive-mml></mjx-container>', "$\\sqrt{x}$"),
    ("tex_image", '<img src="https://latex.codecogs.com/png.latex?%5Cfrac%7Ba%7D%7Bb%7D">', "$\\frac{a}{b}$"),
    ("tex_image", '<img src="/cgi-bin/mimetex.cgi?x%5E2%2By%5E2">', "$x^2+y^2$"),
    ("tex_image", '<img class="latex" src="https://s0.wp.com/latex.php?latex=%5Cpi&bg=fff" alt="\\pi r^2">',
     "$\\pi r^2$"),
    ("tex_text", "\\(f(x) = x_1^2\\)", "$f(x) = x_1^2$"),
    ("tex_text", "\\[ g_n \\to 0 \\]", "$$g_n \\to 0$$"),
    ("tex_text", "$$\\lim_{n} a_n$$", "$$\\lim_{n} a_n$$"),
    ("tex_text", "\\begin{equation}E = mc^2\\end{equation}", "$$\\begin{equation}E = mc^2\\end{equation}$$"),
]


@pytest.mark.parametrize("marker,snippet,expected", CASES)
def test_each_markup_becomes_latex(marker, snippet, expected):
    out = page(snippet)
    assert expected in out["text"]
    assert out["has_math"] and marker in out["math_markers"]


def test_single_dollars_only_on_pages_with_a_math_renderer():
    loader = '<script src="https://cdn.example.org/mathjax/tex-chtml.js"></script>'
    assert "$a_n \\le b_n$" in page("$a_n \\le b_n$", head=loader)["text"]
    prices = page("prices from $5 to $10 and a_b")
    assert not prices["has_math"] and "$5 to $10" in prices["text"]


def test_stackexchange_math_container():
    out = page('<span class="math-container">$\\sqrt{2}$</span>',
               head='<script src="https://cdn.sstatic.net/mathjax/MathJax.js"></script>')
    assert "$\\sqrt{2}$" in out["text"] and "math_container" in out["math_markers"]


def test_code_blocks_are_not_math():
    html = (f"<html><body><article>{FILLER}<pre><code>echo $HOME and \\(not math\\)</code></pre>{FILLER}"
            "</article></body></html>")
    out = extract_html(html.encode())
    assert not out["has_math"]


def test_rendered_glyphs_are_not_duplicated():
    out = page('<span class="MathJax_Preview">x2</span><span class="MathJax">x 2</span>'
               '<script type="math/tex">x^2</script>')
    assert "$x^2$" in out["text"] and "x 2" not in out["text"] and "x2" not in out["text"]


def _formulas_of(shared, name):
    return extract_html((shared / "html" / name).read_bytes())


@pytest.mark.parametrize("name,formulas", [
    ("colah-blog/2015-08-Backprop.html", ["$e=(a+b)*(b+1)$", "$$c=a+b$$", "$$e=c*d$$"]),
    ("colah-blog/2015-09-Visual-Information.html", ["$$p(x,y) = p(x)\\cdot p(y|x)$$"]),
    ("colah-blog/2015-08-Understanding-LSTMs.html", ["$h_{t-1}$", "$x_t$"]),
    ("trafilatura-cache/en.wikipedia.org.tsne.html", ["$p_{ij}$", "$\\mathbf {x} _{1},\\dots ,\\mathbf {x} _{N}$"]),
])
def test_real_math_pages_keep_their_formulas(shared, name, formulas):
    out = _formulas_of(shared, name)
    assert out["has_math"]
    for formula in formulas:
        assert formula in out["text"], formula
    assert "ⓜ" not in out["text"]


def test_math_flag_matches_the_hand_labels(shared):
    rows = list(csv.DictReader(open(shared / "html/INDEX.tsv", encoding="utf-8"), delimiter="\t"))
    wrong = []
    for row in rows:
        out = extract_html((shared / "html" / row["path"]).read_bytes())
        if out["has_math"] != (row["math_label"] != "non_math"):
            wrong.append(row["path"])
    assert len(rows) >= 100 and wrong == []
