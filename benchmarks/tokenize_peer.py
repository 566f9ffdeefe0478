"""Tokenization to training files, curate against datatrove's DocumentTokenizer, same documents
and the same tokenizer.json, one run: wall time, tokens/s and peak memory (VmHWM) of each.

- curate: ``curate mix --format megatron`` cold (no token cache): count, plan, shuffle, Parquet
  shards with lineage, Megatron .bin/.idx files, manifest;
- datatrove 0.10.1 (its own venv, ``--dtvenv``): JsonlReader -> DocumentTokenizer (its .ds files),
  one task, one worker.

Documents: the shared real texts repeated to ``--mb`` MB in ``--shards`` shards.

    python benchmarks/tokenize_peer.py [--mb 60] [--dtvenv /tmp/dtvenv]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dedup.corpus import real_texts, write_pages  # noqa: E402

_DT = """
import sys
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.tokens import DocumentTokenizer
src, out, tok, logs = sys.argv[1:5]
LocalPipelineExecutor(pipeline=[JsonlReader(src), DocumentTokenizer(output_folder=out, tokenizer_name_or_path=tok,
                      eos_token="<|endoftext|>", seed=1)], tasks=1, workers=1, logging_dir=logs).run()
"""

_HWM = "; print('VmHWM', next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')))"


def _timed(argv: list[str], env: dict | None = None) -> tuple[float, float, str]:
    t0 = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    seconds = time.monotonic() - t0
    if done.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed: {done.stderr[-800:]}")
    peak = next((float(line.split()[1]) / 1024 for line in done.stdout.splitlines() if line.startswith("VmHWM")), 0.0)
    return seconds, peak, done.stdout


def _encoder_alone(path: Path, texts: list[str]) -> float:
    """Seconds for ``tokenizers`` to encode ``texts`` in batches of 1,000 (its own threads):
    the floor under any tool tokenizing with this tokenizer.json."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    t0 = time.monotonic()
    for i in range(0, len(texts), 1000):
        tok.encode_batch(texts[i:i + 1000], add_special_tokens=False)
    return time.monotonic() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--shards", type=int, default=2)
    ap.add_argument("--workers", type=int, default=2, help="curate's worker processes (datatrove's encoder uses every core)")
    ap.add_argument("--dtvenv", default=os.environ.get("CURATE_DTVENV", "/tmp/dtvenv"))
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    from curate.mix import train_tokenizer

    texts = real_texts(Path(args.shared))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        train_tokenizer(texts, tmp / "tokenizer.json", vocab_size=32_000)
        rows, size, k = [], 0, 0
        while size < args.mb * 1_000_000:
            t = texts[k % len(texts)]
            rows.append({"id": f"d{k:08d}", "url": f"https://x.example/{k}", "text": t})
            size += len(t.encode())
            k += 1
        per = -(-len(rows) // args.shards)
        for s in range(args.shards):
            write_pages(tmp / "root" / "pages" / f"s{s}.parquet", rows[s * per:(s + 1) * per])
        (tmp / "jsonl").mkdir()
        with open(tmp / "jsonl" / "docs.jsonl", "w") as fh:
            for r in rows:
                fh.write(json.dumps({"id": r["id"], "text": r["text"]}) + "\n")
        (tmp / "mix.yaml").write_text("name: t\nroot: root\ntokenizer: tokenizer.json\nformat: megatron\n"
                                      "total_tokens: 1000000000000\nchecksums: false\n"
                                      "sources: [{name: web, dataset: pages, share: 1.0}]\n")
        print(f"{len(rows):,} documents, {size / 1e6:.0f} MB of text in {args.shards} shards")
        ours, ours_peak, _ = _timed([sys.executable, "-c", "import sys; from curate.cli import main; "
                                     f"main(['mix', {str(tmp / 'mix.yaml')!r}, '--out', {str(tmp / 'out')!r}, '-q', '--workers', '{args.workers}'])"
                                     + _HWM], env={**os.environ, "PYTHONPATH": str(ROOT)})
        manifest = json.loads((tmp / "out" / "manifest.json").read_text())
        tokens = manifest["megatron"]["tokens"]
        print(f"curate mix --format megatron (cold): {ours:.1f}s, {tokens / ours / 1e6:.2f} M tokens/s, "
              f"peak {ours_peak:,.0f} MiB, {tokens:,} tokens")
        from benchmarks._report import record

        lines = [f"{len(rows):,} documents, {size / 1e6:.0f} MB of text, {tokens:,} tokens, one tokenizer.json.", "",
                 "| | seconds | M tokens/s | peak memory |", "| --- | --- | --- | --- |",
                 f"| curate mix --format megatron (cold) | {ours:.1f} | {tokens / ours / 1e6:.2f} | {ours_peak:,.0f} MiB |"]
        python = Path(args.dtvenv) / "bin" / "python"
        if not python.exists():
            record("tokenize_peer", "Tokenization to training files", lines + ["", "datatrove: not installed here.", ""])
            print("PEER " + json.dumps({"stage": "tokenize", "ours_s": ours, "theirs_s": float("nan"),
                                        "input": f"{len(rows):,} documents, {tokens:,} tokens"}))
            print(f"datatrove: no venv at {args.dtvenv} (see ../shared/docs/peers.md); skipped")
            return
        theirs, their_peak, _ = _timed([str(python), "-c", _DT + _HWM.replace("; ", "\n", 1), str(tmp / "jsonl"), str(tmp / "dt"),
                                        str(tmp / "tokenizer.json"), str(tmp / "dtlogs")])
        print(f"datatrove DocumentTokenizer: {theirs:.1f}s, {tokens / theirs / 1e6:.2f} M tokens/s, "
              f"peak {their_peak:,.0f} MiB")
        print(f"curate / datatrove: {theirs / ours:.2f}x")
        bound = _encoder_alone(tmp / "tokenizer.json", [r["text"] for r in rows])
        print(f"the tokenizers batch encoder alone (same documents, every core, nothing written): {bound:.1f}s")
        lines.append(f"| datatrove DocumentTokenizer | {theirs:.1f} | {tokens / theirs / 1e6:.2f} | {their_peak:,.0f} MiB |")
        lines.append(f"| the `tokenizers` batch encoder alone, nothing written | {bound:.1f} | "
                     f"{tokens / bound / 1e6:.2f} | - |")
        record("tokenize_peer", "Tokenization to training files", lines + [
            "", f"curate / datatrove: {theirs / ours:.2f}x. Both spend most of their time in the same Rust encoder: "
                f"the encoder alone bounds any tool using this tokenizer.json at {theirs / bound:.2f}x datatrove.", ""])
        print("PEER " + json.dumps({"stage": "tokenize", "ours_s": ours, "theirs_s": theirs,
                                    "input": f"{len(rows):,} documents, {size / 1e6:.0f} MB, {tokens:,} tokens",
                                    "quality": f"peak memory: ours {ours_peak:,.0f} MiB, datatrove {their_peak:,.0f} MiB"}))


if __name__ == "__main__":
    main()
