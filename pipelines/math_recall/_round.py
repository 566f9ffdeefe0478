"""The steps of one math recall round, each resumable on its own (see pipelines/math_recall.py).

Step order in round N: grow the seed from round N-1 (accepted prefixes), train, score every
pages shard, select, discover domains and prefixes. Every step writes its output atomically
and is skipped when that output exists, so a killed run resumes at the first missing step.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb
import numpy as np

from curate import classify
from curate.classify import annotations
from curate.errors import FatalError, ShardError
from curate.io import DONE, ROUND_GLOB, Completion, Ledger, ShardStore, committed, round_dir, write_atomic
from curate.mix import get_tokenizer
from curate.query import files_sql, reader, sql_str, write_query
from pipelines.math_recall import _prefiltered as prefiltered
from pipelines._common import Transaction, input_key, write_table
from pipelines.dedup import read_batches
from schemas import MATH_DOMAINS, MATH_SCORES, MATH_SEED, MATH_SELECTED

SQL = Path(__file__).parents[1] / "sql"
_SCHEME = r"^[A-Za-z][A-Za-z0-9+.-]*://"


def files(out: str | Path, n: int, dataset: str) -> str:
    """SQL list literal of a round's committed shards of ``dataset`` (check :func:`has` first)."""
    return files_sql(committed(round_dir(out, n), dataset))


def has(out: str | Path, n: int, dataset: str) -> bool:
    return bool(committed(round_dir(out, n), dataset))


def prefix_sql(column: str, depth: int) -> str:
    """DuckDB expression: ``host/seg1/../segD`` of a URL column (the SQL twin of ``url_prefix``)."""
    host = f"lower(regexp_extract({column}, '{_SCHEME}(?:[^/?#@]*@)?([^/?#:]+)', 1))"
    path = f"regexp_extract({column}, '{_SCHEME}[^/?#]*((?:/[^/?#]+){{0,{depth}}})', 1)"
    return f"({host} || {path})"


def pages_list(shards: list[str]) -> str:
    return "[" + ", ".join(sql_str(s) for s in shards) + "]"


def _connect(config) -> duckdb.DuckDBPyConnection:
    # page shards may be objects (s3://): the connection reads them through fsspec
    con = reader([*getattr(config, "inputs", ()), *(getattr(config, "prefiltered", None) or ())])
    con.execute(f"SET memory_limit = {sql_str(config.memory_limit)}")
    con.execute("SET preserve_insertion_order = false")
    return con


# -- seed growth -------------------------------------------------------------------------------

def _match_expr(decisions: dict[str, annotations.Decision]) -> str | None:
    """CASE expression naming the accepted prefix a url lies under; the deepest decision wins."""
    by_depth: dict[int, dict[bool, list[str]]] = {}
    for d in decisions.values():
        by_depth.setdefault(d.prefix.count("/"), {True: [], False: []})[d.math].append(d.prefix.lower().rstrip("/"))
    if not any(v[True] for v in by_depth.values()):
        return None
    whens = []
    for depth in sorted(by_depth, reverse=True):
        expr = prefix_sql("s.url", depth)
        for math, items in ((False, by_depth[depth][False]), (True, by_depth[depth][True])):
            if items:
                values = ", ".join(sql_str(p) for p in sorted(items))
                whens.append(f"WHEN {expr} IN ({values}) THEN {expr if math else 'NULL'}")
    return "CASE " + " ".join(whens) + " END"


def grow_seed(config, n: int, shards: list[str], decisions: dict) -> int:
    """Write round ``n``'s ``math_seed``: pages of round n-1 under accepted prefixes, not collected."""
    target = round_dir(config.out, n) / "math_seed" / "seed.parquet"
    if target.exists():
        return _rows(target)
    matched = _match_expr(decisions)
    if n == 1 or matched is None:
        return _empty(target, MATH_SEED)
    sql = (SQL / "math_seed.sql").read_text().format(
        round=n, matched=matched, match=f"({matched}) IS NOT NULL", scores=files(config.out, n - 1, "math_scores"),
        pages=pages_list(shards), selected=files(config.out, n - 1, "math_selected"))
    con = _connect(config)
    try:
        return write_query(con, sql, target, MATH_SEED)
    finally:
        con.close()


def _empty(path: Path, schema) -> int:
    write_table(path, schema.empty_table())
    return 0


def _rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return pq.ParquetFile(path).metadata.num_rows


# -- training ----------------------------------------------------------------------------------

def _sample(items: list, k: int, seed: int) -> list:
    """A seeded sample of ``k`` items in their original order (reproducible)."""
    if len(items) <= k:
        return list(items)
    keep = np.sort(np.random.default_rng(seed).permutation(len(items))[:k])
    return [items[i] for i in keep]


def training_data(config, n: int, shards: list[str], base_seed: list[str]) -> tuple[list[str], list[str]]:
    """(positives, negatives) of round ``n``.

    Positives: every page added by rounds <= n (sampled uniformly they would drown in a large
    seed, and recalling them is the point of a round), then seed texts up to ``seed_size``.
    Negatives: whole random pages, excluding those and round n-1's selection, about
    ``negative_ratio`` per positive and at most ``negatives`` (training cuts both into windows)."""
    con = _connect(config)
    try:
        seed_glob = str(Path(config.out) / ROUND_GLOB / "math_seed" / "*.parquet")
        added = [t for _, t in con.execute(
            f"SELECT id, text FROM read_parquet({sql_str(seed_glob)}, hive_partitioning = false) "
            f"WHERE round <= {n} ORDER BY round, id").fetchall()][:config.seed_size]
        positives = _sample(list(base_seed), max(0, config.seed_size - len(added)), config.seed) + added
        want = int(min(config.negatives, max(1, round(config.negative_ratio * len(positives)))))
        exclude = [f"SELECT id FROM read_parquet({sql_str(seed_glob)}, hive_partitioning = false) WHERE round <= {n}"]
        if n > 1:
            exclude.append(f"SELECT id FROM read_parquet({files(config.out, n - 1, 'math_selected')}, "
                           "hive_partitioning = false)")
        sql = (SQL / "math_negatives.sql").read_text().format(
            pages=pages_list(shards), exclude="(" + " UNION ALL ".join(exclude) + ")", seed=sql_str(str(config.seed)),
            limit=want, markup="AND NOT coalesce(p.has_math, false)" if config.negatives_skip_math_markup else "")
        pages = [r[0] for r in con.execute(sql).fetchall()]
    finally:
        con.close()
    if not pages:
        markup = ", or carries math markup (negatives_skip_math_markup)" if config.negatives_skip_math_markup else ""
        raise FatalError(f"round {n}: no page left to sample as a negative: every page of the inputs is in the "
                         f"seed{', was selected by round ' + str(n - 1) if n > 1 else ''}{markup}; add pages to "
                         "inputs or select fewer (token_budget, threshold)")
    # Whole pages: training cuts them (and the positives) into windows of train_words after the
    # hold-out is set aside, so the hold-out is judged page by page, as pages are scored.
    return positives, pages


def train_round(config, n: int, positives: list[str], negatives: list[str]) -> dict:
    """Train round ``n``'s model (skipped when its metadata record exists); returns the record.

    A model that fails validation (``record["weakness"]``) stops the run before anything is
    selected, unless ``allow_weak_model``; its files are moved aside (``model.bin.weak.json``)
    so that a rerun with more data trains afresh."""
    path = round_dir(config.out, n) / "model.bin"
    meta = Path(str(path) + ".json")
    if meta.exists() and path.exists():
        return check_model(config, n, json.loads(meta.read_text()))
    if not positives or not negatives:
        raise FatalError(f"round {n}: need positives and negatives (have {len(positives)} and {len(negatives)})")
    record = classify.train_with_validation(
        positives, negatives, path, config.train_settings(), holdout=config.holdout,
        threshold="auto" if config.threshold in ("auto", None) else config.threshold,
        target_precision=config.target_precision, max_fpr=config.max_fpr, chunk_words=config.score_chunk_words,
        train_words=config.train_words, max_train_words=config.max_train_words, round=n,
        parent_round=n - 1 if n > 1 else None, seed_positives=len(positives), sampled_negatives=len(negatives))
    record["model_id"] = f"r{n}-" + classify.model_id(path).split("-", 1)[1]
    if record["weakness"] and not config.allow_weak_model:     # set aside: a rerun retrains
        write_atomic(path.with_name("model.bin.weak.json"), json.dumps(record, indent=1).encode())
        path.unlink()
        meta.unlink(missing_ok=True)
    else:
        write_atomic(meta, json.dumps(record, indent=1).encode())
    return check_model(config, n, record)


def check_model(config, n: int, record: dict) -> dict:
    """``record``, or a one-line FatalError if the model is weak and weak models are not allowed."""
    weak = record.get("weakness")
    if weak and not config.allow_weak_model:
        raise FatalError(f"round {n}: the model is too weak to select with: {weak} "
                         "(allow_weak_model = true overrides this)")
    if weak:
        print(f"WARNING: round {n} selects with a weak model (allow_weak_model): {weak}", file=sys.stderr)
    return record


def operating_threshold(config, record: dict) -> float:
    """The score threshold round selection uses: the config's number, else the model's operating one."""
    if isinstance(config.threshold, (int, float)):
        return float(config.threshold)
    if config.threshold is None and config.token_budget is not None:
        return 0.0
    return float(record["operating_threshold"])


# -- scoring -----------------------------------------------------------------------------------

def score_shard(config, n: int, shard: str, model_id: str) -> Completion:
    """Score one pages shard with round ``n``'s model into ``round=n/math_scores`` (ledger-tracked)."""
    root = round_dir(config.out, n)
    return score_into(root, str(root / "model.bin"), model_id, shard, n, tokenizer=config.tokenizer,
                      batch_rows=config.batch_rows, chunk_words=config.score_chunk_words)


def score_into(root: str | Path, model: str, model_id: str, shard: str, round_: int, *, tokenizer: str | None,
               batch_rows: int, chunk_words: int | None) -> Completion:
    """Score one pages shard with ``model`` into ``root/math_scores`` (one ledger record per shard:
    a rerun skips it; a bad shard is recorded as failed and retried on the next run)."""
    import pyarrow as pa

    key = input_key("score", shard)
    ledger = Ledger(root)
    if ledger.is_done(key):
        return ledger.get(key)
    counter = get_tokenizer(tokenizer)
    store = ShardStore(root, {"math_scores": MATH_SCORES})
    done = Completion(key=key, source=shard, status=DONE, config={"model": model_id, "tokenizer": counter.name})
    row0 = 0
    # a bad shard is recorded as failed and retried on the next run; others go on
    with Transaction(store, done, root) as tx:
        for batch, cols in read_batches(shard, ["id", "url", "domain", "host", "text"], batch_rows, ShardError):
            texts = batch.column("text")
            scores = classify.score(model, texts.to_pylist(), chunk_words)
            tokens = counter.count(texts)
            meta = {c: batch.column(c).to_pylist() if c in cols else [None] * batch.num_rows
                    for c in ("id", "url", "domain", "host")}
            table = pa.table({**meta, "source_shard": [shard] * batch.num_rows,
                              "source_row": np.arange(row0, row0 + batch.num_rows), "round": [round_] * batch.num_rows,
                              "model": [model_id] * batch.num_rows, "math_score": scores, "n_tokens": tokens})
            tx.writers["math_scores"].write_table(table.select(MATH_SCORES.names).cast(MATH_SCORES))
            row0 += batch.num_rows
        done.records = done.pages = row0
    done = tx.done
    return done


# -- selection and discovery -------------------------------------------------------------------

def select(config, n: int, threshold: float) -> int:
    """Write round ``n``'s ``math_selected``: top pages scoring at least ``threshold``, up to the token budget."""
    return select_into(config, round_dir(config.out, n), files(config.out, n, "math_scores"), threshold,
                       previous=files(config.out, n - 1, "math_selected") if n > 1 else None)


def select_into(config, root: Path, scores: str, threshold: float, previous: str | None = None) -> int:
    """Write ``root/math_selected/selected.parquet`` from the ``scores`` files (a SQL list literal)."""
    target = Path(root) / "math_selected" / "selected.parquet"
    if target.exists():
        return _rows(target)
    previous = (f"read_parquet({previous}, hive_partitioning = false)" if previous
                else "(SELECT NULL::VARCHAR AS id WHERE false)")
    budget = getattr(config, "token_budget", None)
    sql = (SQL / "math_select.sql").read_text().format(
        scores=scores, previous=previous, threshold=float(threshold),
        budget=int(budget if budget is not None else 2 ** 62))
    con = _connect(config)
    try:
        return write_query(con, sql, target, MATH_SELECTED)
    finally:
        con.close()


def discover(config, n: int, decisions: dict) -> list[dict]:
    """Write round ``n``'s ``math_domains`` table (domains, and prefixes with any recorded decision)."""
    target = round_dir(config.out, n) / "math_domains" / "domains.parquet"
    if not target.exists():
        sql = (SQL / "math_domains.sql").read_text().format(
            scores=files(config.out, n, "math_scores"), selected=files(config.out, n, "math_selected"),
            share=float(config.domain_share), min_pages=int(config.domain_min_pages),
            prefix=prefix_sql("p.url", config.prefix_depth), round=n, prefiltered=prefiltered.relation(config))
        con = _connect(config)
        try:
            write_query(con, sql, target, MATH_DOMAINS)
        finally:
            con.close()
    return review_table(target, decisions)


def review_table(path: Path, decisions: dict) -> list[dict]:
    """Math-domain and prefix rows of a ``math_domains`` file, with the current decisions filled in."""
    import pyarrow.parquet as pq

    # only math domains and their prefixes: the whole table has a row per domain of the crawl
    table = pq.read_table(path, filters=[[("level", "=", "prefix")], [("math_domain", "=", True)]])
    return apply_decisions(table.to_pylist(), decisions)


def apply_decisions(rows: list[dict], decisions: dict) -> list[dict]:
    """Fill ``decision``/``decided_by`` of prefix rows from ``decisions`` (in place; returns rows)."""
    for r in rows:
        d = decisions.get(r["prefix"]) if r["prefix"] else None
        if d is not None:
            r["decision"], r["decided_by"] = ("math" if d.math else "not_math"), d.by
    return rows
