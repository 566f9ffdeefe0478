"""Schemas of the ingestion datasets: ``pages`` and ``rejected``."""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

_TS = pa.timestamp("us", tz="UTC")

# Lineage shared by pages and rejected records: enough to re-read the exact
# WARC record (open warc_path, seek to warc_offset, read one record).
LINEAGE = [
    field("id", pa.string(), "Stable document id: 16 hex digits of sha1(file name of warc_path | WARC-Record-ID, or the offset if none)."),
    field("url", pa.string(), "Target URI of the WARC record (wget's <...> brackets removed)."),
    field("crawl", pa.string(), "Common Crawl crawl id (e.g. CC-MAIN-2024-22) if known, else null."),
    field("warc_path", pa.string(), "Source file as given to the ingest (absolute local path or URL)."),
    field("warc_offset", pa.int64(), "Byte offset of the record in warc_path (compressed offset for gzip members)."),
    field("warc_record_id", pa.string(), "WARC-Record-ID header of the record."),
    field("warc_type", pa.string(), "WARC-Type of the record (response, conversion, resource, revisit, ...)."),
    field("fetch_time", _TS, "WARC-Date of the record (UTC)."),
    field("http_status", pa.int32(), "HTTP status code of the response, null for non-HTTP records."),
    field("content_type", pa.string(), "MIME type from the HTTP Content-Type (or the WARC Content-Type)."),
]

PAGES = pa.schema(
    LINEAGE
    + [
        field("host", pa.string(), "Host name of the URL, lower-cased."),
        field("domain", pa.string(), "Registered domain of the host (public-suffix aware), e.g. example.co.uk."),
        field("title", pa.string(), "Document title from <title> (or og:title / first h1)."),
        field("lang", pa.string(), "ISO 639-1 language code predicted by py3langid on the extracted text."),
        field("lang_score", pa.float32(), "Probability of the predicted language (0..1)."),
        field("text", pa.string(), "Extracted main text, markdown-style, math as $...$ and $$...$$."),
        field("has_math", pa.bool_(), "True if any math marker fired (see math_markers)."),
        field("math_markers", pa.list_(pa.string()), "Math markers found: mathjax_script, katex, mathml, tex_image, tex_text, math_container."),
        field("n_chars", pa.int64(), "Number of characters of text."),
        field("extractor", pa.string(), "Extractor name and versions, e.g. 'trafilatura/2.3.1+curate-math/1'."),
        field("url_from", pa.string(), "Where a saved HTML page's url came from: canonical (its <link rel=canonical>), "
                                       "og_url (its og:url), base_url (--base-url + its path in the folder) or file "
                                       "(none of these: file:// + its path); null for WARC and WET records."),
    ],
    metadata={"dataset": "pages", "description": "One row per extracted web page."},
)

REJECTED = pa.schema(
    LINEAGE
    + [
        field("stage", pa.string(), "Pipeline stage that dropped the record (read, decode, extract, ...)."),
        field("reason", pa.string(), "Machine-readable reason, see curate.reasons."),
        field("detail", pa.string(), "Human-readable detail (error message, offending value)."),
    ],
    metadata={"dataset": "rejected", "description": "Every record an ingest dropped, with its reason."},
)
