"""The heuristic quality rules every peer has: Gopher quality and repetition, C4, FineWeb.

Thresholds and decisions follow the published rules as datatrove implements them (its defaults
are ours); each family measures everything it can on every page, so thresholds can be re-tuned
over the ``quality`` dataset in DuckDB without re-running, and the first rule that fails (in the
order below) is the page's reason. Rules that need words are skipped for languages written
without spaces between words (:func:`curate.quality._words.word_rules_apply`), and a stop-word
rule for a language we have no list for: the skips are recorded with the page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, fields

import numpy as np

from curate.quality._words import STOP_WORDS, sentences, word_rules_apply

_PUNCT = set("!/—”:％１〈&(、━\\【#%「」，】；+^]~“《„';’{|∶´[=-`*．（–？！：$～«〉,><》)?）。…@_.\"}►»")
_TERMINAL = (".", "!", "?", "。", "！", "？", "…", "؟", "։", "۔", "।", "॥", "‼", "⁇", "⁈", "⁉", "︒", "﹒", "﹗",
             "﹖", "｡", "\"", "'", "”", "’", ")", "]")
_C4_END = (".", "?", "!", '"', "'")
_C4_CITATION = __import__("re").compile(r"\[\d*]|\[edit]|\[citation needed]")
_POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
FAMILIES = ("gopher_quality", "gopher_repetition", "c4", "fineweb")


@dataclass(frozen=True)
class Thresholds:
    """The rules' thresholds (TOML/YAML keys of the filter job have the same names); defaults are
    the published ones (Gopher, C4, FineWeb) as datatrove 0.10 sets them."""

    gopher_min_words: int = 50                  # Gopher: fewer words (not counting punctuation) drops a page
    gopher_max_words: int = 100_000             # ... and more
    gopher_min_mean_word_length: float = 3.0    # mean word length below this drops a page ...
    gopher_max_mean_word_length: float = 10.0   # ... and above this
    gopher_max_symbol_ratio: float = 0.1        # "#" per word, and "..." per word, above this drops a page
    gopher_max_bullet_lines: float = 0.9        # share of lines starting with a bullet (•, -) above this
    gopher_max_ellipsis_lines: float = 0.3      # share of lines ending with an ellipsis above this
    gopher_min_alpha_words: float = 0.8         # share of words with a letter below this drops a page
    gopher_min_stop_words: int = 2              # distinct stop words of the page's language below this
    rep_max_dup_para_frac: float = 0.3          # Gopher repetition: share of paragraphs that repeat one before
    rep_max_dup_para_char_frac: float = 0.2     # ... their characters' share of the page
    rep_max_dup_line_frac: float = 0.3          # share of lines that repeat one before
    rep_max_dup_line_char_frac: float = 0.2     # ... their characters' share of the page
    rep_max_top_2_gram: float = 0.2             # characters of the most frequent 2-gram, share of the page
    rep_max_top_3_gram: float = 0.18            # ... 3-gram
    rep_max_top_4_gram: float = 0.16            # ... 4-gram
    rep_max_dup_5_gram: float = 0.15            # characters in repeated 5-grams, share of the page
    rep_max_dup_6_gram: float = 0.14            # ... 6-grams
    rep_max_dup_7_gram: float = 0.13            # ... 7-grams
    rep_max_dup_8_gram: float = 0.12            # ... 8-grams
    rep_max_dup_9_gram: float = 0.11            # ... 9-grams
    rep_max_dup_10_gram: float = 0.10           # ... 10-grams
    c4_min_sentences: int = 5                   # C4: sentences in kept lines (end punctuation, 3+ words) below this
    c4_min_words_per_line: int = 3              # a line with fewer words is not kept
    c4_max_word_length: int = 1000              # a line with a longer word is not kept
    c4_curly_bracket: bool = True               # a kept line with "{" drops the page (formulas are not braces here)
    c4_lorem_ipsum: bool = True                 # "lorem ipsum" in a kept line drops the page
    fineweb_min_line_punct: float = 0.12        # FineWeb: share of lines ending in punctuation below this
    fineweb_max_short_lines: float = 0.67       # share of lines of at most 30 characters above this
    fineweb_max_char_dup: float = 0.01          # characters in repeated lines, share of the page, above this
    fineweb_max_newline_ratio: float = 0.3      # newlines per word above this (a list, not prose)

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _duplicates(items: list[str]) -> tuple[int, int]:
    """(repeated elements, their characters): each element that equals an earlier one."""
    seen: set[str] = set()
    n = chars = 0
    for item in items:
        if item in seen:
            n += 1
            chars += len(item)
        else:
            seen.add(item)
    return n, chars


def _gram_hashes(ids: np.ndarray, n: int) -> np.ndarray:
    """A 64-bit hash of every run of ``n`` word ids (vectorised; uint64 arithmetic wraps)."""
    h = np.zeros(len(ids) - n + 1, np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            h = h * np.uint64(1_000_003) + ids[k:len(ids) - n + 1 + k]
    return h


def _top_gram(ids: np.ndarray, lengths: np.ndarray, n: int) -> int:
    """Characters of the most frequent ``n``-gram (words joined by spaces) times its count; among
    equally frequent ones the first to occur (as Counter.most_common)."""
    h = _gram_hashes(ids, n)
    _, first, inverse, counts = np.unique(h, return_index=True, return_inverse=True, return_counts=True)
    top = counts.max()
    start = first[counts == top].min()
    return int((lengths[start:start + n].sum() + n - 1) * top)


def _dup_grams(ids: np.ndarray, lengths: np.ndarray, n: int) -> int:
    """Characters of ``n``-grams that repeat an earlier one, skipping past each repeat (Gopher)."""
    h = _gram_hashes(ids, n).tolist()
    cum = np.concatenate([[0], np.cumsum(lengths)]).tolist()
    seen: set[int] = set()
    chars, i, end = 0, 0, len(h)
    while i < end:
        if h[i] in seen:
            chars += cum[i + n] - cum[i]
            i += n
        else:
            seen.add(h[i])
            i += 1
    return chars


def gopher_quality(text: str, words: list[str], lang: str | None, t: Thresholds, out: dict) -> tuple | None:
    lines = text.splitlines() or [""]
    n_all = max(1, len(words))
    real = [w for w in words if any(ch not in _PUNCT for ch in w)]
    out["gq_words"] = len(real)
    out["gq_mean_word_length"] = float(np.mean([len(w) for w in real])) if real else 0.0
    out["gq_hash_ratio"] = text.count("#") / n_all
    out["gq_ellipsis_ratio"] = (text.count("...") + text.count("…")) / n_all
    out["gq_bullet_lines"] = sum(s.lstrip().startswith(("•", "-")) for s in lines) / len(lines)
    out["gq_ellipsis_lines"] = sum(s.rstrip().endswith(("...", "…")) for s in lines) / len(lines)
    out["gq_alpha_words"] = sum(any(c.isalpha() for c in w) for w in words) / n_all
    stop = STOP_WORDS.get(lang or "en")
    out["gq_stop_words"] = len(stop.intersection(words)) if stop else None
    checks = []
    if word_rules_apply(lang):
        checks += [("gopher_short_doc", out["gq_words"], out["gq_words"] < t.gopher_min_words),
                   ("gopher_long_doc", out["gq_words"], out["gq_words"] > t.gopher_max_words),
                   ("gopher_below_avg_threshold", out["gq_mean_word_length"],
                    out["gq_mean_word_length"] < t.gopher_min_mean_word_length),
                   ("gopher_above_avg_threshold", out["gq_mean_word_length"],
                    out["gq_mean_word_length"] > t.gopher_max_mean_word_length)]
    checks += [("gopher_too_many_hashes", out["gq_hash_ratio"], out["gq_hash_ratio"] > t.gopher_max_symbol_ratio),
               ("gopher_too_many_ellipsis", out["gq_ellipsis_ratio"], out["gq_ellipsis_ratio"] > t.gopher_max_symbol_ratio),
               ("gopher_too_many_bullets", out["gq_bullet_lines"], out["gq_bullet_lines"] > t.gopher_max_bullet_lines),
               ("gopher_too_many_end_ellipsis", out["gq_ellipsis_lines"],
                out["gq_ellipsis_lines"] > t.gopher_max_ellipsis_lines)]
    if word_rules_apply(lang):
        checks.append(("gopher_below_alpha_threshold", out["gq_alpha_words"],
                       out["gq_alpha_words"] < t.gopher_min_alpha_words))
    if stop is not None and word_rules_apply(lang):
        checks.append(("gopher_enough_stop_words", out["gq_stop_words"], out["gq_stop_words"] < t.gopher_min_stop_words))
    return next(((name, value) for name, value, failed in checks if failed), None)


def gopher_repetition(text: str, words: list[str], lang: str | None, t: Thresholds, out: dict) -> tuple | None:
    size = max(1, len(text))
    paragraphs = __import__("re").split(r"\n{2,}", text.strip())
    n, chars = _duplicates(paragraphs)
    out["gr_dup_para_frac"], out["gr_dup_para_char_frac"] = n / len(paragraphs), chars / size
    lines = __import__("re").split(r"\n+", text)
    n, chars = _duplicates(lines)
    out["gr_dup_line_frac"], out["gr_dup_line_char_frac"] = n / len(lines), chars / size
    checks = [("gopher_rep_dup_para_frac", out["gr_dup_para_frac"], t.rep_max_dup_para_frac),
              ("gopher_rep_dup_para_char_frac", out["gr_dup_para_char_frac"], t.rep_max_dup_para_char_frac),
              ("gopher_rep_dup_line_frac", out["gr_dup_line_frac"], t.rep_max_dup_line_frac),
              ("gopher_rep_dup_line_char_frac", out["gr_dup_line_char_frac"], t.rep_max_dup_line_char_frac)]
    vocab: dict[str, int] = {}
    ids = np.array([vocab.setdefault(w, len(vocab) + 1) for w in words], np.uint64)
    lengths = np.array([len(w) for w in words], np.int64)
    for n in (2, 3, 4):
        key = f"gr_top_{n}_gram"
        out[key] = _top_gram(ids, lengths, n) / size if len(words) >= n else 0.0
        checks.append((f"gopher_rep_top_{n}_gram", out[key], getattr(t, f"rep_max_top_{n}_gram")))
    for n in range(5, 11):
        key = f"gr_dup_{n}_gram"
        out[key] = _dup_grams(ids, lengths, n) / size if len(words) >= n else 0.0
        checks.append((f"gopher_rep_dup_{n}_gram", out[key], getattr(t, f"rep_max_dup_{n}_gram")))
    return next(((name, value) for name, value, limit in checks if value > limit), None)


def c4(text: str, words: list[str], lang: str | None, t: Thresholds, out: dict) -> tuple | None:
    kept = count = 0
    lorem = brace = False
    for line in text.splitlines():
        line = line.strip()
        parts = line.split()
        if any(len(w) > t.c4_max_word_length for w in parts):
            continue
        line = _C4_CITATION.sub("", line)
        if not line.endswith(_C4_END) or line.endswith("..."):
            continue
        if len(parts) < t.c4_min_words_per_line:
            continue
        lower = line.lower()
        lorem = lorem or "lorem ipsum" in lower
        if "javascript" in lower:
            continue
        brace = brace or "{" in line
        if any(p in lower for p in _POLICY):
            continue
        count += sentences(line)
        kept += 1
    out.update(c4_sentences=count, c4_kept_lines=kept, c4_lorem_ipsum=lorem, c4_curly_bracket=brace)
    if lorem and t.c4_lorem_ipsum:
        return "c4_lorem_ipsum", 1.0
    if brace and t.c4_curly_bracket:
        return "c4_curly_bracket", 1.0
    if count < t.c4_min_sentences:
        return "c4_too_few_sentences", count
    return None


def fineweb(text: str, words: list[str], lang: str | None, t: Thresholds, out: dict) -> tuple | None:
    lines = [line for line in text.split("\n") if line.strip()]
    if not lines:
        out.update(fw_line_punct=0.0, fw_short_lines=1.0, fw_char_dup=0.0, fw_newline_ratio=0.0)
        return "fineweb_empty", 0.0
    out["fw_line_punct"] = sum(line.endswith(_TERMINAL) for line in lines) / len(lines)
    out["fw_short_lines"] = sum(len(line) <= 30 for line in lines) / len(lines)
    out["fw_char_dup"] = _duplicates(lines)[1] / max(1, len(text.replace("\n", "")))
    out["fw_newline_ratio"] = text.count("\n") / max(1, len(words))
    checks = [("fineweb_line_punct_ratio", out["fw_line_punct"], out["fw_line_punct"] < t.fineweb_min_line_punct),
              ("fineweb_short_line_ratio", out["fw_short_lines"], out["fw_short_lines"] > t.fineweb_max_short_lines),
              ("fineweb_char_dup_ratio", out["fw_char_dup"], out["fw_char_dup"] > t.fineweb_max_char_dup),
              ("fineweb_list_ratio", out["fw_newline_ratio"], out["fw_newline_ratio"] > t.fineweb_max_newline_ratio)]
    return next(((name, value) for name, value, failed in checks if failed), None)


RULES = {"gopher_quality": gopher_quality, "gopher_repetition": gopher_repetition, "c4": c4, "fineweb": fineweb}


def family_counts(reasons: list[str | None]) -> Counter:
    """Dropped pages per rule family (for summaries)."""
    return Counter(r.split("_", 1)[0] if r else "kept" for r in reasons)
