"""Step 4 of a dedup run: components, the duplicates dataset, the index generation."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pyarrow as pa

from curate.dedup import DedupIndex, components, s_curve
from curate.io import Completion, DONE, ShardStore
from curate.query import sql_str, write_query
from pipelines._common import Transaction, pool_map, pool_workers
from pipelines.dedup._plan import DedupConfig, DedupSummary, Plan, retire
from pipelines.dedup._steps import NODES_REL, _connect, _files, docs_rel, edges_rel, keys_rel, signature_jaccard
from pipelines.dedup._verify import pair_jaccards
from schemas import DUPLICATES
from schemas.dedup import INDEX_DOCS, INDEX_KEYS

def decide(config: DedupConfig, plan: Plan, log=None) -> DedupSummary:
    """Step 4: components, the ``duplicates`` shards, the index generation, the ledger record."""
    con = _connect(config, plan)
    work = plan.work
    # this step may run on a machine other than the earlier ones: fetch what it reads
    edge_files = [str(p) for p in work.fetch([edges_rel(k) for k in config.kinds])]
    docs = _files([str(p) for p in work.fetch([docs_rel(i) for i in range(len(plan.shards))])])
    nodes = sql_str(str(work.fetch([NODES_REL])[0]))
    con.execute(f"CREATE TEMP TABLE shards AS SELECT * FROM (VALUES {', '.join(f'({i}, {sql_str(p)})' for i, p in enumerate(plan.shards))}) t(shard, path)")
    con.execute(f"""CREATE TEMP VIEW docs AS SELECT d.*, n.node FROM read_parquet({docs}) d
                    JOIN read_parquet({nodes}) n USING (shard, row)""")
    con.execute("CREATE TEMP TABLE verified (node BIGINT, jaccard FLOAT)")
    if config.verify:
        # edges are verified before clustering: components of verified pairs (a chain of close
        # copies stays one cluster even when its smallest node is far from some of them)
        band = [f for k, f in zip(config.kinds, edge_files) if k.startswith("band_")]
        other = [f for k, f in zip(config.kinds, edge_files) if not k.startswith("band_")]
        _verify_edges(con, config, band, log)
        edges = "SELECT node, peer FROM vedges"
        if other:
            edges += f" UNION ALL SELECT node, peer FROM read_parquet({_files(other)})"
    else:
        edges = f"SELECT node, peer FROM read_parquet({_files(edge_files)})"
    rounds = components(con, edges, log=log)
    old_docs = DedupIndex(config.index, config.params).doc_files(plan.run) if config.index else []
    info = "SELECT node, id, crawl, exact_hash, url_hash FROM docs"
    if old_docs:
        info += f" UNION ALL SELECT node, id, crawl, exact_hash, url_hash FROM read_parquet({_files(old_docs)})"
    con.execute("CREATE TEMP TABLE sizes AS SELECT label, count(*) AS size FROM labels GROUP BY label")
    con.execute(f"CREATE TEMP TABLE reps AS SELECT * FROM ({info}) WHERE node IN (SELECT label FROM sizes)")
    key = f"dedup-{plan.run}"
    store = ShardStore(config.out, {"duplicates": DUPLICATES})
    done = Completion(key=key, source=",".join(plan.shards)[:2000], status=DONE,
                      config={**_fingerprint(config), "inputs": plan.shards,
                              # readers stop seeing the replaced runs' rows the moment this record exists
                              **({"supersedes": plan.supersedes} if plan.supersedes else {})})
    summary = DedupSummary(run=plan.run, rounds=rounds, s_curve=s_curve(config.bands, config.rows))
    removed: dict[str, int] = {}
    # All or nothing, with the completion record; any error aborts and is raised (no input to skip).
    with Transaction(store, done, config.out, input_errors=()) as tx:
        # one query per input shard: each sorts one shard's rows, so memory follows the shard size
        for i, path in enumerate(plan.shards):
            reader = con.sql(_shard_sql(config, plan, i, path)).to_arrow_reader(50_000)
            for batch in reader:
                table = pa.Table.from_batches([batch]).cast(DUPLICATES)
                tx.writers["duplicates"].write_table(table)
                summary.documents += table.num_rows
                for reason in table.column("reason").drop_null().to_pylist():
                    removed[reason] = removed.get(reason, 0) + 1
        summary.removed = removed
        summary.kept = summary.documents - sum(removed.values())
        summary.clusters = con.execute("SELECT count(*) FROM sizes").fetchall()[0][0]
        done.records, done.pages, done.rejected, done.reasons = (summary.documents, summary.kept,
                                                                 summary.documents - summary.kept, removed)
        if config.index:
            # before the record: a rerun after a crash here finds the generation and leaves it as is
            _commit_index(con, config, plan, summary.documents)
    con.close()
    retire(config, plan.supersedes)          # after the new rows are committed: never no dedup at all
    if not config.keep_work:
        work.remove()
    return summary


def _shard_sql(config: DedupConfig, plan: Plan, i: int, path: str) -> str:
    docs = sql_str(str(plan.work / docs_rel(i)))
    nodes = sql_str(str(plan.work / NODES_REL))
    return f"""
        WITH dec AS (
            SELECT d.*, n.node, coalesce(l.label, n.node) AS cluster_id, v.jaccard,
                   coalesce(l.label, n.node) <> n.node AS removed
            FROM read_parquet({docs}) d
            JOIN (SELECT row, node FROM read_parquet({nodes}) WHERE shard = {i}) n USING (row)
            LEFT JOIN labels l ON l.node = n.node LEFT JOIN verified v ON v.node = n.node)
        SELECT dec.id, dec.url, dec.crawl, dec.warc_path, dec.warc_offset, {sql_str(path)} AS source_shard,
               dec.row AS source_row, {sql_str(plan.run)} AS run, dec.node, dec.cluster_id,
               coalesce(z.size, 1) AS cluster_size, NOT dec.removed AS keep,
               CASE WHEN NOT dec.removed THEN NULL
                    WHEN dec.exact_hash = r.exact_hash THEN 'exact_duplicate'
                    WHEN dec.url_hash = r.url_hash THEN 'url_duplicate'
                    ELSE 'near_duplicate' END AS reason,
               CASE WHEN dec.removed THEN r.id END AS duplicate_of,
               CASE WHEN dec.removed THEN r.crawl END AS duplicate_of_crawl,
               dec.jaccard
        FROM dec
        LEFT JOIN sizes z ON z.label = dec.cluster_id
        LEFT JOIN reps r ON r.node = dec.cluster_id
        ORDER BY dec.row"""


# Estimates this close to the threshold (about one standard error) are settled by exact Jaccard:
# a far pair (true 0.53) reaches 0.75 with probability below 1e-5, a near one (0.82) falls to 0.65
# about as rarely; the exact checks cost re-reading texts, so the band is kept narrow.
AMBIGUOUS = 0.05


def _verify_edges(con, config: DedupConfig, band_files: list[str], log) -> None:
    """``vedges(node, peer)``: the band edges whose pair is similar enough, and ``verified(node,
    jaccard)``: each document's best verified similarity.

    Each pair's Jaccard is first estimated from the two MinHash signatures (the share of equal
    values; standard error about 0.043 at 0.7 with 112 permutations), streamed from the sketch
    files. Estimates within ``AMBIGUOUS`` of the threshold are replaced by the exact Jaccard of the
    shingles (only those pairs' texts are read again). An edge to a document of an earlier run
    (no signature here) is kept as the index found it."""
    con.execute("CREATE TEMP TABLE vedges (node BIGINT, peer BIGINT)")
    if not band_files:
        return
    con.execute(f"""CREATE TEMP TABLE cand AS SELECT DISTINCT least(node, peer) AS a, greatest(node, peer) AS b
                    FROM read_parquet({_files(band_files)}) WHERE node <> peer""")
    reader = con.sql("""
        SELECT c.a, c.b, x.signature AS sa, y.signature AS sb, sx.path AS a_path, x.row AS a_row,
               sy.path AS b_path, y.row AS b_row
        FROM cand c JOIN docs x ON x.node = c.a JOIN docs y ON y.node = c.b
        JOIN shards sx ON sx.shard = x.shard JOIN shards sy ON sy.shard = y.shard
        ORDER BY c.a, c.b""").to_arrow_reader(50_000)
    a_all, b_all, estimates, unsure = [], [], [], []
    for batch in reader:
        js = signature_jaccard(batch.column("sa"), batch.column("sb"))
        close = np.flatnonzero(np.abs(js - config.jaccard_threshold) < AMBIGUOUS)
        if len(close):
            cols = [batch.column(c).take(pa.array(close)).to_pylist() for c in ("a_path", "a_row", "b_path", "b_row")]
            unsure.append((sum(len(e) for e in estimates) + close, list(zip(*cols))))
        a_all.append(batch.column("a").to_numpy())
        b_all.append(batch.column("b").to_numpy())
        estimates.append(js)
    js = np.concatenate(estimates) if estimates else np.zeros(0, np.float32)
    if unsure:
        where = np.concatenate([w for w, _ in unsure])
        pairs = [p for _, ps in unsure for p in ps]
        order = sorted(range(len(pairs)), key=lambda k: pairs[k])    # chunks read few row groups
        exact = _exact([pairs[k] for k in order], config.ngram)
        js[where[order]] = np.asarray(exact, np.float32)
    a = np.concatenate(a_all) if a_all else np.zeros(0, np.int64)
    b = np.concatenate(b_all) if b_all else np.zeros(0, np.int64)
    con.register("checked", pa.table({"a": a, "b": b, "jaccard": js}))
    con.execute(f"INSERT INTO vedges SELECT a, b FROM checked WHERE jaccard >= {config.jaccard_threshold}")
    # pairs without signatures on both sides (a document of an earlier run): as the index found them
    con.execute("""INSERT INTO vedges SELECT c.a, c.b FROM cand c
                   WHERE NOT (c.a IN (SELECT node FROM docs) AND c.b IN (SELECT node FROM docs))""")
    con.execute(f"""INSERT INTO verified SELECT node, max(jaccard) FROM (
                        SELECT a AS node, jaccard FROM checked WHERE jaccard >= {config.jaccard_threshold}
                        UNION ALL SELECT b, jaccard FROM checked WHERE jaccard >= {config.jaccard_threshold})
                    GROUP BY node""")
    con.unregister("checked")
    if log:
        below = int((js < config.jaccard_threshold).sum())
        log(f"verified {len(js)} candidate pairs ({sum(len(p) for _, p in unsure)} by exact Jaccard): "
            f"{below} below {config.jaccard_threshold}, not linked")


def _exact(ordered: list, ngram: int) -> list[float]:
    """Exact Jaccard of the (sorted) ``ordered`` pairs, over the run's worker processes when it has
    them: contiguous slices, so each process reads few row groups (measured: 10.0 s of 17 s for
    100,000 documents in one process, the rest of the run already parallel)."""
    workers = pool_workers()
    size = max(2_000, -(-len(ordered) // (4 * workers)))
    parts = [(ordered[i:i + size], ngram) for i in range(0, len(ordered), size)]
    return [j for part in pool_map(pair_jaccards, parts, workers) for j in part]


def _fingerprint(config: DedupConfig) -> dict:
    return {"params": asdict(config.params), "verify": config.verify, "exact": config.exact, "urls": config.urls, "representative": config.representative}


def _commit_index(con, config: DedupConfig, plan: Plan, count: int) -> None:
    index = DedupIndex(config.index, config.params)
    if index.committed(plan.run):
        return
    staged = index.staging(plan.run)
    write_query(con, "SELECT node, id, crawl, exact_hash, url_hash FROM docs ORDER BY node",
                staged / "docs.parquet", INDEX_DOCS)
    nodes = sql_str(str(plan.work / NODES_REL))
    for kind in config.kinds:
        keys = _files([str(p) for p in plan.work.fetch([keys_rel(kind, i) for i in range(len(plan.shards))])])
        write_query(con, f"""SELECT {sql_str(kind)} AS kind, k.hash, n.node FROM read_parquet({keys}) k
                             JOIN read_parquet({nodes}) n USING (shard, row) ORDER BY k.hash""",
                    staged / "keys" / f"kind={kind}" / "part-0.parquet", INDEX_KEYS)
    crawls = [r[0] for r in con.execute("SELECT DISTINCT crawl FROM docs WHERE crawl IS NOT NULL ORDER BY 1").fetchall()]
    index.commit(plan.run, staged, plan.base, count, crawls)
