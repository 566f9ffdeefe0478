"""Dedup job: page shards in, a ``duplicates`` dataset out (one row per document).

Steps, each resumable (its output file is written atomically and skipped when
present), and each small enough to map on Dask (see flows/dedup.py):

1. ``sketch_shard``   per input shard: exact hash, URL hash, MinHash band hashes
                      -> ``_dedup/<run>/sketch/{docs,keys/kind=<k>}/<shard>.parquet``
2. ``number_nodes``   global document numbers in representative order (earliest
                      crawl, then smallest id, by default), after any earlier run
3. ``bucket_edges``   per key kind (each band, exact, url): documents sharing a
                      bucket, including documents of earlier runs from the index
4. ``decide``         connected components (DuckDB, out of core), the duplicates
                      dataset, the index generation, the completion record.

Run without Prefect: ``curate dedup INPUT... --out DIR`` or
``python -m pipelines.dedup --config dedup.toml``.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curate.dedup import DedupIndex, Sketcher, SketchParams, components, s_curve, url_hash
from curate.errors import FatalError
from curate.io import Completion, Ledger, ShardStore
from curate.io._ledger import DONE
from curate.query import sql_str, write_query
from pipelines._config import build, load_mapping
from schemas import DUPLICATES
from schemas.dedup import EDGES, INDEX_DOCS, INDEX_KEYS, SKETCH_DOCS

ORDER = {  # representative rule -> SQL ORDER BY (smallest first is kept)
    "earliest": "crawl ASC NULLS LAST, id, shard, row",
    "latest": "crawl DESC NULLS LAST, id, shard, row",
    "longest": "n_words DESC, crawl ASC NULLS LAST, id, shard, row",
}
READ_COLUMNS = ["id", "url", "crawl", "warc_path", "warc_offset", "text"]


@dataclass(frozen=True)
class DedupConfig:
    """Settings of one dedup run (TOML/YAML keys have the same names)."""

    inputs: tuple[str, ...]                 # pages shards: files, globs, or folders (root/pages/*.parquet)
    out: str
    run: str | None = None                  # run name; default: derived from the input list
    index: str | None = None                # persistent cross-run index folder (None: this run only)
    num_perm: int = 112
    bands: int = 14                         # FineWeb's 14 x 8: candidates from Jaccard ~0.72
    rows: int = 8
    ngram: int = 5
    seed: int = 42
    exact: bool = True                      # exact duplicates of normalised text
    urls: bool = True                       # same normalised URL
    representative: str = "earliest"        # earliest | latest | longest
    batch_rows: int = 2_000                 # documents sketched per batch
    memory_limit: str = "2GB"               # DuckDB's limit for the grouping steps (it spills beyond)
    threads: int = 2
    keep_work: bool = False                 # keep _dedup/<run>/ after success

    @classmethod
    def from_file(cls, path: str | Path, **overrides) -> "DedupConfig":
        data = load_mapping(path)
        data.update({k: v for k, v in overrides.items() if v is not None})
        return build(cls, data)

    def __post_init__(self):
        if self.representative not in ORDER:
            raise FatalError(f"representative must be one of {sorted(ORDER)}, not {self.representative!r}")
        self.params  # validates bands x rows

    @property
    def params(self) -> SketchParams:
        return SketchParams(self.num_perm, self.bands, self.rows, self.ngram, self.seed)

    @property
    def kinds(self) -> list[str]:
        return [f"band_{b:02d}" for b in range(self.bands)] + ["exact"] * self.exact + ["url"] * self.urls


@dataclass
class Plan:
    """The resolved inputs and folders of a run."""

    run: str
    shards: list[str]
    work: Path
    base: int = 0


@dataclass
class DedupSummary:
    run: str
    documents: int = 0
    kept: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    rounds: int = 0
    skipped: bool = False
    seconds: float = 0.0
    s_curve: list = field(default_factory=list)

    def format(self) -> str:
        if self.skipped:
            return f"dedup run {self.run}: already done (see the duplicates dataset)"
        rate = self.documents / self.seconds if self.seconds else 0.0
        lines = [f"dedup run {self.run}: {self.documents} documents, {self.kept} kept, "
                 f"{self.documents - self.kept} removed in {self.clusters} clusters ({self.rounds} rounds)"]
        lines += [f"  {reason}: {n}" for reason, n in sorted(self.removed.items())]
        lines.append("  candidate probability by Jaccard: "
                     + ", ".join(f"{s:.2f}->{p:.2f}" for s, p in self.s_curve))
        lines.append(f"time: {self.seconds:.1f}s, {rate:.0f} documents/s")
        return "\n".join(lines)


def input_shards(inputs) -> list[str]:
    """Expand files, globs and folders into a sorted, de-duplicated list of Parquet files."""
    found: set[str] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            folder = path / "pages" if (path / "pages").is_dir() else path
            hits = glob.glob(str(folder / "*.parquet"))
        else:
            hits = glob.glob(item) if any(c in item for c in "*?[") else ([item] if path.exists() else [])
        if not hits:
            raise FatalError(f"no Parquet input found at {item}")
        found.update(str(Path(h).resolve()) for h in hits)
    return sorted(found)


def plan(config: DedupConfig) -> Plan:
    shards = input_shards(config.inputs)
    run = config.run or "run-" + hashlib.sha1("\n".join(shards).encode()).hexdigest()[:12]
    work = Path(config.out) / "_dedup" / run
    base = DedupIndex(config.index, config.params).base_for(run) if config.index else 0
    return Plan(run, shards, work, base)


def _shard_name(i: int) -> str:
    return f"{i:06d}.parquet"


def sketch_shard(config: DedupConfig, plan: Plan, i: int) -> int:
    """Step 1 for input shard ``i``: write its docs and key files; returns documents sketched."""
    docs_path = plan.work / "sketch" / "docs" / _shard_name(i)
    if docs_path.exists():
        return pq.ParquetFile(docs_path).metadata.num_rows
    sketcher = Sketcher(config.params)
    pf = pq.ParquetFile(plan.shards[i])
    columns = [c for c in READ_COLUMNS if c in pf.schema_arrow.names]
    if "text" not in columns:
        raise FatalError(f"{plan.shards[i]} has no text column")
    keys: dict[str, list] = {k: [] for k in config.kinds}
    doc_batches = []
    row0 = 0
    for batch in pf.iter_batches(batch_size=config.batch_rows, columns=columns):
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
            "url_hash": pa.array(uh, pa.uint64())}, schema=SKETCH_DOCS))
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
        _write_atomic_table(table, plan.work / "sketch" / "keys" / f"kind={kind}" / _shard_name(i))
    docs = pa.concat_tables(doc_batches) if doc_batches else SKETCH_DOCS.empty_table()
    _write_atomic_table(docs, docs_path, SKETCH_DOCS)      # last: marks the shard done
    return docs.num_rows


def _first8(exact: list[bytes]) -> np.ndarray:
    return np.frombuffer(b"".join(e[:8] for e in exact), dtype="<u8").astype(np.uint64)


_KEY_SCHEMA = pa.schema([("shard", pa.int32()), ("row", pa.int64()), ("hash", pa.uint64())])


def _write_atomic_table(table: pa.Table, path: Path, schema: pa.Schema = _KEY_SCHEMA) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table.cast(schema), tmp, compression="zstd")
    tmp.replace(path)


def _connect(config: DedupConfig, plan: Plan) -> duckdb.DuckDBPyConnection:
    spill = plan.work / "duckdb-tmp"
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
    path = plan.work / "nodes.parquet"
    if not path.exists():
        con = _connect(config, plan)
        docs = _files([str(plan.work / "sketch" / "docs" / _shard_name(i)) for i in range(len(plan.shards))])
        write_query(con, f"""SELECT shard, row, {plan.base} + row_number() OVER (ORDER BY {ORDER[config.representative]}) - 1 AS node
                             FROM read_parquet({docs})""", path, _NODES)
        con.close()
    return pq.ParquetFile(path).metadata.num_rows


_NODES = pa.schema([("shard", pa.int32()), ("row", pa.int64()), ("node", pa.int64())])


def bucket_edges(config: DedupConfig, plan: Plan, kind: str) -> int:
    """Step 3 for one key kind: ``edges/kind=<kind>.parquet`` linking each document
    to the smallest node of every bucket it shares (a star per bucket keeps the
    components and avoids all pairs)."""
    path = plan.work / "edges" / f"kind={kind}.parquet"
    if path.exists():
        return pq.ParquetFile(path).metadata.num_rows
    con = _connect(config, plan)
    keys = sql_str(str(plan.work / "sketch" / "keys" / f"kind={kind}" / "*.parquet"))
    new = f"""SELECT k.hash, n.node FROM read_parquet({keys}) k
              JOIN read_parquet({sql_str(str(plan.work / 'nodes.parquet'))}) n USING (shard, row)"""
    old_files = DedupIndex(config.index, config.params).key_files(plan.run, kind) if config.index else []
    allk = f"SELECT hash, node FROM new"
    if old_files:
        allk += f" UNION ALL SELECT hash, node FROM read_parquet({_files(old_files)}) WHERE hash IN (SELECT hash FROM new)"
    sql = f"""WITH new AS ({new}), allk AS ({allk}),
              b AS (SELECT hash, min(node) AS peer FROM allk GROUP BY hash HAVING count(*) > 1)
              SELECT allk.node, b.peer FROM allk JOIN b USING (hash) WHERE allk.node <> b.peer"""
    rows = write_query(con, sql, path, EDGES)
    con.close()
    return rows


def decide(config: DedupConfig, plan: Plan, log=None) -> DedupSummary:
    """Step 4: components, the ``duplicates`` shards, the index generation, the ledger record."""
    con = _connect(config, plan)
    edge_files = [str(plan.work / "edges" / f"kind={k}.parquet") for k in config.kinds]
    rounds = components(con, f"SELECT node, peer FROM read_parquet({_files(edge_files)})", log=log)
    docs = _files([str(plan.work / "sketch" / "docs" / _shard_name(i)) for i in range(len(plan.shards))])
    con.execute(f"CREATE TEMP TABLE shards AS SELECT * FROM (VALUES {', '.join(f'({i}, {sql_str(p)})' for i, p in enumerate(plan.shards))}) t(shard, path)")
    con.execute(f"""CREATE TEMP VIEW docs AS SELECT d.*, n.node FROM read_parquet({docs}) d
                    JOIN read_parquet({sql_str(str(plan.work / 'nodes.parquet'))}) n USING (shard, row)""")
    old_docs = DedupIndex(config.index, config.params).doc_files(plan.run) if config.index else []
    info = "SELECT node, id, crawl, exact_hash, url_hash FROM docs"
    if old_docs:
        info += f" UNION ALL SELECT node, id, crawl, exact_hash, url_hash FROM read_parquet({_files(old_docs)})"
    con.execute("CREATE TEMP TABLE sizes AS SELECT label, count(*) AS size FROM labels GROUP BY label")
    sql = f"""
        WITH reps AS (SELECT * FROM ({info}) WHERE node IN (SELECT label FROM sizes)),
        dec AS (SELECT d.*, coalesce(l.label, d.node) AS cluster_id FROM docs d LEFT JOIN labels l USING (node))
        SELECT dec.id, dec.url, dec.crawl, dec.warc_path, dec.warc_offset, s.path AS source_shard,
               dec.row AS source_row, {sql_str(plan.run)} AS run, dec.node, dec.cluster_id,
               coalesce(z.size, 1) AS cluster_size, dec.cluster_id = dec.node AS keep,
               CASE WHEN dec.cluster_id = dec.node THEN NULL
                    WHEN dec.exact_hash = r.exact_hash THEN 'exact_duplicate'
                    WHEN dec.url_hash = r.url_hash THEN 'url_duplicate'
                    ELSE 'near_duplicate' END AS reason,
               CASE WHEN dec.cluster_id <> dec.node THEN r.id END AS duplicate_of,
               CASE WHEN dec.cluster_id <> dec.node THEN r.crawl END AS duplicate_of_crawl,
               NULL::FLOAT AS jaccard
        FROM dec JOIN shards s USING (shard)
        LEFT JOIN sizes z ON z.label = dec.cluster_id
        LEFT JOIN reps r ON r.node = dec.cluster_id
        ORDER BY dec.shard, dec.row"""
    key = f"dedup-{plan.run}"
    store = ShardStore(config.out, {"duplicates": DUPLICATES})
    writers = store.begin(key)
    summary = DedupSummary(run=plan.run, rounds=rounds, s_curve=s_curve(config.bands, config.rows))
    removed: dict[str, int] = {}
    reader = con.sql(sql).to_arrow_reader(50_000)
    try:
        for batch in reader:
            table = pa.Table.from_batches([batch]).cast(DUPLICATES)
            writers["duplicates"].write_table(table)
            summary.documents += table.num_rows
            for reason in table.column("reason").to_pylist():
                if reason:
                    removed[reason] = removed.get(reason, 0) + 1
    except BaseException:
        store.abort(key, writers)
        raise
    shards = store.commit(key, writers)
    summary.removed = removed
    summary.kept = summary.documents - sum(removed.values())
    summary.clusters = con.execute("SELECT count(*) FROM sizes").fetchall()[0][0]
    if config.index:
        _commit_index(con, config, plan, summary.documents)
    con.close()
    Ledger(config.out).record(Completion(key=key, source=",".join(plan.shards)[:2000], status=DONE,
                                         records=summary.documents, pages=summary.kept,
                                         rejected=summary.documents - summary.kept, reasons=removed,
                                         shards=shards, config=_fingerprint(config)))
    if not config.keep_work:
        shutil.rmtree(plan.work, ignore_errors=True)
    return summary


def _fingerprint(config: DedupConfig) -> dict:
    return {"params": asdict(config.params), "exact": config.exact, "urls": config.urls, "representative": config.representative}


def _commit_index(con, config: DedupConfig, plan: Plan, count: int) -> None:
    index = DedupIndex(config.index, config.params)
    if index.committed(plan.run):
        return
    staged = index.staging(plan.run)
    write_query(con, "SELECT node, id, crawl, exact_hash, url_hash FROM docs ORDER BY node",
                staged / "docs.parquet", INDEX_DOCS)
    nodes = sql_str(str(plan.work / "nodes.parquet"))
    for kind in config.kinds:
        keys = sql_str(str(plan.work / "sketch" / "keys" / f"kind={kind}" / "*.parquet"))
        write_query(con, f"""SELECT {sql_str(kind)} AS kind, k.hash, n.node FROM read_parquet({keys}) k
                             JOIN read_parquet({nodes}) n USING (shard, row) ORDER BY k.hash""",
                    staged / "keys" / f"kind={kind}" / "part-0.parquet", INDEX_KEYS)
    crawls = [r[0] for r in con.execute("SELECT DISTINCT crawl FROM docs WHERE crawl IS NOT NULL ORDER BY 1").fetchall()]
    index.commit(plan.run, staged, plan.base, count, crawls)


def is_done(config: DedupConfig, p: Plan) -> bool:
    return Ledger(config.out).is_done(f"dedup-{p.run}")


def _pool_map(fn, args: list[tuple], workers: int):
    """``fn(*a)`` for each ``a``, in order; in worker processes when ``workers`` > 1."""
    if workers <= 1 or len(args) <= 1:
        for a in args:
            yield fn(*a)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield from pool.map(fn, *zip(*args))


def run(config: DedupConfig, *, progress: bool = False, workers: int = 1, log=None) -> DedupSummary:
    """Run every step not yet done; ``workers`` processes share the per-shard and
    per-kind steps (flows/dedup.py maps the same steps on Dask instead)."""
    t0 = time.monotonic()
    p = plan(config)
    if is_done(config, p):
        return DedupSummary(run=p.run, skipped=True)
    say = log or (lambda msg: print(msg, file=sys.stderr) if progress else None)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(p.shards), unit=" shard", desc="sketch", file=sys.stderr, dynamic_ncols=True)
    docs = 0
    for n in _pool_map(sketch_shard, [(config, p, i) for i in range(len(p.shards))], workers):
        docs += n
        if bar is not None:
            bar.update()
            bar.set_postfix(docs=docs, rate=f"{docs / (time.monotonic() - t0):.0f}/s")
    if bar is not None:
        bar.close()
    say(f"numbered {number_nodes(config, p)} documents ({time.monotonic() - t0:.1f}s)")
    edges = sum(_pool_map(bucket_edges, [(config, p, kind) for kind in config.kinds], workers))
    say(f"{edges} candidate edges ({time.monotonic() - t0:.1f}s); clustering")
    summary = decide(config, p, log=say)
    summary.seconds = time.monotonic() - t0
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.dedup", description=__doc__.split("\n")[0])
    parser.add_argument("--config", required=True, help="TOML or YAML file with DedupConfig keys")
    args = parser.parse_args(argv)
    print(run(DedupConfig.from_file(args.config), progress=True).format())
    return 0


if __name__ == "__main__":
    sys.exit(main())
