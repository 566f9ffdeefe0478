"""The quality rules on real pages (the shared HTML pages, extracted by curate): every threshold
decides at its measured value, formulas and markdown are not noise, languages are handled."""

from __future__ import annotations

import dataclasses

import pytest

from curate.extract import extract_html
from curate.quality import Thresholds, judge, prepare, words


@pytest.fixture(scope="module")
def real(shared):
    """Extracted text of the shared pages: {name: (text, lang)}."""
    out = {}
    for page in sorted((shared / "html").rglob("*.html")):
        try:
            got = extract_html(page.read_bytes(), f"https://example.org/{page.name}")
        except Exception:
            continue
        out[page.name] = (got["text"], got.get("lang") or "en")
    assert len(out) > 100
    return out


# (threshold, measurement, the rule's name, True when a larger threshold drops more)
_RULES = [
    ("gopher_min_words", "gq_words", "gopher_short_doc", True),
    ("gopher_min_mean_word_length", "gq_mean_word_length", "gopher_below_avg_threshold", True),
    ("gopher_max_mean_word_length", "gq_mean_word_length", "gopher_above_avg_threshold", False),
    ("gopher_min_alpha_words", "gq_alpha_words", "gopher_below_alpha_threshold", True),
    ("gopher_min_stop_words", "gq_stop_words", "gopher_enough_stop_words", True),
    ("rep_max_dup_line_frac", "gr_dup_line_frac", "gopher_rep_dup_line_frac", False),
    ("rep_max_top_2_gram", "gr_top_2_gram", "gopher_rep_top_2_gram", False),
    ("rep_max_dup_5_gram", "gr_dup_5_gram", "gopher_rep_dup_5_gram", False),
    ("c4_min_sentences", "c4_sentences", "c4_too_few_sentences", True),
    ("fineweb_min_line_punct", "fw_line_punct", "fineweb_line_punct_ratio", True),
    ("fineweb_max_short_lines", "fw_short_lines", "fineweb_short_line_ratio", False),
    ("fineweb_max_newline_ratio", "fw_newline_ratio", "fineweb_list_ratio", False),
]


@pytest.mark.parametrize("threshold, measure, rule, larger_drops", _RULES)
def test_each_threshold_decides_at_the_measured_value_on_real_pages(real, threshold, measure, rule, larger_drops):
    """For real English pages: a threshold just past the page's measured value fails the rule with
    that value; one just short of it passes the rule."""
    checked = 0
    for name, (text, lang) in real.items():
        if lang != "en":
            continue
        base = judge(text, lang)
        value = base.measures[measure]
        if value is None or value == 0:
            continue
        step = 1 if isinstance(getattr(Thresholds(), threshold), int) else 1e-6
        strict = value + step if larger_drops else value - step
        lenient = value if larger_drops else value + step
        if isinstance(getattr(Thresholds(), threshold), int):
            strict, lenient = int(strict), int(lenient)
        fails = judge(text, lang, dataclasses.replace(Thresholds(), **{threshold: strict}))
        passes = judge(text, lang, dataclasses.replace(Thresholds(), **{threshold: lenient}))
        family_fail = [r for r, _ in fails.failed.values()]
        assert rule in family_fail or any(r != rule and _same_family(r, rule) for r in family_fail), (name, fails.failed)
        if rule in family_fail:
            assert fails.failed[_family(rule)][1] == pytest.approx(value)
        assert rule not in [r for r, _ in passes.failed.values()], (name, value, lenient)
        checked += 1
    assert checked >= 3


def _family(rule: str) -> str:
    return ("gopher_repetition" if rule.startswith("gopher_rep") else "gopher_quality" if rule.startswith("gopher")
            else "c4" if rule.startswith("c4") else "fineweb")


def _same_family(a: str, b: str) -> bool:
    """An earlier rule of the same family may fail first (each family reports its first failure)."""
    return _family(a) == _family(b)


def test_a_real_math_page_is_kept_and_the_same_rules_on_plain_text_drop_it(real):
    text, lang = real["2015-08-Backprop.html"]
    assert "$" in text
    aware, plain = judge(text, lang), judge(text, lang, math_aware=False)
    assert aware.keep and aware.measures["formulas"] >= 10
    assert not plain.keep
    # the brace rule: C4 drops any page with "{" in a kept line; formulas are not braces here
    assert plain.measures["c4_curly_bracket"] and not aware.measures["c4_curly_bracket"]


def test_formulas_are_one_word_and_markdown_is_not_bullets_or_hashes():
    page = ("# Heat equation\n\n" + "The temperature $u(x,t)$ of a rod satisfies $u_t = \\alpha u_{xx}$ for every point "
            "of the rod, and the solution decays over time as the heat spreads out. " * 6 +
            "\n$$\n\\frac{\\partial u}{\\partial t} = \\alpha \\frac{\\partial^2 u}{\\partial x^2}\n$$\n" +
            "".join(f"- item {i} of a list with enough words to be a line.\n" for i in range(8)))
    view = prepare(page)
    assert view.formulas == 13 and "\\frac" not in view.text and "{" not in view.text
    assert not any(line.lstrip().startswith(("-", "#")) for line in view.text.splitlines())
    v = judge(page, "en")
    assert v.measures["gq_hash_ratio"] == 0 and v.measures["gq_bullet_lines"] == 0
    plain = judge(page, "en", math_aware=False)
    assert plain.measures["gq_bullet_lines"] > 0 and plain.measures["gq_hash_ratio"] > 0


def test_words_split_like_spacy_english():
    assert words("Hello, world. It's 3.14 at https://x.org/a?b=1 -- see e-mail.") == \
        ["Hello", ",", "world", ".", "It's", "3.14", "at", "https://x.org/a?b=1", "-", "-", "see", "e", "-", "mail", "."]


def test_languages_use_their_own_stop_words_or_record_the_skip(real):
    german = [(t, lang) for t, lang in real.values() if lang == "de"]
    assert len(german) >= 10
    kept_de = sum(judge(t, "de").measures["gq_stop_words"] >= 2 for t, _ in german)
    kept_as_en = sum(judge(t, "en").measures["gq_stop_words"] >= 2 for t, _ in german)
    assert kept_de >= 0.9 * len(german) and kept_as_en < kept_de
    zh = judge("数学是研究数量、结构、变化以及空间等概念的一门学科。" * 30, "zh")
    assert zh.skipped and "zh" in zh.skipped[0] and zh.measures["gq_stop_words"] is None
    assert "gopher_short_doc" not in [r for r, _ in zh.failed.values()]
    sw = judge(german[0][0], "sw")
    assert any("no stop words for sw" in s for s in sw.skipped)
