"""Machine-readable reasons written to the ``rejected`` dataset.

Each constant is a stable string: reports group by it and users filter on it,
so values never change once released (add new ones instead).
"""

# read stage: the WARC container itself
TRUNCATED_RECORD = "truncated_record"      # fewer payload bytes than Content-Length
WARC_READ_ERROR = "warc_read_error"        # unreadable bytes (corrupt gzip member, broken header); reading resumes after them
REVISIT_RECORD = "revisit_record"          # no payload, refers to an earlier capture
NOT_A_DOCUMENT = "not_a_document"          # resource/metadata record without HTML (e.g. wget logs)

# decode stage: HTTP payload to HTML text
HTTP_STATUS = "http_status"                # not a 2xx response (redirects, errors)
BAD_HEADER = "bad_header"                  # a header value out of range or unparsable (status 99999999999)
NON_HTML = "non_html"                      # content type is not HTML/XHTML
EMPTY_BODY = "empty_body"                  # zero-length payload
BODY_TOO_LARGE = "body_too_large"          # above max_body_bytes, not read into memory
CONTENT_DECODING = "content_decoding"      # broken chunked/gzip/deflate encoding, or decompression bomb
UNDECODABLE = "undecodable"                # no charset decodes the bytes cleanly

# filter stage, fast math recall mode (ingest with a math prefilter model)
MATH_PREFILTER = "math_prefilter"          # cheap-text math score below the recall-safe threshold, no formula markup

# extract stage
TOO_COSTLY = "too_costly"                  # the cost check before parsing: unmatched TeX openers x page length
EXTRACT_TIMEOUT = "extract_timeout"        # extractor exceeded the hard per-document timeout (worker killed)
EXTRACT_ERROR = "extract_error"            # extractor raised
NO_TEXT = "no_text"                        # extractor found no main text

ALL = sorted(v for k, v in dict(globals()).items() if k.isupper() and isinstance(v, str))

#: reason -> pipeline stage that applies it (the ``stage`` column of ``rejected``).
STAGE = {
    TRUNCATED_RECORD: "read", WARC_READ_ERROR: "read", REVISIT_RECORD: "read",
    CONTENT_DECODING: "read", BODY_TOO_LARGE: "read", BAD_HEADER: "read",
    NOT_A_DOCUMENT: "filter", MATH_PREFILTER: "filter", HTTP_STATUS: "filter", NON_HTML: "filter", EMPTY_BODY: "filter",
    UNDECODABLE: "extract", TOO_COSTLY: "extract", EXTRACT_TIMEOUT: "extract", EXTRACT_ERROR: "extract", NO_TEXT: "extract",
}
