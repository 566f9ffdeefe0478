"""Schema of the quality filters' decisions (one row per page, every rule's measurements)."""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

_F = pa.float64()

QUALITY = pa.schema(
    [
        field("id", pa.string(), "Page id (the id column of the input pages)."),
        field("source_shard", pa.string(), "Pages shard the page was read from."),
        field("source_row", pa.int64(), "Row of the page in source_shard."),
        field("lang", pa.string(), "Language of the page (the pages' lang column) the rules used."),
        field("keep", pa.bool_(), "True when no rule failed."),
        field("reason", pa.string(), "The first rule that failed (gopher_*, gopher_rep_*, c4_*, fineweb_*), null if kept."),
        field("value", _F, "That rule's measured value (compare with its threshold)."),
        field("failed", pa.list_(pa.string()), "Every rule family's first failing rule (all families always run)."),
        field("skipped", pa.list_(pa.string()), "Rules skipped for the page's language, and why."),
        field("math_aware", pa.bool_(), "Formulas counted as one word and markdown markers ignored (the default)."),
        field("formulas", pa.int32(), "Formulas found in the text (each one word for the rules)."),
        field("gq_words", pa.int64(), "Gopher quality: words, punctuation not counted."),
        field("gq_mean_word_length", _F, "Gopher quality: mean word length."),
        field("gq_hash_ratio", _F, "Gopher quality: '#' per word."),
        field("gq_ellipsis_ratio", _F, "Gopher quality: '...' and '…' per word."),
        field("gq_bullet_lines", _F, "Gopher quality: share of lines starting with a bullet."),
        field("gq_ellipsis_lines", _F, "Gopher quality: share of lines ending with an ellipsis."),
        field("gq_alpha_words", _F, "Gopher quality: share of words with a letter."),
        field("gq_stop_words", pa.int64(), "Gopher quality: distinct stop words of the page's language (null: no list)."),
        field("gr_dup_para_frac", _F, "Gopher repetition: share of paragraphs repeating an earlier one."),
        field("gr_dup_para_char_frac", _F, "Gopher repetition: their characters' share of the page."),
        field("gr_dup_line_frac", _F, "Gopher repetition: share of lines repeating an earlier one."),
        field("gr_dup_line_char_frac", _F, "Gopher repetition: their characters' share of the page."),
        *[field(f"gr_top_{n}_gram", _F, f"Gopher repetition: characters of the most frequent {n}-gram, share of the page.")
          for n in (2, 3, 4)],
        *[field(f"gr_dup_{n}_gram", _F, f"Gopher repetition: characters in repeated {n}-grams, share of the page.")
          for n in range(5, 11)],
        field("c4_sentences", pa.int64(), "C4: sentences in the lines C4 keeps."),
        field("c4_kept_lines", pa.int64(), "C4: lines kept (end punctuation, enough words, no javascript or policy)."),
        field("c4_lorem_ipsum", pa.bool_(), "C4: a kept line says lorem ipsum."),
        field("c4_curly_bracket", pa.bool_(), "C4: a kept line has '{' (outside formulas when math_aware)."),
        field("fw_line_punct", _F, "FineWeb: share of lines ending with punctuation."),
        field("fw_short_lines", _F, "FineWeb: share of lines of at most 30 characters."),
        field("fw_char_dup", _F, "FineWeb: characters in repeated lines, share of the page."),
        field("fw_newline_ratio", _F, "FineWeb: newlines per word."),
    ],
    metadata={"dataset": "quality", "description": "One row per page: the quality filters' decision, the first "
              "failing rule and its value, and every rule's measurements (re-tune thresholds in SQL)."},
)
