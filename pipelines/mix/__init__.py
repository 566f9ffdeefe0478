"""Mixture job: datasets in, shuffled ``mixture`` shards and a manifest out.

Steps (each resumable; declared once as ``STEPS``, run here or mapped on Dask by its flow, flows/jobs.py):

1. ``count_tokens``  per input shard: a token-count file aligned with its rows, cached
                     under ``<root>/_tokens/<tokenizer>/<dataset>/`` (mixing never re-tokenises),
                     and the rows passing each source's filter (so those queries run in parallel)
2. ``plan_selection`` per source: candidate rows (SQL filter, removed ids left out), then
                     whole passes plus a seeded partial pass to the token budget
                     (``curate.mix.select``); every pick gets a seeded shuffle key
3. ``route``         per input shard: its picked rows into bucket files by key
4. ``write_bucket``  per output shard: one bucket sorted by key -> ``mixture/part-NNNNN.parquet``
   ``tokenize``      (format megatron) per output shard: ``megatron/part-NNNNN.bin/.idx`` and the
                     lineage rows ``mixture_tokens/part-NNNNN.parquet``
5. ``finish``        the manifest: spec, seed, tokenizer, inputs with sha256, per-source rows,
                     tokens, epochs and shortfalls, outputs with sha256.

Same spec and inputs, same bytes: ``curate mix --rebuild manifest.json --out DIR`` checks the
inputs' checksums and rebuilds the identical mixture.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from curate.errors import FatalError
from curate.io import RemoteRoot, file_stamp, open_read, parquet_file, publish, storage_root, write_atomic
from curate.mix import get_tokenizer, select
from pipelines._job import Job, Param
from pipelines._steps import Map, Single, Steps
from pipelines.mix._inputs import (_write, candidates, count_tokens, ids_cache, read_ipc, read_meta, read_text,
                                  save_candidates, source_files, text_columns, write_ipc)
from pipelines.mix._removals import NOTHING_EXCLUDED, check_coverage, removal_sets
from pipelines.mix._spec import MixSpec, SourceSpec, load_spec, spec_from_mapping
from schemas import MIXTURE, MIXTURE_TOKENS

__all__ = ["JOB", "MixSpec", "SourceSpec", "built", "count_tokens", "existing", "finish", "format_manifest", "load_spec", "plan_selection", "rebuild", "route", "run",
           "source_files", "write_bucket"]

TOKENIZE_BATCH = 1_000          # rows encoded per call when writing Megatron files (bounded memory)

_ITEMS = pa.schema([("src", pa.int16()), ("row", pa.int64()), ("epoch", pa.int32()), ("tokens", pa.int64())])


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, vectorised (uint64 arithmetic wraps, as the hash wants)."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def shuffle_keys(seed: int, shard: np.ndarray, src: int, row: np.ndarray, epoch: np.ndarray) -> np.ndarray:
    """Each pick's shuffle key: a hash of (seed, input shard, source, row, pass). A function of
    the pick alone, so keys need no global sort to assign and are the same whatever the order
    picks are made in (the plan stays linear in the number of picks)."""
    base = _mix64(np.array([seed & (2**64 - 1)], np.uint64))[0]
    h = _mix64(base ^ shard.astype(np.uint64))
    h = _mix64(h ^ ((np.uint64(src) << np.uint64(32)) | epoch.astype(np.uint64)))
    return _mix64(h ^ row.astype(np.uint64))


def plan_selection(spec: MixSpec, work: Path, sets: list | None = None) -> dict:
    """Step 2: ``work/items/<shard>.arrow`` (every pick of an input shard with its shuffle key and
    output bucket) and per-source stats in ``work/plan.json``. Linear in the picks: candidates
    come in (shard, row) order, a selection is whole passes plus one partial pass (no per-pass
    arrays), and keys are hashes (no sort). ``sets``: each source's removal sets, when the run
    has read them already."""
    inputs: list[str] = []
    picks = []                                   # per source: (global shard of each pick, columns)
    stats = []
    for s, src in enumerate(spec.sources):
        files = source_files(spec, src)
        inputs += [f for f in files if f not in inputs]
        applied = sets[s] if sets is not None else removal_sets(src, spec.root_of(src))
        uncovered = check_coverage(src, applied, files)
        shard_of, rows, excluded = candidates(spec, src, files, applied, work, s)
        per_file = [count_tokens(spec, src, f) for f in files]
        offsets = np.concatenate([[0], np.cumsum([len(t) for t in per_file])]).astype(np.int64)
        tokens = np.concatenate(per_file).astype(np.int64)[offsets[shard_of] + rows] if len(rows) else \
            np.zeros(0, np.int64)
        chosen = select(tokens, spec.budget(src), src.max_epochs, spec.seed, src.name)
        counts = chosen.counts()
        pick = np.repeat(np.arange(len(rows), dtype=np.int64), counts)      # candidate order: by shard, row
        first = np.cumsum(counts, dtype=np.int64) - counts
        epoch = (np.arange(len(pick), dtype=np.int64) - np.repeat(first, counts)).astype(np.int32)
        glob_shard = np.array([inputs.index(f) for f in files], dtype=np.int32)
        shard = glob_shard[shard_of[pick]] if len(pick) else np.zeros(0, np.int32)
        cols = {"row": rows[pick], "epoch": epoch, "tokens": tokens[pick]}
        if len(shard) and np.any(np.diff(shard) < 0):        # files shared with an earlier source
            order = np.argsort(shard, kind="stable")
            shard, cols = shard[order], {k: v[order] for k, v in cols.items()}
        picks.append((s, shard, cols))
        stats.append({"name": src.name, "dataset": src.dataset, "where": src.where, "candidates": int(len(rows)),
                      "available_tokens": chosen.available, "target_tokens": chosen.target,
                      "rows": int(len(pick)), "tokens": chosen.tokens, "epochs": round(chosen.epochs, 4),
                      "short_by": chosen.short_by, "short_reason": chosen.short_reason,
                      "removals": [{**r.describe(), "excluded": int(n)} for r, n in zip(applied, excluded)],
                      # each row once: a page both dedup and the filter removed is one page left out
                      "excluded": int(excluded[-2]), "excluded_by_several": int(excluded[-1]),
                      "removals_note": None if applied else NOTHING_EXCLUDED, "not_covered": uncovered})
    n = sum(len(shard) for _, shard, _ in picks)
    if spec.tokens_per_shard:                              # shards of about tokens_per_shard tokens each
        buckets = max(1, -(-sum(int(c["tokens"].sum()) for _, _, c in picks) // spec.tokens_per_shard))
    else:
        buckets = max(1, -(-n // spec.rows_per_shard))
    bounds = [(np.searchsorted(shard, np.arange(len(inputs)), "left"),
               np.searchsorted(shard, np.arange(len(inputs)), "right")) for _, shard, _ in picks]
    for i in range(len(inputs)):                            # one small file per input shard for step 3
        parts = []
        for (s, _, cols), (lo, hi) in zip(picks, bounds):
            a, b = int(lo[i]), int(hi[i])
            if b > a:
                part = {k: v[a:b] for k, v in cols.items()}
                parts.append(pa.table({"src": np.full(b - a, s, np.int16), **part}, schema=_ITEMS))
        write_ipc(pa.concat_tables(parts) if parts else _ITEMS.empty_table(), work / "items" / f"{i:06d}.arrow",
                  _ITEMS)
    plan = {"inputs": inputs, "buckets": buckets, "sources": stats}
    write_atomic(work / "plan.json", json.dumps(plan).encode())
    return plan


def _labels(values: list[str], codes: np.ndarray) -> pa.Array:
    """``values[codes[i]]`` per row as a dictionary array, built in C++ (a Python list of n
    strings costs a second per 10M rows)."""
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int16)), pa.array(values, pa.string()))


def route(spec: MixSpec, work: Path, plan: dict, shard_index: int) -> int:
    """Step 3: the picks of one input shard, as rows in bucket order, into one work file
    ``work/routed/<shard>.arrow`` (where each bucket's rows start is in its metadata): the
    text is taken from the shard once, and a shard makes one file, not one per bucket."""
    target = work / "routed" / f"{shard_index:06d}.arrow"
    if target.exists():
        return int(json.loads(read_meta(target)[b"rows"]))
    shard = plan["inputs"][shard_index]
    items = read_ipc(work / "items" / f"{shard_index:06d}.arrow")
    src, rows, epoch = (items.column(c).to_numpy() for c in ("src", "row", "epoch"))
    keys = np.empty(items.num_rows, np.uint64)               # computed here, in parallel, not in the plan
    for s in np.unique(src):
        mine = src == s
        keys[mine] = shuffle_keys(spec.seed, np.full(int(mine.sum()), shard_index, np.int32), int(s), rows[mine],
                                  epoch[mine])
    buckets = (keys % np.uint64(plan["buckets"])).astype(np.int32)
    order = np.argsort(buckets, kind="stable")              # bucket order (radix sort on int32)
    items = items.take(pa.array(order))
    buckets, keys, src, rows = buckets[order], keys[order], src[order], rows[order]
    n = items.num_rows
    pf = parquet_file(shard)                                # a local file or an object (s3://)
    names = pf.schema_arrow.names
    ids = pf.read(columns=["id"]).column("id").take(pa.array(rows)) if "id" in names else pa.nulls(n, pa.string())
    used = sorted(set(src.tolist()))
    sets = sorted({spec.sources[s].text for s in used})
    if len(sets) <= 1:                                     # the usual case: every source reads one column set
        text = read_text(shard, sets[0], pf=pf).take(pa.array(rows)) if sets else pa.nulls(0, pa.string())
    else:                                                  # per row, the text columns of its own source
        which = np.array([sets.index(spec.sources[s].text) if s in used else 0 for s in range(len(spec.sources))])
        where = [np.flatnonzero(which[src] == k) for k in range(len(sets))]
        pieces = [read_text(shard, t, pf=pf).take(pa.array(rows[w])).cast(pa.string()) for t, w in zip(sets, where)]
        text = pa.concat_arrays(pieces).take(pa.array(np.argsort(np.concatenate(where), kind="stable")))
    table = pa.table({
        "source": _labels([x.name for x in spec.sources], src), "id": ids, "text": text,
        "tokens": items.column("tokens"), "epoch": items.column("epoch"),
        "dataset": _labels([x.dataset for x in spec.sources], src),
        "source_shard": _labels([shard], np.zeros(n, np.int16)), "source_row": items.column("row"),
        "key": pa.array(keys)})
    starts = np.searchsorted(buckets, np.arange(plan["buckets"] + 1), "left").tolist()
    # lineage by reference: (source_shard, source_row); the URL and WARC record are joined in the
    # mixture_lineage view, not copied into every row
    write_ipc(table, target, table.schema.with_metadata({b"starts": json.dumps(starts), b"rows": str(n)}))
    return n


def write_bucket(out: Path, work: Path, plan: dict, bucket: int) -> str:
    """Step 4: one output shard: the bucket's rows of every routed shard, in shuffle-key order."""
    path = out / "mixture" / f"part-{bucket:05d}.parquet"
    if not path.exists():
        parts, first = [], 0
        for i in range(len(plan["inputs"])):
            routed = read_ipc(work / "routed" / f"{i:06d}.arrow")          # memory-mapped: slices copy nothing
            starts = json.loads(routed.schema.metadata[b"starts"])
            first += starts[bucket]           # rows of earlier buckets: where this part's mix_row starts
            if starts[bucket + 1] > starts[bucket]:
                parts.append(routed.slice(starts[bucket], starts[bucket + 1] - starts[bucket]))
        table = pa.concat_tables([p.replace_schema_metadata(None) for p in parts]) if parts else None
        if table is not None:
            order = np.argsort(table.column("key").to_numpy(), kind="stable")
            table = table.take(pa.array(order)).drop_columns(["key"])
            table = table.append_column("mix_row", pa.array(np.arange(first, first + table.num_rows, dtype=np.int64)))
        else:
            table = MIXTURE.empty_table()
        # dictionaries only where values repeat: on texts and ids Parquet's writer tries one
        # and gives up per page (8% of the write, and a larger file)
        _write(table, path, MIXTURE, dictionary=["source", "dataset", "source_shard"])
    summed = work / "sums" / f"{bucket:05d}.json"
    if not summed.exists():                  # checksummed here, in parallel, while the file is in cache
        write_atomic(summed, json.dumps({"rows": pq.ParquetFile(path).metadata.num_rows,
                                         "sha256": _sha256(str(path))}).encode())
    return str(path)


def tokenize_shard(spec: MixSpec, out: Path, part: str) -> dict:
    """Step 5 (format megatron): one output shard as Megatron token files, each document's ids
    plus the end-of-document token, and its lineage rows (``mixture_tokens``)."""
    from curate.mix import dtype_for, index_sizes, write_indexed

    name = Path(part).stem
    prefix = out / "megatron" / name
    lineage = out / "mixture_tokens" / f"{name}.parquet"
    if not (prefix.with_suffix(".idx").exists() and lineage.exists()):
        tok = get_tokenizer(spec.tokenizer)
        eod = np.array([tok.eod_id(spec.eod_token)], dtype=np.int64)
        pf = pq.ParquetFile(part)
        by_name = {s.name: s for s in spec.sources}
        opened: dict = {}

        def cached(name: str, shard: str):
            """The count step's ids of ``shard`` for source ``name`` (memory-mapped), or None."""
            if (name, shard) not in opened:
                path = ids_cache(spec, by_name[name], shard)
                opened[(name, shard)] = read_ipc(path).column("ids") if path.exists() else None
            return opened[(name, shard)]

        def documents():
            # bounded batches: memory follows one batch of rows and ids, whatever the shard size;
            # ids come from the count step's cache (each document tokenized once), else are encoded
            for batch in pf.iter_batches(batch_size=TOKENIZE_BATCH, columns=["source", "source_shard", "source_row",
                                                                           "text"]):
                names, shards = batch.column(0).to_pylist(), batch.column(1).to_pylist()
                rows = batch.column(2).to_numpy()
                docs: list = [None] * batch.num_rows
                groups: dict = {}
                for k, key in enumerate(zip(names, shards)):
                    groups.setdefault(key, []).append(k)
                for (name, shard), where in groups.items():
                    ids = cached(name, shard)
                    if ids is None:
                        encoded = tok.encode(batch.column(3).take(pa.array(where)))
                    else:
                        taken = ids.take(pa.array(rows[where]))
                        encoded = [taken[i].values.to_numpy() for i in range(len(where))]
                    for k, e in zip(where, encoded):
                        docs[k] = e
                for e in docs:
                    yield np.concatenate([np.asarray(e, np.int64), eod])

        count, _ = write_indexed(prefix, documents(), dtype_for(tok.vocab_size))
        lengths = index_sizes(prefix).astype(np.int64)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        table = pf.read(columns=["source", "id", "epoch", "dataset", "source_shard", "source_row"])
        rows = pa.table({"shard": pa.array([name] * count, pa.string()),
                         "document": pa.array(np.arange(count, dtype=np.int64)),
                         "token_start": pa.array(starts), "token_end": pa.array(ends),
                         **{c: table.column(c) for c in table.column_names}})
        _write(rows, lineage, MIXTURE_TOKENS)
    sizes = index_sizes(prefix)
    return {"shard": name, "documents": int(len(sizes)), "tokens": int(sizes.sum()),
            "bin_sha256": _sha256(str(prefix.with_suffix(".bin"))), "idx_sha256": _sha256(str(prefix.with_suffix(".idx")))}


def _exists(path: str) -> bool:
    try:
        file_stamp(path)
        return True
    except FileNotFoundError:
        return False


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open_read(path) as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _summed(work: Path, part: str) -> dict:
    """Rows and sha256 of an output shard: as the bucket step recorded them, else computed."""
    summed = work / "sums" / f"{Path(part).stem.split('-')[-1]}.json"
    if summed.exists():
        return json.loads(summed.read_text())
    return {"rows": pq.ParquetFile(part).metadata.num_rows, "sha256": _sha256(part)}


def finish(spec: MixSpec, out: Path, work: Path, plan: dict, outputs: list[str], tokenized: list[dict] | None = None) -> dict:
    """Step 5: the manifest, from which the same mixture can be rebuilt."""
    total = sum(s["tokens"] for s in plan["sources"])
    for s in plan["sources"]:
        s["share"] = round(s["tokens"] / total, 6) if total else 0.0
    manifest = {"spec": spec.to_dict(), "seed": spec.seed, "tokenizer": get_tokenizer(spec.tokenizer).name,
                "total_tokens": total, "rows": sum(s["rows"] for s in plan["sources"]), "sources": plan["sources"],
                "inputs": [{"path": p, "sha256": _sha256(p) if spec.checksums else None,
                            "bytes": file_stamp(p)[0]} for p in plan["inputs"]],
                "outputs": [{"path": Path(p).name, **_summed(work, p)} for p in outputs]}
    if spec.format == "megatron":
        tok = get_tokenizer(spec.tokenizer)
        manifest["megatron"] = {"eod_id": tok.eod_id(spec.eod_token), "vocab_size": tok.vocab_size,
                                "tokens": sum(t["tokens"] for t in tokenized or []), "shards": tokenized or []}
    write_atomic(out / "manifest.json", json.dumps(manifest, indent=1).encode())
    shutil.rmtree(work, ignore_errors=True)
    return manifest


def existing(spec: MixSpec, out: Path) -> dict | None:
    """The manifest of a finished build of ``spec`` in ``out`` (None if not built yet)."""
    if not (out / "manifest.json").exists():
        return None
    return _same_mixture(spec, json.loads((out / "manifest.json").read_text()), out)


def _same_mixture(spec: MixSpec, manifest: dict, out) -> dict:
    """``manifest`` if it was built from ``spec`` (wherever it was written), else a one-line error."""
    mine = json.loads(json.dumps(spec.to_dict()))          # tuples and lists compare alike after JSON
    if {**manifest["spec"], "out": None} == {**mine, "out": None}:
        return manifest
    raise FatalError(f"{out} holds a different mixture; choose another --out")


def format_manifest(manifest: dict) -> str:
    lines = [f"mixture: {manifest['rows']} rows, {manifest['total_tokens']} tokens ({manifest['tokenizer']}), "
             f"{len(manifest['outputs'])} shards"]
    for s in manifest["sources"]:
        short = f", short of its target by {s['short_by']} tokens ({s.get('short_reason') or 'epoch cap'})" \
            if s["short_by"] else ""
        lines.append(f"  {s['name']:16s} {s['tokens']:>12} tokens  share {s['share']:.4f}  rows {s['rows']:>9}  "
                     f"epochs {s['epochs']:.3f}  of {s['candidates']} candidates{short}")
        lines += [f"  {'':16s} excluded {r['excluded']} removed by {r['dataset']} under {r['root']}"
                  for r in s.get("removals", [])]
        if len(s.get("removals", [])) > 1 and "excluded" in s:
            lines.append(f"  {'':16s} excluded {s['excluded']} rows in all, each once "
                         f"({s['excluded_by_several']} removed by more than one set)")
        if s.get("removals_note"):
            lines.append(f"  {'':16s} {s['removals_note']}")
        if s.get("not_covered"):
            lines.append(f"  {'':16s} {len(s['not_covered'])} input shard(s) not read by every removal set: "
                         + ", ".join(s["not_covered"][:3]) + (" ..." if len(s["not_covered"]) > 3 else ""))
    return "\n".join(lines)


def output_folder(spec: MixSpec, out: str | Path | None) -> Path:
    if out is None and spec.out is None:
        raise FatalError("no output folder: give --out or set out in the spec")
    return Path(out if out is not None else spec.out)


def _start(spec: MixSpec, state: dict) -> dict:
    folder = output_folder(spec, state.get("out"))
    done = existing(spec, folder)
    jobs = [] if done else [(s, f) for s, src in enumerate(spec.sources) for f in source_files(spec, src)]
    # each source's removal sets, read once (their ledgers) for the whole run; refused before
    # anything is written
    sets = [] if done else [removal_sets(src, spec.root_of(src)) for src in spec.sources]
    for s, src in enumerate([] if done else spec.sources):
        check_coverage(src, sets[s], [f for i, f in jobs if i == s])
    for s, f in jobs:
        text_columns(f, spec.sources[s].text)
    return {"folder": folder, "work": folder / "_work", "existing": done, "skip": bool(done), "jobs": jobs,
            "sets": sets}


def _count(spec: MixSpec, ctx: dict, job: tuple[int, str], tick) -> int:
    save_candidates(ctx["work"], spec, job[0], job[1], ctx["sets"][job[0]])   # in parallel with the others
    return int(count_tokens(spec, spec.sources[job[0]], job[1]).sum())


def _plan(spec: MixSpec, state: dict) -> dict:
    work = state["work"]
    return json.loads((work / "plan.json").read_text()) if (work / "plan.json").exists() else \
        plan_selection(spec, work, state["sets"])


def _route(spec: MixSpec, ctx: dict, index: int, tick) -> int:
    return route(spec, ctx["work"], ctx["plan"], index)


def _bucket(spec: MixSpec, ctx: dict, bucket: int, tick) -> str:
    return write_bucket(ctx["folder"], ctx["work"], ctx["plan"], bucket)


def _tokenize(spec: MixSpec, ctx: dict, part: str, tick) -> dict:
    return tokenize_shard(spec, ctx["folder"], part)


def _manifest(spec: MixSpec, state: dict) -> dict:
    if state["existing"]:
        return {**state["existing"], "skipped": True}
    return finish(spec, state["folder"], state["work"], state["plan"], state["bucket"], state.get("tokenize"))


def _result(manifest: dict) -> dict:
    out = {"rows": manifest["rows"], "total_tokens": manifest["total_tokens"]}
    return {**out, "skipped": True} if manifest.get("skipped") else \
        {**out, "sources": {s["name"]: s["tokens"] for s in manifest["sources"]}}


STEPS = Steps(
    "mix", _start,
    (Map("count", _count, items=lambda spec, state: state["jobs"], label=lambda job: Path(job[1]).name,
         unit=" shard", context=("work", "sets")),
     Single("plan", _plan),
     Map("route", _route, items=lambda spec, state: list(range(len(state["plan"]["inputs"]))),
         context=("work", "plan"), label=lambda i: f"shard {i}", unit=" shard"),
     Map("bucket", _bucket, items=lambda spec, state: list(range(state["plan"]["buckets"])),
         context=("folder", "work", "plan"), label=lambda b: f"bucket {b}", unit=" bucket"),
     Map("tokenize", _tokenize, items=lambda spec, state: list(state["bucket"]) if spec.format == "megatron" else [],
         context=("folder",), label=lambda part: Path(part).stem, unit=" shard")),
    _manifest, result=_result, title=lambda spec: f"Mixture {spec.out or ''}".strip(),
    markdown=lambda spec, manifest: f"# Mixture\n\n```\n{format_manifest(manifest)}\n```",
)


def _around(held, spec: MixSpec, params: dict) -> dict:
    return built(lambda folder: held(spec, **{**params, "out": folder}), spec, params.get("out"))


JOB = Job(load_spec, STEPS, "a reproducible training mixture to a token budget",
          params=(Param("out", str | None, None, "output folder or s3:// URL (default: the spec's out)"),),
          root=lambda spec, out=None, **kw: output_folder(spec, out), around=_around,
          hints=('query "SELECT source, count(*) AS documents, sum(tokens) AS tokens FROM mixture GROUP BY ALL" '
                 '--root {root}',),
          example=('name = "math-mix"\n'
                   'root = "shards"\n'
                   'total_tokens = 1_000_000\n'
                   'seed = 1\n'
                   '\n'
                   '[[sources]]\n'
                   'name = "math"\n'
                   'dataset = "pages"\n'
                   'where = "has_math"\n'
                   'share = 0.7\n'
                   'max_epochs = 2\n'
                   '\n'
                   '[[sources]]\n'
                   'name = "web"\n'
                   'dataset = "pages"\n'
                   'where = "NOT has_math AND lang = \'en\'"\n'
                   'share = 0.3\n'))


def run(spec: MixSpec, out: str | Path | None = None, *, progress: bool = False, workers: int = 1) -> dict:
    """Build the mixture under ``out`` (or ``spec.out``); ``workers`` processes share the
    per-shard and per-bucket steps (the flow maps the same steps on Dask instead).
    A finished build is returned as is (see :func:`built` for ``s3://`` outputs)."""
    return JOB.run(spec, out=out, progress=progress, workers=workers)


def built(body, spec: MixSpec, out: str | Path | None) -> dict:
    """``body(folder)`` building the mixture in ``folder``: ``out`` itself when local.

    On object storage (``s3://``) the mixture is built in this machine's cache (steps on other
    machines in theirs, kept in step through ``<out>/_work/mix``: curate/io/_mirror.py), then
    uploaded: the files, a completion record listing the shards (queries see them from then on),
    and ``manifest.json`` last, which marks the build finished (a rerun finds it and stops)."""
    from curate.io import Mirror

    target = out if out is not None else spec.out
    if target is None or not storage_root(target).remote:
        return body(out)
    found = RemoteRoot(str(target)).read_bytes("manifest.json")
    if found is not None:
        return {**_same_mixture(spec, json.loads(found), target), "skipped": True}
    mirror = Mirror.here(str(target), "mix")
    with mirror.running() as local:
        result = body(local)
    if not (local / "manifest.json").exists():       # the build failed: nothing to publish
        return result
    manifest = json.loads((local / "manifest.json").read_text())
    key = hashlib.sha256(json.dumps(manifest["spec"], sort_keys=True).encode()).hexdigest()[:12]
    publish(local, str(target), record_key=f"mix-{key}", last="manifest.json")
    mirror.drop()
    return result


def rebuild(manifest_path: str | Path, out: str | Path, *, progress: bool = False, workers: int = 1) -> dict:
    """The same mixture again from a manifest; refuses if an input shard changed."""
    manifest = json.loads(Path(manifest_path).read_text())
    changed = [i["path"] for i in manifest["inputs"]
               if not _exists(i["path"]) or (i["sha256"] and _sha256(i["path"]) != i["sha256"])]
    if changed:
        raise FatalError(f"{len(changed)} input shard(s) changed or missing since the manifest was written: "
                         + ", ".join(changed[:5]))
    return run(spec_from_mapping(manifest["spec"]), out, progress=progress, workers=workers)
