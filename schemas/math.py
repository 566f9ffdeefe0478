"""Schemas of the iterative math recall (DeepSeekMath section 2.1).

Every dataset lives under ``<out>/round-N/<dataset>/`` and carries its round in
a ``round`` column, so a view over all rounds needs no Hive partitioning.
"""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

_ROUND = field("round", pa.int32(), "Recall round (1, 2, ...) that wrote the row.")

MATH_SCORES = pa.schema(
    [
        field("id", pa.string(), "Document id (pages.id)."),
        field("url", pa.string(), "URL of the page."),
        field("domain", pa.string(), "Registered domain of the page (the 'base URL' of DeepSeekMath's domain rule)."),
        field("host", pa.string(), "Host of the page, lower-cased."),
        field("source_shard", pa.string(), "Provenance: the pages shard the row was scored from."),
        field("source_row", pa.int64(), "Provenance: the row in source_shard."),
        _ROUND,
        field("model", pa.string(), "Id of the model that scored the page (round and sha1 prefix of the model file)."),
        field("math_score", pa.float32(), "fastText probability of the math label for the page text."),
        field("n_tokens", pa.int64(), "Tokens of the page text under the run's tokenizer (approx: ceil(bytes/4))."),
    ],
    metadata={"dataset": "math_scores", "description": "Every page scored by one round's math classifier."},
)

MATH_SELECTED = pa.schema(
    [
        field("id", pa.string(), "Document id (pages.id)."),
        field("url", pa.string(), "URL of the page."),
        field("domain", pa.string(), "Registered domain of the page."),
        _ROUND,
        field("math_score", pa.float32(), "Score that ranked the page."),
        field("n_tokens", pa.int64(), "Tokens of the page text."),
        field("rank", pa.int64(), "1-based rank by score (ties broken by id, so ranks are reproducible)."),
        field("cum_tokens", pa.int64(), "Tokens of this page and every page ranked above it."),
        field("new", pa.bool_(), "True if the previous round did not select the page (always true in round 1)."),
    ],
    metadata={"dataset": "math_selected", "description": "Pages a round collected: top by score up to the token budget."},
)

MATH_DOMAINS = pa.schema(
    [
        _ROUND,
        field("level", pa.string(), "'domain' for a whole domain, 'prefix' for a URL path prefix inside a math domain."),
        field("domain", pa.string(), "Registered domain."),
        field("prefix", pa.string(), "URL path prefix (host/first path segment), null on domain rows."),
        field("pages", pa.int64(), "Pages under the domain or prefix: scored ones plus, in fast recall mode, those the ingest prefilter rejected (math_prefiltered)."),
        field("collected", pa.int64(), "Of those, pages this round selected."),
        field("collected_share", pa.float64(), "collected / pages."),
        field("mean_score", pa.float64(), "Mean math_score of the pages."),
        field("math_domain", pa.bool_(), "Domain rows: collected_share above the threshold (DeepSeekMath: 10%)."),
        field("decision", pa.string(), "Prefix rows: 'math', 'not_math' (from the annotation file) or null (undecided)."),
        field("decided_by", pa.string(), "Who decided: a person's name, 'auto' (unattended policy) or null."),
    ],
    metadata={"dataset": "math_domains", "description": "Domain discovery and the URL-path review table of a round."},
)

MATH_PREFILTERED = pa.schema(
    [
        field("domain", pa.string(), "Registered domain (the host when there is none)."),
        field("prefix", pa.string(), "URL path prefix at the run's prefix_depth."),
        field("pages", pa.int64(), "Pages rejected by the fast-mode ingest prefilter (reason math_prefilter)."),
    ],
    metadata={"dataset": "math_prefiltered", "description": "Fast recall mode: pages never extracted, counted per "
              "domain and prefix so that domain shares keep DeepSeekMath's denominator (all pages of the domain)."},
)

MATH_SEED = pa.schema(
    [
        _ROUND,
        field("id", pa.string(), "Document id (pages.id) of the page added to the seed."),
        field("url", pa.string(), "URL of the page."),
        field("prefix", pa.string(), "Accepted URL path prefix the page lies under."),
        field("math_score", pa.float32(), "The page's score in the round that added it."),
        field("text", pa.string(), "Page text (a training positive from the next round on)."),
    ],
    metadata={"dataset": "math_seed", "description": "Uncollected pages under accepted math prefixes: seed of the next round."},
)

MATH_ROUNDS = pa.schema(
    [
        _ROUND,
        field("model", pa.string(), "Model id of the round."),
        field("seed_positives", pa.int64(), "Positive texts sampled for training (pages added by the loop first, then seed texts; as many as negatives)."),
        field("negatives", pa.int64(), "Negative texts sampled from the pages."),
        field("threshold", pa.float64(), "Score threshold the round selected with (the model's operating threshold unless the config set a number)."),
        field("precision", pa.float64(), "Hold-out precision at the operating threshold (seed texts vs sampled pages)."),
        field("recall", pa.float64(), "Hold-out recall at the operating threshold."),
        field("fpr", pa.float64(), "Hold-out false-positive rate at the operating threshold."),
        field("auc", pa.float64(), "Hold-out ROC AUC."),
        field("separation", pa.float64(), "Median hold-out score of positives minus that of negatives (near 0: scores barely move)."),
        field("weak", pa.bool_(), "True if the model failed validation and the run went on under allow_weak_model."),
        field("model_bytes", pa.int64(), "Size of the round's model file."),
        field("pages_scored", pa.int64(), "Pages scored."),
        field("selected", pa.int64(), "Pages selected."),
        field("selected_tokens", pa.int64(), "Tokens selected."),
        field("new_selected", pa.int64(), "Selected pages the previous round did not select."),
        field("overlap_prev", pa.float64(), "Share of this round's selection the previous round had already selected (null in round 1)."),
        field("math_domains", pa.int64(), "Domains above the collected-share threshold."),
        field("prefixes_accepted", pa.int64(), "URL path prefixes marked math so far."),
        field("prefixes_undecided", pa.int64(), "Candidate prefixes in math domains with no decision yet."),
        field("seed_added", pa.int64(), "Pages added to this round's seed: uncollected pages of the previous round under accepted prefixes."),
        field("seconds", pa.float64(), "Wall time of the round."),
        field("stop", pa.string(), "Why the loop stopped after this round ('overlap', 'max_rounds'), else null."),
    ],
    metadata={"dataset": "math_rounds", "description": "One summary row per finished recall round."},
)
