"""Schemas of deduplication and decontamination: reports users query, and work files."""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

_SOURCE = [
    field("id", pa.string(), "Document id (the id column of the input pages)."),
    field("url", pa.string(), "URL of the document."),
    field("crawl", pa.string(), "Crawl id of the document, null if unknown."),
    field("warc_path", pa.string(), "Lineage: source WARC file of the document."),
    field("warc_offset", pa.int64(), "Lineage: byte offset of the record in warc_path."),
    field("source_shard", pa.string(), "Pages shard the document was read from."),
    field("source_row", pa.int64(), "Row number of the document in source_shard."),
]

DUPLICATES = pa.schema(
    _SOURCE + [
        field("run", pa.string(), "Name of the dedup run that decided this row."),
        field("node", pa.int64(), "Global document number in the dedup index (earlier runs have smaller numbers)."),
        field("cluster_id", pa.int64(), "Node of the cluster's representative; equal to node for kept documents."),
        field("cluster_size", pa.int64(), "Documents in the cluster, including those of earlier runs."),
        field("keep", pa.bool_(), "True for the one representative of each cluster (and for unique documents)."),
        field("reason", pa.string(), "Why the document was removed: exact_duplicate, url_duplicate, near_duplicate; null if kept."),
        field("duplicate_of", pa.string(), "Id of the representative this document duplicates (null if kept)."),
        field("duplicate_of_crawl", pa.string(), "Crawl of that representative."),
        field("jaccard", pa.float32(), "Jaccard similarity to the representative when verification ran: estimated "
                                       "from the MinHash signatures, or exact when the estimate was within 0.08 of "
                                       "the threshold."),
    ],
    metadata={"dataset": "duplicates", "description": "One row per input document of a dedup run: its cluster and whether it is kept."},
)

CONTAMINATION = pa.schema(
    _SOURCE + [
        field("benchmark", pa.string(), "Benchmark set whose text the document contains (e.g. gsm8k, math500)."),
        field("item", pa.string(), "Item of that benchmark (its index in the benchmark file, or its id)."),
        field("part", pa.string(), "Which part of the item matched: question or answer."),
        field("n", pa.int32(), "Length in words of the matched n-gram (the whole benchmark text when shorter than the rule's n)."),
        field("ngram", pa.string(), "The matched n-gram, as normalised text."),
        field("matches", pa.int32(), "How many n-grams of the document matched this benchmark item."),
        field("rule", pa.string(), "The evidence that fired: '10-gram' (enough content words alone), '10-gram run' "
                                   "(at least 3 distinct 10-grams of the item), 'formula run' (a display "
                                   "formula copied: 6 distinct formula-only 10-grams), 'whole question'; under the "
                                   "deepseek rule '10-gram' or 'whole text'."),
    ],
    metadata={"dataset": "contamination", "description": "One row per (document, benchmark item) match: why a document was removed as contaminated."},
)

# --- work files (under <out>/_dedup/<run>/ and the index); not datasets --------------------

SKETCH_DOCS = pa.schema([
    field("shard", pa.int32(), "Position of the input shard in the run's sorted shard list."),
    field("row", pa.int64(), "Row of the document in that shard."),
    field("id", pa.string(), "Document id."),
    field("url", pa.string(), "Document URL."),
    field("crawl", pa.string(), "Crawl id."),
    field("warc_path", pa.string(), "Lineage: WARC file."),
    field("warc_offset", pa.int64(), "Lineage: record offset."),
    field("n_words", pa.int64(), "Words after normalisation."),
    field("exact_hash", pa.binary(16), "blake2b-128 of the normalised word sequence."),
    field("url_hash", pa.uint64(), "Hash of the normalised URL (null if no URL)."),
    field("signature", pa.binary(), "The MinHash signature, each value's low 16 bits (2 bytes per permutation): "
                                    "verification estimates Jaccard from it without re-reading the text."),
])

SKETCH_KEYS = pa.schema([
    field("shard", pa.int32(), "Input shard position."),
    field("row", pa.int64(), "Row in the shard."),
    field("hash", pa.uint64(), "Bucket key: a band's hash of MinHash rows, 8 bytes of exact_hash, or url_hash."),
])

NODES = pa.schema([
    field("shard", pa.int32(), "Input shard position."),
    field("row", pa.int64(), "Row in the shard."),
    field("node", pa.int64(), "Global document number, in representative order."),
])

INDEX_DOCS = pa.schema([
    field("node", pa.int64(), "Global document number."),
    field("id", pa.string(), "Document id."),
    field("crawl", pa.string(), "Crawl id."),
    field("exact_hash", pa.binary(16), "blake2b-128 of the normalised word sequence."),
    field("url_hash", pa.uint64(), "Hash of the normalised URL."),
])

INDEX_KEYS = pa.schema([
    field("kind", pa.string(), "band:<n>, exact or url."),
    field("hash", pa.uint64(), "Bucket key (band hash, first 8 bytes of exact_hash, or url_hash)."),
    field("node", pa.int64(), "Global document number."),
])

EDGES = pa.schema([
    field("node", pa.int64(), "A document."),
    field("peer", pa.int64(), "The smallest node sharing a bucket with it."),
])
