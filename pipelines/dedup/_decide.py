"""Step 4 of a dedup run: components, the duplicates dataset, the index generation."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pyarrow as pa

from curate.dedup import DedupIndex, components, s_curve
from curate.io import Completion, ShardStore
from curate.io._ledger import DONE
from curate.query import sql_str, write_query
from pipelines._common import Transaction
from pipelines.dedup._plan import DedupConfig, DedupSummary, Plan
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
    rounds = components(con, f"SELECT node, peer FROM read_parquet({_files(edge_files)})", log=log)
    docs = _files([str(p) for p in work.fetch([docs_rel(i) for i in range(len(plan.shards))])])
    nodes = sql_str(str(work.fetch([NODES_REL])[0]))
    con.execute(f"CREATE TEMP TABLE shards AS SELECT * FROM (VALUES {', '.join(f'({i}, {sql_str(p)})' for i, p in enumerate(plan.shards))}) t(shard, path)")
    con.execute(f"""CREATE TEMP VIEW docs AS SELECT d.*, n.node FROM read_parquet({docs}) d
                    JOIN read_parquet({nodes}) n USING (shard, row)""")
    old_docs = DedupIndex(config.index, config.params).doc_files(plan.run) if config.index else []
    info = "SELECT node, id, crawl, exact_hash, url_hash FROM docs"
    if old_docs:
        info += f" UNION ALL SELECT node, id, crawl, exact_hash, url_hash FROM read_parquet({_files(old_docs)})"
    con.execute("CREATE TEMP TABLE sizes AS SELECT label, count(*) AS size FROM labels GROUP BY label")
    con.execute(f"CREATE TEMP TABLE reps AS SELECT * FROM ({info}) WHERE node IN (SELECT label FROM sizes)")
    con.execute("CREATE TEMP TABLE verified (node BIGINT, jaccard FLOAT)")
    if config.verify:
        _verify(con, config, log)
    key = f"dedup-{plan.run}"
    store = ShardStore(config.out, {"duplicates": DUPLICATES})
    done = Completion(key=key, source=",".join(plan.shards)[:2000], status=DONE,
                      config={**_fingerprint(config), "inputs": plan.shards})
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
    if not config.keep_work:
        work.remove()
    return summary


def _shard_sql(config: DedupConfig, plan: Plan, i: int, path: str) -> str:
    docs = sql_str(str(plan.work / docs_rel(i)))
    nodes = sql_str(str(plan.work / NODES_REL))
    return f"""
        WITH dec AS (
            SELECT d.*, n.node, coalesce(l.label, n.node) AS cluster_id, v.jaccard,
                   coalesce(l.label, n.node) <> n.node AND coalesce(v.jaccard >= {config.jaccard_threshold}, true)
                   AS removed
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


def _verify(con, config: DedupConfig, log) -> None:
    """Fill ``verified(node, jaccard)`` for documents whose representative is in this run.

    The Jaccard of each candidate with its representative is first estimated from their MinHash
    signatures (the share of equal values; standard error about 0.043 at 0.7 with 112
    permutations), streamed from the sketch files. Estimates within ``AMBIGUOUS`` of the
    threshold, where the estimate could decide wrongly, are replaced by the exact Jaccard of the
    shingles (the texts of those pairs only are read again). So no text is re-read for most
    pairs, memory stays flat, and no pair is merged on a wrong estimate."""
    reader = con.sql("""
        SELECT d.node, d.signature AS a, r.signature AS b, sd.path AS d_path, d.row AS d_row,
               sr.path AS r_path, r.row AS r_row FROM docs d
        JOIN labels l ON l.node = d.node AND l.label <> d.node
        JOIN docs r ON r.node = l.label
        JOIN shards sd ON sd.shard = d.shard JOIN shards sr ON sr.shard = r.shard
        WHERE d.exact_hash <> r.exact_hash AND d.url_hash IS DISTINCT FROM r.url_hash""").to_arrow_reader(50_000)
    nodes, estimates, unsure = [], [], []          # small per candidate; the signatures stream through
    for batch in reader:
        js = signature_jaccard(batch.column("a"), batch.column("b"))
        close = np.flatnonzero(np.abs(js - config.jaccard_threshold) < AMBIGUOUS)
        if len(close):
            cols = [batch.column(c).take(pa.array(close)).to_pylist() for c in ("d_path", "d_row", "r_path", "r_row")]
            unsure.append((sum(len(e) for e in estimates) + close, list(zip(*cols))))
        nodes.append(batch.column("node").cast(pa.int64()).to_numpy())
        estimates.append(js)
    js = np.concatenate(estimates) if estimates else np.zeros(0, np.float32)
    if unsure:
        where = np.concatenate([w for w, _ in unsure])
        pairs = [p for _, ps in unsure for p in ps]
        order = sorted(range(len(pairs)), key=lambda k: pairs[k])    # chunks read few row groups
        exact = pair_jaccards([pairs[k] for k in order], config.ngram)
        js[where[order]] = np.asarray(exact, np.float32)
    table = pa.table({"node": np.concatenate(nodes) if nodes else np.zeros(0, np.int64), "jaccard": js})
    con.register("verified_pairs", table)
    con.execute("INSERT INTO verified SELECT node, jaccard FROM verified_pairs")
    con.unregister("verified_pairs")
    if log:
        below = int((js < config.jaccard_threshold).sum())
        exact = sum(len(p) for _, p in unsure)
        log(f"verified {len(js)} near-duplicate candidates ({exact} by exact Jaccard): {below} below "
            f"{config.jaccard_threshold}, kept")


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
