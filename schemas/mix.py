"""Schemas of training mixtures and of the token-count cache."""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

MIXTURE = pa.schema(
    [
        field("source", pa.string(), "Mixture source (the spec's source name) this row was drawn for."),
        field("id", pa.string(), "Document id in its dataset."),
        field("text", pa.string(), "Training text (the source's text column, e.g. fim_text falling back to text for code)."),
        field("tokens", pa.int64(), "Tokens of text under the mixture's tokenizer."),
        field("epoch", pa.int32(), "Pass over the source this copy belongs to (0 = first; >0 = up-sampled repeat)."),
        field("dataset", pa.string(), "Dataset the row came from (pages, code_samples, ...)."),
        field("source_shard", pa.string(), "Lineage: the input shard (the URL and WARC record of the row are "
                                           "in the mixture_lineage view, joined on source_shard, source_row)."),
        field("source_row", pa.int64(), "Provenance: the row in source_shard."),
        field("mix_row", pa.int64(), "The row's unique key: its position in the mixture (0-based, part files in "
                                     "order). An id repeats across epochs; this never does."),
    ],
    metadata={"dataset": "mixture", "description": "Rows of a training mixture, shuffled, with a reference to the input row each came from."},
)

MIXTURE_TOKENS = pa.schema(
    [
        field("shard", pa.string(), "Token file of the mixture (megatron/<shard>.bin and .idx)."),
        field("document", pa.int64(), "Document (sequence) index in the token file."),
        field("token_start", pa.int64(), "First token of the document in the shard (counted from 0)."),
        field("token_end", pa.int64(), "One past its last token; the last one is the end-of-document token."),
        field("source", pa.string(), "Mixture source the document was drawn for."),
        field("id", pa.string(), "Document id in its dataset."),
        field("epoch", pa.int32(), "Pass over the source this copy belongs to."),
        field("dataset", pa.string(), "Dataset the document came from."),
        field("source_shard", pa.string(), "Lineage: the input shard (the URL and WARC record of the row are "
                                           "in the mixture_lineage view, joined on source_shard, source_row)."),
        field("source_row", pa.int64(), "Provenance: the row in source_shard."),
    ],
    metadata={"dataset": "mixture_tokens", "description": "Lineage of a tokenized mixture: each document of "
              "each Megatron token file, its token range, and the input row it came from (source_shard, source_row)."},
)

TOKEN_COUNTS = pa.schema(
    [field("tokens", pa.int64(), "Tokens of the row's text; row i of this file is row i of the shard.")],
    metadata={"description": "Token-count cache aligned with one dataset shard."},
)
