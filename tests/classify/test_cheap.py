"""Cheap text, formula markup and the recall-safe threshold of the fast recall mode."""

import pickle

import numpy as np
import pytest

from curate import reasons
from curate.classify import MathGate, cheap_text, math_markup, recall_safe_threshold
from curate.extract import Rejected


def test_cheap_text_keeps_visible_text_only():
    page = ("<html><head><title>Title</title><style>p { color: red }</style>"
            "<script>var re = /\\(x\\)/; if (a < b) go();</script></head><body>"
            "<nav><a href='/'>Home</a> Menu</nav><!-- hidden note --><p>Let a &lt; b &amp; c</p>"
            "<SCRIPT type='text/javascript'>track()</SCRIPT><p>second\n\n  line</p>"
            "<footer>Terms</footer></body></html>")
    assert cheap_text(page) == "Title Let a < b & c second line"


def test_unclosed_blocks_end_the_page_instead_of_rescanning_it():
    assert cheap_text("<p>kept</p><script>" + "<script>x" * 50_000) == "kept"
    assert cheap_text("<p>one</p><!-- " + "<nav>" * 50_000) == "one"
    assert cheap_text("<nav>a</nav>b" * 10_000) == " ".join(["b"] * 10_000)


def test_formula_markup_counts_in_markup_and_visible_text_not_in_scripts():
    script_only = "<script>var re = /\\(x\\)/;</script><p>plain</p>"
    assert math_markup(script_only, cheap_text(script_only)) is None
    mathml = "<p>see <math><mi>x</mi></math></p>"
    assert math_markup(mathml, cheap_text(mathml)) == "<math"
    tex = "<p>so \\frac{1}{2} of it</p>"
    assert math_markup(tex, cheap_text(tex)) == "\\frac"
    mathjax_loader_only = "<script src='https://cdn.test/mathjax/tex-mml-chtml.js'></script><p>a recipe</p>"
    assert math_markup(mathjax_loader_only, cheap_text(mathjax_loader_only)) is None


def test_recall_safe_threshold():
    cheap = np.array([0.9, 0.8, 0.05, 0.3, 0.01])
    selected = np.array([1, 1, 1, 0, 0], dtype=bool)
    assert recall_safe_threshold(cheap, selected, target=1.0) == pytest.approx(0.05)
    assert recall_safe_threshold(cheap, selected, target=0.6) == pytest.approx(0.8)   # one miss in three allowed
    marked = np.array([0, 0, 1, 0, 0], dtype=bool)                                    # markup keeps that page
    assert recall_safe_threshold(cheap, selected, marked, target=1.0) == pytest.approx(0.8)
    assert recall_safe_threshold(cheap, np.zeros(5, dtype=bool)) == 1.0


def test_gate_is_picklable_and_rejects_with_a_reason(math_model, shared):
    gate = pickle.loads(pickle.dumps(MathGate(str(math_model), 0.1)))
    news = (shared / "html" / "trafilatura-cache" / "salon.com.emissions.html").read_bytes()    # real, not math
    with pytest.raises(Rejected) as err:
        gate(news, None)
    assert err.value.reason == reasons.MATH_PREFILTER and "cheap-text score" in err.value.detail
    assert reasons.STAGE[reasons.MATH_PREFILTER] == "filter"
    word_problem = (b"<html><body><p>Natalia sold clips to 48 of her friends in April, and then she sold half as many "
                    b"clips in May. How many clips did Natalia sell altogether in April and May? Answer: "
                    b"Natalia sold 48/2 = 24 clips in May. Natalia sold 48+24 = 72 clips altogether.</p></body></html>")
    gate(word_problem, None)                                      # no markup: passes on its score
    # same page with a formula far down and MathJax to render it
    gate(news.replace(b"</body>", b"<p>\\(x^2 + y^2\\)</p><script src='/MathJax.js'></script></body>"), None)
    with pytest.raises(Rejected):                                  # unrendered TeX deep in a page: not read
        gate(news.replace(b"</body>", b"<p>\\(x^2 + y^2\\)</p></body>"), None)
    with pytest.raises(ValueError):
        MathGate(str(math_model), 1.5)


def test_the_gate_reads_bytes_as_the_text_path_reads_decoded_pages(shared):
    # The gate strips and scans bytes (faster); on the real html/ pages it must see what the
    # decoded-text path sees: the same cheap text and the same formula markers.
    from curate.classify._cheap import cheap_text_bytes, markup_marker
    from curate.extract import decode_html

    pages = sorted((shared / "html").rglob("*.html"))
    assert len(pages) >= 100
    for path in pages:
        body = path.read_bytes()
        page = decode_html(body, None)
        whole = cheap_text_bytes(body)
        assert whole == cheap_text(page), path.name
        # the gate reads only as far as it scores: a prefix of the whole, long enough
        part = cheap_text_bytes(body, None, 2000)
        assert whole.startswith(part) and (len(part) >= 2000 or part == whole), path.name
        marked = math_markup(page, "") is not None      # the text path's markers
        assert (markup_marker(body) is not None) == marked, path.name
    latin1 = "<html><head><meta charset='iso-8859-1'></head><body><p>Größe</p></body></html>".encode("latin-1")
    assert cheap_text_bytes(latin1) == "Größe" and cheap_text_bytes(latin1, "latin-1") == "Größe"
    assert cheap_text_bytes(b"<p>x</p>", "no-such-charset") == "x"
