"""Heuristic quality filters that keep math (Gopher quality and repetition, C4, FineWeb).

    from curate.quality import Thresholds, judge
    verdict = judge(page_text, "en")          # verdict.keep, verdict.reason, verdict.measures

Formulas count as one word each and markdown markers are not bullets or symbols
(:mod:`curate.quality._words`); ``math_aware=False`` judges the page as the standard rules do.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from curate.quality._rules import FAMILIES, RULES, Thresholds
from curate.quality._words import FORMULA, STOP_WORDS, View, prepare, word_rules_apply, words

__all__ = ["FAMILIES", "FORMULA", "STOP_WORDS", "Thresholds", "Verdict", "View", "judge", "prepare", "words"]


@dataclass
class Verdict:
    """One page's decision: kept or not, the first rule that failed and its measured value,
    every family's measurements, and the rules skipped for the page's language."""

    keep: bool
    reason: str | None = None
    value: float | None = None
    measures: dict = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    failed: dict = field(default_factory=dict)      # family -> its first failing rule


def judge(text: str | None, lang: str | None = "en", thresholds: Thresholds | None = None,
          families: tuple[str, ...] = FAMILIES, math_aware: bool = True) -> Verdict:
    """Run the rule ``families`` over one page (in order; every family measures, the first
    failure is the page's reason)."""
    t = thresholds or Thresholds()
    view = prepare(text or "", math_aware)
    # On a page with formulas, words are what the Gopher paper counts: whitespace-separated (a
    # formula, a code span: one word each). datatrove counts spaCy's tokens, every punctuation
    # mark a word, which drops 80% of real math documentation for "too few alphabetic words"
    # (benchmarks/filters.py); a page without formulas is judged exactly as datatrove judges it.
    tokens = view.text.split() if view.formulas else words(view.text)
    measures: dict = {"formulas": view.formulas}
    failed: dict = {}
    for name in families:
        hit = RULES[name](view.text, tokens, lang, t, measures)
        if hit is not None:
            failed[name] = hit
    skipped = []
    if not word_rules_apply(lang):
        skipped.append(f"gopher word rules: no word boundaries in {lang}")
    elif (lang or "en") not in STOP_WORDS:
        skipped.append(f"gopher_enough_stop_words: no stop words for {lang}")
    first = next((failed[name] for name in families if name in failed), None)
    if not (text or "").strip():
        first = first or ("empty", 0.0)
    return Verdict(first is None, first[0] if first else None, float(first[1]) if first else None, measures,
                   skipped, failed)
