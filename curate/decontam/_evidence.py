"""What counts as evidence of contamination (the ``evidence`` rule; ``deepseek`` is the plain one).

Seen on real math text (benchmarks/decontam_quality.py), DeepSeek's plain rule, "any 10-gram
of a benchmark text, or a 3-9 word benchmark text whole", flags innocent documents:

- short *answers* (``frac 1 2``, ``1 2 3``, ``2 and 3``) are found whole in most math pages;
- 10-grams made of formula tokens (``1 2 3 4 5 6 7 8 9 10``, the distance formula
  ``x 1 x 2 2 y 1 y 2 2``) or of stock phrases are shared by any two texts on a topic.

So, under ``evidence``:

- a 3-24 word benchmark text is matched whole only if it is a question (it identifies the
  item; an answer such as ``42`` does not); one of 3-6 words only if it also has two numbers
  and a content word (``Compute C(31, 28)``; ``Which statement is true?`` names no item);
- a 10-gram counts only if it has at least ``min_content`` content words: words of three or
  more letters, no digits, that are neither English function words nor LaTeX command names;
  with fewer, only in a run of such 10-grams of one item (a copied display formula is a run
  of formula-only 10-grams; a run of numbers alone is never evidence);
- both sides are put in canonical form first, so that a benchmark text matches the forms
  in which it circulates: GSM8K's calculator annotations ``<<48/2=24>>`` removed, MATH's
  ``\\boxed{}`` unwrapped, ``\\dfrac``/``\\tfrac`` as ``\\frac`` (``\\dbinom`` as ``\\binom``), sizing and spacing commands
  (``\\left``, ``\\quad``, ``\\displaystyle``, ``\\text``) dropped.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from curate.dedup import Words, words

RULES = ("evidence", "deepseek")

# One RE2 pass: annotations, then command names whose removal keeps their argument's text.
# (?i): a page that shouts (\LEFT, \BOXED) is still the same text once lower-cased.
_CANONICAL = (r"(?i)<<[^<>\n]{0,200}>>|\\(?:boxed|fbox|displaystyle|textstyle|scriptstyle|left|right|bigl|bigr|"
              r"Bigl|Bigr|big|Big|bigg|Bigg|mathrm|mathbf|mathit|mathsf|mathbb|text|textbf|textit|textrm|"
              r"operatorname|mbox|hbox|quad|qquad)\b")

FUNCTION_WORDS = frozenset("""
a about above after again against all also although am among an and another any are aren as at be because
been before being below between both but by can cannot could did do does doing done down during each
either else enough even every few for from further get gets given had has have having he her here hers
herself him himself his how however i if in into is it its itself just least less let lets like many
may me might more most much must my myself neither no nor not now of off on once one only onto or other
others our ours ourselves out over own per same shall she should since so some such than that the their
theirs them themselves then there therefore these they this those though through thus to too two three
under until up upon us use used using very via was we were what whatever when where whereas whether which
while who whom whose why will with within without would yet you your yours yourself
""".split())

# Formula tokens that also appear without their backslash (``frac 1 2``, ``sin x``); words that
# are English too (exists, angle, choose, end) count as LaTeX only when written as a command.
LATEX_WORDS = frozenset("""
frac dfrac tfrac sqrt cdot cdots ldots dots vdots ddots times div leq geq neq approx equiv simeq cong
propto infty sum prod int iint oint lim sup inf max min log ln exp sin cos tan cot sec csc arcsin arccos
arctan sinh cosh tanh det gcd lcm bmod pmod binom dbinom tbinom alpha beta gamma delta epsilon
varepsilon zeta eta theta vartheta iota kappa lambda rho sigma tau upsilon phi varphi chi psi omega
mathbb mathcal mathfrak overline underline overrightarrow subseteq supseteq setminus emptyset forall
rightarrow leftarrow leftrightarrow mapsto pmatrix bmatrix vmatrix nabla lvert rvert langle rangle lfloor
rfloor lceil rceil lbrace rbrace boxed displaystyle
""".split())


def canonical(texts: pa.Array) -> pa.Array:
    """Benchmark and document texts in the one form both are compared in (see module docstring)."""
    texts = pc.replace_substring_regex(pc.fill_null(texts, ""), _CANONICAL, " ")
    return pc.replace_substring_regex(texts, r"(?i)\\[dt](frac|binom)\b", r"\\\1")   # RE2 has no look-ahead


def _hashes(vocabulary) -> np.ndarray:
    return np.unique(words(pa.array([" ".join(sorted(vocabulary))])).hashes)


_NOT_CONTENT = None


def content_words(w: Words) -> np.ndarray:
    """Per word: is it a content word (3+ characters, no digit, not a function word, not a LaTeX
    name: neither one of the formula tokens nor any word written as a command, ``\\exists``)?"""
    global _NOT_CONTENT
    if _NOT_CONTENT is None:
        _NOT_CONTENT = _hashes(FUNCTION_WORDS | LATEX_WORDS)
    digit = (w.data >= 48) & (w.data <= 57)
    digits = np.concatenate([[0], np.cumsum(digit, dtype=np.int64)])
    command = np.zeros(len(w.starts), bool)
    inside = w.starts > 0
    command[inside] = w.data[w.starts[inside] - 1] == 92                     # a backslash before the word
    return ((w.ends - w.starts) >= 3) & (digits[w.ends] == digits[w.starts]) & ~command \
        & ~np.isin(w.hashes, _NOT_CONTENT)


def _numbers(w: Words) -> np.ndarray:
    """Per word: does it hold a digit?"""
    digit = (w.data >= 48) & (w.data <= 57)
    digits = np.concatenate([[0], np.cumsum(digit, dtype=np.int64)])
    return digits[w.ends] > digits[w.starts]


def _window_counts(flags: np.ndarray, first: np.ndarray, n: int) -> np.ndarray:
    running = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
    return running[np.minimum(first + n, len(flags))] - running[first]


def content_counts(w: Words, first: np.ndarray, n: int) -> np.ndarray:
    """Content words in the windows ``first[i]:first[i] + n``."""
    return _window_counts(content_words(w), first, n)


def symbol_counts(w: Words, first: np.ndarray, n: int) -> np.ndarray:
    """Words in the windows ``first[i]:first[i] + n`` that are not small numbers: variables,
    commands, words, and numbers of three or more digits (``1000 - 356 = 644`` is specific,
    ``1 2 3`` is not)."""
    digit = (w.data >= 48) & (w.data <= 57)
    running = np.concatenate([[0], np.cumsum(digit, dtype=np.int64)])
    digits = running[w.ends] - running[w.starts]
    return _window_counts((digits == 0) | (digits >= 3), first, n)


def distinct_counts(w: Words, first: np.ndarray, n: int) -> np.ndarray:
    """Distinct words in the windows ``first[i]:first[i] + n`` (a stock pattern such as
    ``a_n x^n + a_{n-1} x^{n-1} + \\cdots`` repeats a few symbols)."""
    if not len(first):
        return np.zeros(0, np.int64)
    idx = np.minimum(first[:, None] + np.arange(n), len(w.hashes) - 1)
    window = np.sort(w.hashes[idx], axis=1)
    return 1 + (window[:, 1:] != window[:, :-1]).sum(axis=1)


def identifying(w: Words) -> np.ndarray:
    """Per text of the batch: does a short text name one item? It must carry two numbers of its
    own, with three digits between them, and a content word ("Simplify sqrt(242)", "Express 555
    in base 5"), or a long number ("What is 1^(2^235423523)?"). A short stem without numbers
    ("How does the greenhouse effect work?", "Planetary rings are") is a heading any page on the
    topic may have, and one of small numbers ("Solve x^2 = 1") is a textbook's example."""
    doc = np.repeat(np.arange(len(w.counts)), w.counts)
    numbers = _numbers(w)
    digit = (w.data >= 48) & (w.data <= 57)
    running = np.concatenate([[0], np.cumsum(digit, dtype=np.int64)])
    digits = np.bincount(doc, running[w.ends] - running[w.starts], minlength=len(w.counts))
    content = np.bincount(doc, content_words(w), minlength=len(w.counts))
    return ((np.bincount(doc, numbers, minlength=len(w.counts)) >= 1) & (digits >= 3) & (content >= 1)) \
        | (digits >= 6)
