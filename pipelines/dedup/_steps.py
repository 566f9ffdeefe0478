"""Steps 1-3 of a dedup run: sketch each shard, number documents, bucket each key kind.

Every step writes its output atomically (temp file, rename) and returns early
when the output exists, so a rerun resumes where a crash stopped.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curate.dedup import DedupIndex, Sketcher, url_hash
from curate.errors import FatalError
from curate.io import parquet_file
from curate.query import sql_str, write_query
from pipelines.dedup._plan import ORDER, READ_COLUMNS, DedupConfig, Plan
from schemas.dedup import EDGES, NODES, SKETCH_DOCS, SKETCH_KEYS

def _shard_name(i: int) -> str:
    return f"{i:06d}.parquet"


def docs_rel(i: int) -> str:
    """The work file of input shard ``i``'s documents (written last by its sketch step)."""
    return f"sketch/docs/{_shard_name(i)}"


def keys_rel(kind: str, i: int) -> str:
    return f"sketch/keys/kind={kind}/{_shard_name(i)}"


def edges_rel(kind: str) -> str:
    return f"edges/kind={kind}.parquet"


NODES_REL = "nodes.parquet"
PAIR_BUCKET = 8          # buckets up to this size give all their pairs when edges are verified (our choice)


def _signature_column(signatures: np.ndarray) -> pa.Array:
    """Each row's MinHash values cut to 16 bits, as one binary value (a collision of two 16-bit
    values has probability 1/65536: a negligible bias on a Jaccard estimate)."""
    low = np.ascontiguousarray(signatures.astype(np.uint16))
    width = 2 * low.shape[1]
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), len(low), [None, pa.py_buffer(low.tobytes())])
    return fixed.cast(pa.binary())


def signature_jaccard(a: pa.Array, b: pa.Array) -> np.ndarray:
    """Jaccard estimates from two columns of signatures (the share of equal MinHash values)."""
    if len(a) == 0:
        return np.zeros(0, np.float32)
    left = np.frombuffer(b"".join(a.to_pylist()), np.uint16).reshape(len(a), -1)
    right = np.frombuffer(b"".join(b.to_pylist()), np.uint16).reshape(len(b), -1)
    return (left == right).mean(axis=1).astype(np.float32)


def sketch_shard(config: DedupConfig, plan: Plan, i: int) -> int:
    """Step 1 for input shard ``i``: write its docs and key files; returns documents sketched."""
    work = plan.work
    docs_path = work / docs_rel(i)
    written = [keys_rel(kind, i) for kind in config.kinds] + [docs_rel(i)]
    if (done := work.finished(written)) is not None:
        return pq.ParquetFile(done).metadata.num_rows
    sketcher = Sketcher(config.params)
    keys: dict[str, list] = {k: [] for k in config.kinds}
    doc_batches = []
    row0 = 0
    # Every document takes part in every decision, so an unreadable shard stops the run
    # (skipping it would silently change which documents are kept).
    for batch, columns in read_batches(plan.shards[i], READ_COLUMNS, config.batch_rows, FatalError):
        n = batch.num_rows
        sk = sketcher.sketch(batch.column("text"))
        rows = np.arange(row0, row0 + n, dtype=np.int64)
        urls = batch.column("url").to_pylist() if "url" in columns else [None] * n
        uh = [url_hash(u) for u in urls]
        doc_batches.append(pa.table({
            "shard": pa.array(np.full(n, i, np.int32)), "row": pa.array(rows),
            **{c: batch.column(c) if c in columns else pa.nulls(n, SKETCH_DOCS.field(c).type)
               for c in ("id", "url", "crawl", "warc_path", "warc_offset")},
            "n_words": pa.array(sk.n_words), "exact_hash": pa.array(sk.exact, pa.binary(16)),
            "url_hash": pa.array(uh, pa.uint64()), "signature": _signature_column(sk.signatures)},
            schema=SKETCH_DOCS))
        live = np.flatnonzero(sk.has_shingles)
        for b in range(config.bands):
            keys[f"band_{b:02d}"].append((rows[live], sk.bands[live, b]))
        if config.exact:
            keys["exact"].append((rows, _first8(sk.exact)))
        if config.urls:
            has = np.array([h is not None for h in uh], dtype=bool)
            keys["url"].append((rows[has], np.array([h for h in uh if h is not None], dtype=np.uint64)))
        row0 += n
    for kind, parts in keys.items():
        rows = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        hashes = np.concatenate([p[1] for p in parts]).astype(np.uint64) if parts else np.zeros(0, np.uint64)
        table = pa.table({"shard": pa.array(np.full(len(rows), i, np.int32)), "row": pa.array(rows),
                          "hash": pa.array(hashes)})
        _write_atomic_table(table, work / keys_rel(kind, i))
    docs = pa.concat_tables(doc_batches) if doc_batches else SKETCH_DOCS.empty_table()
    _write_atomic_table(docs, docs_path, SKETCH_DOCS)      # last: marks the shard done
    work.put(written)                                      # the docs file last, again
    return docs.num_rows


def read_batches(path: str, wanted: list[str], batch_rows: int, error: type):
    """(batch, columns) of a pages shard; unreadable files raise ``error`` naming the file."""
    try:
        pf = parquet_file(path)                    # a local file or an object (s3://)
        columns = [c for c in wanted if c in pf.schema_arrow.names]
        if "text" not in columns:
            raise error(f"{path}: no text column (is it a pages shard?)")
        wrong = mistyped(pf.schema_arrow, columns)
        if wrong:               # not a shard to retry: the input is wrong, for every job that reads it
            raise FatalError(f"{path}: {wrong} (is it a pages shard?)")
        for batch in pf.iter_batches(batch_size=batch_rows, columns=columns):
            yield batch, columns
    except (OSError, pa.ArrowException) as exc:
        raise error(f"cannot read {path}: {exc}; remove or replace this shard and rerun") from exc


def mistyped(schema: pa.Schema, columns: list[str]) -> str | None:
    """What is wrong with the types of ``columns`` of a file read as pages (None: nothing): a
    column that the pages schema declares as text must be text (any Arrow string type), an
    integer one an integer, a boolean one a boolean. Checked before a row is read, so a wrong
    file is one line, not a traceback from deep inside a kernel."""
    from schemas import PAGES, is_text

    for name in columns:
        if name not in PAGES.names:
            continue
        want, got = PAGES.field(name).type, schema.field(name).type
        ok = (is_text(got) if is_text(want) else pa.types.is_integer(got) if pa.types.is_integer(want)
              else pa.types.is_boolean(got) if pa.types.is_boolean(want) else True)
        if not ok:
            return f"column {name} is {got}, not {want}"
    return None


def _first8(exact: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(e[:8] for e in exact), dtype="<u8").astype(np.uint64)


def _write_atomic_table(table: pa.Table, path: Path, schema: pa.Schema = SKETCH_KEYS) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table.cast(schema), tmp, compression="zstd")
    tmp.replace(path)


def _connect(config: DedupConfig, plan: Plan) -> duckdb.DuckDBPyConnection:
    spill = plan.work / "duckdb-tmp"            # this machine's disk
    spill.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute(f"SET memory_limit = {sql_str(config.memory_limit)}")
    con.execute(f"SET threads = {int(config.threads)}")
    con.execute(f"SET temp_directory = {sql_str(str(spill))}")
    con.execute("SET preserve_insertion_order = false")
    return con


def _files(paths: list[str]) -> str:
    return "[" + ", ".join(sql_str(p) for p in paths) + "]"


def number_nodes(config: DedupConfig, plan: Plan) -> int:
    """Step 2: ``nodes.parquet`` (shard, row, node) numbered in representative order."""
    work = plan.work
    if (done := work.finished([NODES_REL])) is not None:
        return pq.ParquetFile(done).metadata.num_rows
    path = work / NODES_REL
    con = _connect(config, plan)
    docs = _files([str(p) for p in work.fetch([docs_rel(i) for i in range(len(plan.shards))])])
    # sorted by (shard, row): the per-shard reads of step 4 skip other row groups by their statistics
    write_query(con, f"""SELECT shard, row, node FROM (
                             SELECT shard, row, {plan.base} + row_number() OVER (ORDER BY {ORDER[config.representative]}) - 1 AS node
                             FROM read_parquet({docs})) ORDER BY shard, row""", path, NODES)
    con.close()
    work.put([NODES_REL])
    return pq.ParquetFile(path).metadata.num_rows


def bucket_edges(config: DedupConfig, plan: Plan, kind: str) -> int:
    """Step 3 for one key kind: ``edges/kind=<kind>.parquet`` linking each document
    to the smallest node of every bucket it shares (a star per bucket keeps the
    components and avoids all pairs)."""
    work = plan.work
    path = work / edges_rel(kind)
    if (done := work.finished([edges_rel(kind)])) is not None:
        return pq.ParquetFile(done).metadata.num_rows
    con = _connect(config, plan)
    keys = _files([str(p) for p in work.fetch([keys_rel(kind, i) for i in range(len(plan.shards))])])
    nodes = sql_str(str(work.fetch([NODES_REL])[0]))
    new = f"""SELECT k.hash, n.node FROM read_parquet({keys}) k
              JOIN read_parquet({nodes}) n USING (shard, row)"""
    old_files = DedupIndex(config.index, config.params).key_files(plan.run, kind) if config.index else []
    allk = "SELECT hash, node FROM new"
    if old_files:
        allk += f" UNION ALL SELECT hash, node FROM read_parquet({_files(old_files)}) WHERE hash IN (SELECT hash FROM new)"
    star = f"""SELECT allk.node, b.peer FROM allk JOIN b USING (hash) WHERE allk.node <> b.peer"""
    if config.verify and kind.startswith("band_"):
        # verification judges pairs, so a bucket of a few documents gives all its pairs: two close
        # copies whose bucket's smallest node is a farther copy keep their own link (large buckets:
        # the star, as before)
        star = f"""SELECT allk.node, b.peer FROM allk JOIN b USING (hash) WHERE allk.node <> b.peer AND b.n > {PAIR_BUCKET}
                   UNION ALL
                   SELECT x.node, y.node AS peer FROM allk x JOIN allk y USING (hash) JOIN b USING (hash)
                   WHERE b.n <= {PAIR_BUCKET} AND x.node > y.node"""
    sql = f"""WITH new AS ({new}), allk AS ({allk}),
              b AS (SELECT hash, min(node) AS peer, count(*) AS n FROM allk GROUP BY hash HAVING count(*) > 1)
              {star}"""
    rows = write_query(con, sql, path, EDGES)
    con.close()
    work.put([edges_rel(kind)])
    return rows
