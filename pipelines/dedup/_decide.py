"""Step 4 of a dedup run: components, the duplicates dataset, the index generation."""

from __future__ import annotations

import shutil
from dataclasses import asdict

import pyarrow as pa

from curate.dedup import DedupIndex, components, s_curve
from curate.io import Completion, ShardStore
from curate.io._ledger import DONE
from curate.query import sql_str, write_query
from pipelines._common import Transaction
from pipelines.dedup._plan import DedupConfig, DedupSummary, Plan
from pipelines.dedup._steps import _connect, _files, _shard_name
from pipelines.dedup._verify import pair_jaccards
from schemas import DUPLICATES
from schemas.dedup import INDEX_DOCS, INDEX_KEYS

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
        shutil.rmtree(plan.work, ignore_errors=True)
    return summary


def _shard_sql(config: DedupConfig, plan: Plan, i: int, path: str) -> str:
    docs = sql_str(str(plan.work / "sketch" / "docs" / _shard_name(i)))
    nodes = sql_str(str(plan.work / "nodes.parquet"))
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


def _verify(con, config: DedupConfig, log) -> None:
    """Fill ``verified(node, jaccard)`` for documents whose representative is in this run."""
    pairs = con.execute("""
        SELECT d.node, sd.path, d.row, sr.path, r.row FROM docs d
        JOIN labels l ON l.node = d.node AND l.label <> d.node
        JOIN docs r ON r.node = l.label
        JOIN shards sd ON sd.shard = d.shard JOIN shards sr ON sr.shard = r.shard
        WHERE d.exact_hash <> r.exact_hash AND d.url_hash IS DISTINCT FROM r.url_hash
        ORDER BY d.node""").fetchall()
    js = pair_jaccards([p[1:] for p in pairs], config.ngram)
    table = pa.table({"node": pa.array([p[0] for p in pairs], pa.int64()), "jaccard": pa.array(js, pa.float32())})
    con.register("verified_pairs", table)
    con.execute("INSERT INTO verified SELECT node, jaccard FROM verified_pairs")
    con.unregister("verified_pairs")
    if log:
        below = sum(j < config.jaccard_threshold for j in js)
        log(f"verified {len(js)} near-duplicate pairs: {below} below Jaccard {config.jaccard_threshold}, kept")


def _fingerprint(config: DedupConfig) -> dict:
    return {"params": asdict(config.params), "verify": config.verify, "exact": config.exact, "urls": config.urls, "representative": config.representative}


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
