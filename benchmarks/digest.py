"""A digest of every job's outputs on the shared real data: run it on two commits and compare,
to show a refactoring changed no output byte.

Runs ``curate`` (of the checkout given by ``--checkout``, default this one) from the command
line: ingest of the shared WARCs and HTML pages, dedup, decontaminate, filter, code, arXiv
figures, a tokenizer, a mixture (Parquet and Megatron) and one math recall round, all under
``--out`` (the same path on both commits, since rows name their files). Prints one line per
job: its output files (Parquet, Megatron .bin/.idx, PNG, the tokenizer; not completion records,
which hold times) and the sha256 over their names and bytes (a Parquet file with a ``*seconds``
column: its other columns' values).

    python benchmarks/digest.py [--checkout DIR] [--out /tmp/curate-digest] > after.txt
    git worktree add /tmp/before <commit> && python benchmarks/digest.py --checkout /tmp/before > before.txt
    diff before.txt after.txt
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = (".parquet", ".bin", ".idx", ".png")


def jobs(shared: Path) -> list[tuple[str, list[str]]]:
    warcs = [str(shared / "warc" / f) for f in ("dolma/sample-0000.warc.gz", "dolma/sample-0001.warc.gz",
                                                "resiliparse/warcfile.warc.gz", "commoncrawl-whirlwind/whirlwind.warc.gz")]
    return [
        ("ingest", ["ingest", *warcs, str(shared / "html" / "colah-blog"), "--out", "shards", "-q"]),
        ("dedup", ["dedup", "shards", "--out", "dedup", "-q"]),
        ("decontaminate", ["decontaminate", "shards", "--benchmarks", str(shared / "benchmarks"), "--out", "decon"]),
        ("filter", ["filter", "shards", "--out", "quality", "-q"]),
        ("code", ["code", *sorted(str(p) for p in (shared / "repos").iterdir()), "--out", "code"]),
        ("arxiv", ["arxiv", *sorted(str(p) for p in (shared / "arxiv").iterdir()), "--out", "figs"]),
        ("tokenizer", ["tokenizer", "train", "shards", "--out", "tok/tokenizer.json", "--vocab-size", "2000"]),
        ("mix", ["mix", "mix.yaml", "--out", "mix", "-q"]),
        ("megatron", ["mix", "mix.yaml", "--format", "megatron", "--out", "mixtok", "-q"]),
        ("math-recall", ["math", "recall", "--config", "recall.toml", "-q"]),
    ]


OUTPUTS = {"ingest": "shards", "dedup": "dedup", "decontaminate": "decon", "filter": "quality", "code": "code",
           "arxiv": "figs", "tokenizer": "tok", "mix": "mix", "megatron": "mixtok", "math-recall": "math"}


def digest(folder: Path) -> tuple[int, str]:
    h = hashlib.sha256()
    files = sorted(p for p in folder.rglob("*") if p.is_file() and (p.suffix in KINDS or p.name == "tokenizer.json")
                   and not any(part.startswith(("_", ".")) for part in p.relative_to(folder).parts))
    for p in files:
        h.update(p.relative_to(folder).as_posix().encode() + b"\0" + _content(p) + b"\0")
    return len(files), h.hexdigest()[:16]


def _content(path: Path) -> bytes:
    """A file's bytes; for a Parquet file with timing columns (``*seconds``: a round's training
    time), its other columns' values, since a run's duration is not an output."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        timing = [c for c in table.column_names if c.endswith("seconds")]
        if timing:
            return repr(table.drop_columns(timing).to_pylist()).encode()
    return path.read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkout", default=str(ROOT), help="the curate checkout to run")
    ap.add_argument("--out", default="/tmp/curate-digest")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    out, shared = Path(args.out), Path(args.shared).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    (out / "mix.yaml").write_text(
        "name: digest\nroot: shards\ntotal_tokens: 40000\nseed: 3\ntokenizer: tok/tokenizer.json\nsources:\n"
        "  - {name: math, dataset: pages, where: has_math, share: 0.5, max_epochs: 3, removals: [dedup, decon]}\n"
        "  - {name: web, dataset: pages, where: NOT has_math, share: 0.5, removals: [dedup, decon]}\n")
    (out / "recall.toml").write_text('inputs = ["shards"]\nout = "math"\nseed_query = "SELECT text FROM pages '
                                     'WHERE has_math"\nseed_query_root = "shards"\nmax_rounds = 1\n'
                                     'allow_weak_model = true\n')
    env = {**os.environ, "PYTHONPATH": args.checkout}
    for job, argv in jobs(shared):
        done = subprocess.run([sys.executable, "-m", "curate", *argv], cwd=out, env=env, capture_output=True, text=True)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{job}: exit {done.returncode}: {done.stderr[-800:]}")
        n, h = digest(out / OUTPUTS[job])
        print(f"{job:14s} {n:4d} files  sha256 {h}  (exit {done.returncode})", flush=True)


if __name__ == "__main__":
    main()
