"""Fast recall mode's share of DeepSeekMath's domain rule: pages never extracted still count.

The rule flags a domain when more than 10% of *its pages* were collected. With a fast-mode
ingest (``math_prefilter``) most pages of a domain never reach ``pages``: they sit in
``rejected`` with reason ``math_prefilter``. Counting only the extracted candidates would
inflate every share, so their numbers per domain and URL prefix are added back here.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from curate import reasons
from curate.classify import url_prefix
from curate.extract import domain_of, host_of
from curate.query import sql_str
from curate.io import dataset_shards, parquet_file
from schemas import MATH_PREFILTERED

EMPTY = "(SELECT NULL::VARCHAR AS domain, NULL::VARCHAR AS prefix, 0::BIGINT AS pages WHERE false)"


def rejected_shards(items) -> list[str]:
    """Rejected-page shards of ingest output roots (local or ``s3://``), folders, files or globs."""
    return sorted({shard for item in items for shard in dataset_shards(item, "rejected")})


def count(shards: list[str], depth: int) -> pa.Table:
    """Prefiltered pages per (domain, prefix), sorted; the domain is the host when there is none."""
    counts: Counter = Counter()
    for shard in shards:
        table = parquet_file(shard).read(columns=["url", "reason"])       # a local file or an object
        urls = table.filter(pc.equal(table.column("reason"), reasons.MATH_PREFILTER))
        for url in urls.column("url").to_pylist():
            if url:
                host = host_of(url)
                counts[(domain_of(host) or host, url_prefix(url, depth))] += 1
    rows = [{"domain": d, "prefix": p, "pages": n} for (d, p), n in sorted(counts.items(), key=lambda kv: kv[0])]
    return pa.Table.from_pylist(rows, schema=MATH_PREFILTERED)


def relation(config) -> str:
    """SQL relation (domain, prefix, pages) of the run's prefiltered pages, empty without any.

    Counted once per set of shards and prefix depth (``<out>/math_prefiltered/counts-<key>.parquet``);
    a rerun with the same inputs reads the file.
    """
    if not config.prefiltered:
        return EMPTY
    from pipelines._common import write_table

    shards = rejected_shards(config.prefiltered)
    key = hashlib.sha1("\n".join([str(config.prefix_depth), *shards]).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    target = Path(config.out) / "math_prefiltered" / f"counts-{key}.parquet"
    if not target.exists():
        write_table(target, count(shards, config.prefix_depth))
        for stale in target.parent.glob("counts-*.parquet"):   # one table per out: views must not add up two
            if stale != target:
                stale.unlink()
    return f"read_parquet({sql_str(str(target))})"
