"""Step 1 of a mixture and its inputs: shard lists, token counts (cached), candidate rows."""

from __future__ import annotations

import contextlib
import hashlib
import os
import posixpath
import uuid
from contextlib import contextmanager
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from curate.errors import FatalError
from curate.mix import get_tokenizer
from curate.io import committed, file_stamp, local_work, parquet_file, storage_root
from curate.query import apply_filter, files_sql, lock_down, reader, sql_str
from pipelines.mix._removals import RemovalSet, removal_sets
from pipelines.mix._spec import MixSpec, SourceSpec
from schemas.mix import TOKEN_COUNTS


@contextmanager
def _atomic(path: Path):
    """A temporary name of its own beside ``path``, renamed onto it when the block succeeds (removed
    when it fails): two sources over one dataset count the same shard's tokens in two tasks at once,
    and a shared temporary name made one rename fail. Not mkstemp: the file keeps the usual
    permissions (mkstemp's are 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp")
    try:
        yield tmp
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write(table: pa.Table, path: Path, schema: pa.Schema, dictionary=True) -> None:
    """A Parquet file (zstd), atomically; ``dictionary``: the columns to dictionary-encode (all by default)."""
    with _atomic(path) as tmp:
        pq.write_table(table.cast(schema), tmp, compression="zstd", row_group_size=50_000,
                       use_dictionary=dictionary)


def write_ipc(table: pa.Table, path: Path, schema: pa.Schema) -> None:
    """A work file in Arrow's IPC format, uncompressed: written at the speed of a copy and read
    back memory-mapped, without decoding (lz4 took two thirds of the routing step). The work
    folder so holds the picked rows at their in-memory size until the build ends (atomically)."""
    with _atomic(path) as tmp, pa.OSFile(str(tmp), "wb") as sink, \
            pa.ipc.new_file(sink, schema) as writer:
        writer.write_table(table.cast(schema))


def read_ipc(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def read_meta(path: Path) -> dict:
    """The schema metadata of an IPC work file (without reading its rows)."""
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).schema.metadata or {}


def source_files(spec: MixSpec, src: SourceSpec) -> list[str]:
    files = sorted(storage_root(p).canonical for p in committed(spec.root_of(src), src.dataset))
    if not files:
        raise FatalError(f"source {src.name}: no shards of dataset {src.dataset} under {spec.root_of(src)}")
    return files


def token_cache(spec: MixSpec, src: SourceSpec, shard: str) -> Path:
    """Beside the root's datasets; for a root on object storage, in this machine's cache."""
    name = get_tokenizer(spec.tokenizer).name
    return local_work(spec.root_of(src), "_tokens", name, src.dataset, "+".join(src.text), Path(shard).name)


COUNT_BATCH = 1_000            # rows encoded per call when counting (memory follows one batch)


def ids_cache(spec: MixSpec, src: SourceSpec, shard: str) -> Path:
    """Where the count step leaves a shard's token ids for the Megatron step (format megatron)."""
    cache = token_cache(spec, src, shard)
    return cache.with_name(cache.name + ".ids.arrow")


def _fresh(path: Path, stamp: bytes) -> bool:
    return path.exists() and read_meta(path).get(b"shard") == stamp if path.suffix == ".arrow" else \
        path.exists() and (pq.read_schema(path).metadata or {}).get(b"shard") == stamp


def count_tokens(spec: MixSpec, src: SourceSpec, shard: str) -> np.ndarray:
    """Step 1: token counts of one shard (cached; recomputed when the shard changed). For Megatron
    output the ids themselves are kept too (``ids_cache``): a cold run tokenizes each document
    once, not once to count and again to write. Texts are encoded in batches of ``COUNT_BATCH``."""
    cache = token_cache(spec, src, shard)
    stamp = file_stamp(shard)[1].encode()
    tok = get_tokenizer(spec.tokenizer)
    keep_ids = spec.format == "megatron" and hasattr(tok, "encode_flat")
    ids_path = ids_cache(spec, src, shard)
    if _fresh(cache, stamp) and (not keep_ids or _fresh(ids_path, stamp)):
        return pq.read_table(cache).column("tokens").to_numpy()
    pf = parquet_file(shard)
    present = text_columns(shard, src.text, pf)
    counts: list[np.ndarray] = []
    schema = pa.schema([("ids", pa.large_list(pa.uint32()))], metadata={b"shard": stamp})
    with contextlib.ExitStack() as stack:
        writer = None
        if keep_ids:
            tmp = stack.enter_context(_atomic(ids_path))
            sink = stack.enter_context(pa.OSFile(str(tmp), "wb"))
            writer = stack.enter_context(pa.ipc.new_file(sink, schema))
        for batch in pf.iter_batches(batch_size=COUNT_BATCH, columns=present):
            cols = [batch.column(c) for c in present]
            texts = pc.coalesce(*cols) if len(cols) > 1 else cols[0]
            if writer is None:
                counts.append(tok.count(texts))
                continue
            lengths, values = tok.encode_flat(texts)
            offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
            writer.write_batch(pa.record_batch([pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(values))],
                                               schema=schema))
            counts.append(lengths)
    total = np.concatenate(counts) if counts else np.zeros(0, np.int64)
    meta = TOKEN_COUNTS.with_metadata({**(TOKEN_COUNTS.metadata or {}), b"shard": stamp})
    _write(pa.table({"tokens": total}), cache, meta)
    return total


def text_columns(shard: str, columns: tuple[str, ...], pf=None) -> list[str]:
    """Those of ``columns`` the shard has; a one-line error naming the shard and column when
    none is there or one is not text (an int64 ``text`` column)."""
    pf = pf if pf is not None else parquet_file(shard)
    present = [c for c in columns if c in pf.schema_arrow.names]
    if not present:
        raise FatalError(f"{shard} has none of the text columns {list(columns)}")
    for c in present:
        kind = pf.schema_arrow.field(c).type
        if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            raise FatalError(f"{shard}: column {c!r} is {kind}, not text")
    return present


def read_text(shard: str, columns: tuple[str, ...], rows: np.ndarray | None = None, pf=None) -> pa.Array:
    """The first non-null of ``columns`` per row (optionally only ``rows``); ``pf``: the shard
    already open (its footer is not read again: on object storage, a request)."""
    pf = pf if pf is not None else parquet_file(shard)
    present = text_columns(shard, columns, pf)
    table = pf.read(columns=present)
    if rows is not None:
        table = table.take(pa.array(rows))
    cols = [table.column(c).combine_chunks() for c in present]
    return pc.coalesce(*cols) if len(cols) > 1 else cols[0]


def file_candidates(spec: MixSpec, src: SourceSpec, file: str,
                    sets: list[RemovalSet] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Rows of one input file passing the source's filter and left out by no removal set, in row
    order; and, per removal set, how many rows passing the filter it excluded."""
    root = spec.root_of(src)
    sets = removal_sets(src, root) if sets is None else sets
    has_id = bool(sets) and "id" in parquet_file(file).schema_arrow.names
    flags = [(i, f) for i, f in enumerate(s.flag(file, has_id) for s in sets) if f is not None]
    only = None
    if src.only_ids:
        listed = committed(root, src.only_ids)
        if not listed:
            raise FatalError(f"source {src.name}: no {src.only_ids} dataset under {root} (only_ids)")
        only = f"id IN (SELECT id FROM read_parquet({files_sql(listed)}))"
    columns = ", ".join(["file_row_number"] + [f"{f} AS r{i}" for i, f in flags])
    # the filter may read the source's files, its root and its removal roots, nothing else
    allowed = {posixpath.dirname(file), str(root)}       # file is canonical: a resolved path or a URL
    allowed |= {storage_root(s.root).canonical for s in sets}
    con = lock_down(reader([root, *[s.root for s in sets]]), allowed)
    try:
        # the user's filter is bound as one expression (apply_filter), never pasted into SQL text
        rel = apply_filter(con.sql(f"SELECT * FROM read_parquet({sql_str(file)}, file_row_number=true)"), src.where)
        if only:
            rel = rel.filter(only)
        found = rel.project(columns).order("file_row_number").fetchnumpy()
    except duckdb.Error as exc:
        raise FatalError(f"source {src.name}: filter {src.where!r} failed on {file}: "
                         f"{' '.join(str(exc).split())[:300]}") from exc
    finally:
        con.close()
    rows = np.asarray(found["file_row_number"], dtype=np.int64)
    # per removal set, then two more: rows left out by any set (each once) and by more than one
    counts = np.zeros(len(sets) + 2, np.int64)
    if flags:
        marks = np.stack([np.asarray(found[f"r{i}"], dtype=bool) for i, _ in flags])
        counts[[i for i, _ in flags]] = marks.sum(axis=1)
        counts[-2], counts[-1] = marks.any(axis=0).sum(), (marks.sum(axis=0) > 1).sum()
        rows = rows[~marks.any(axis=0)]
    return rows, counts


def candidate_cache(work: Path, source_index: int, file: str) -> Path:
    """Where the count step leaves a file's candidate rows for the plan (work folder of the run)."""
    return work / "candidates" / f"{source_index:03d}-{hashlib.sha1(file.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}.npz"


def save_candidates(work: Path, spec: MixSpec, source_index: int, file: str,
                    sets: list[RemovalSet] | None = None) -> None:
    """Compute a file's candidate rows in a worker (the filter queries run in parallel, not in the
    serial plan step) and leave them for the plan; ``sets``: the source's removal sets."""
    path = candidate_cache(work, source_index, file)
    if path.exists():
        return
    rows, counts = file_candidates(spec, spec.sources[source_index], file, sets)
    with _atomic(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, rows=rows, counts=counts)


def candidates(spec: MixSpec, src: SourceSpec, files: list[str], sets: list[RemovalSet], work: Path | None = None,
               source_index: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(file index, row) of the rows passing the source's filter and no removal set, in file and
    row order, and the rows each removal set excluded, then the rows any set excluded (each once)
    and those more than one did: from the count step's cache when there is one, else one query
    per file here."""
    shard_of, rows, counts = [], [], np.zeros(len(sets) + 2, np.int64)
    for i, f in enumerate(files):
        cached = candidate_cache(work, source_index, f) if work is not None and source_index is not None else None
        if cached is not None and cached.exists():
            with np.load(cached) as saved:
                found, excluded = saved["rows"], saved["counts"]
            if len(excluded) != len(sets) + 2:          # a cache from before the union was counted
                found, excluded = file_candidates(spec, src, f, sets)
        else:
            found, excluded = file_candidates(spec, src, f, sets)
        rows.append(found)
        counts += excluded
        shard_of.append(np.full(len(found), i, np.int32))
    if not rows:
        return np.zeros(0, np.int32), np.zeros(0, np.int64), counts
    return np.concatenate(shard_of), np.concatenate(rows), counts
