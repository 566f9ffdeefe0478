"""Step 4 of a dedup run: components, the duplicates dataset, the index generation."""

from __future__ import annotations

import shutil
from dataclasses import asdict

import pyarrow as pa

from curate.dedup import DedupIndex, components, s_curve
from curate.io import Completion, Ledger, ShardStore
from curate.io._ledger import DONE
from curate.query import sql_str, write_query
from pipelines._dedup_plan import DedupConfig, DedupSummary, Plan
from pipelines._dedup_steps import _connect, _files, _shard_name
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
