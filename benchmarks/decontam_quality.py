"""Decontamination precision and recall on real math text: planted benchmark items caught,
clean math documents flagged, for the ``evidence`` rule and DeepSeek's plain rule side by side.

Clean documents (nobody here wrote them): the chapters of a real-analysis textbook (LaTeX, in
chunks), and math pages of Debian's documentation packages (sympy, mpmath, scipy, scikit-learn;
Sphinx pages with formulas, extracted by curate), see ../shared/docs/real-data.md. Benchmarks:
every set under ../shared/data/benchmarks (GSM8K, MATH-500, MGSM, the Qwen2.5-Math sets).

Planted: ``--items`` GSM8K and MATH-500 items, each put into a clean document in every form it
circulates in: the question verbatim, re-cased and re-punctuated, a 20-word window of it inside
a sentence; GSM8K solutions with and without their ``<<48/2=24>>`` annotations; MATH solutions
with ``\\boxed{}`` unwrapped.

    python benchmarks/decontam_quality.py [--items 150] [--pages 150]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyarrow as pa  # noqa: E402

from curate.classify import chunk_text, tex_to_text  # noqa: E402
from curate.decontam import NgramIndex, find_benchmarks, load_items  # noqa: E402

MATH_PACKAGES = ("python-sympy-doc", "python-mpmath-doc", "python-scipy-doc", "python-sklearn-doc")


def clean_documents(shared: Path, pages_per_package: int) -> list[tuple[str, str]]:
    """(name, text) of the clean math documents."""
    docs = []
    for tex in sorted((shared / "math_text" / "positive" / "lebl-basic-analysis").glob("*.tex")):
        for i, chunk in enumerate(chunk_text(tex_to_text(tex.read_text(encoding="utf-8")), 300)):
            docs.append((f"textbook:{tex.stem}#{i}", chunk))
    try:
        from curate.extract import Rejected, extract_html
        from tests import debian_docs

        for package in MATH_PACKAGES:
            for page in debian_docs.pages(package, pages_per_package, ("math",)):
                try:
                    docs.append((page["url"], extract_html(page["body"], page["url"])["text"]))
                except Rejected:
                    pass
    except Exception as exc:                     # no apt here: the textbook alone
        print(f"(Debian documentation pages unavailable: {exc})")
    return docs


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _recase(text: str, rng: random.Random) -> str:
    text = re.sub(r"[,;:!?]", lambda m: rng.choice([" ", ";", " -", ","]), text)
    text = re.sub(r"\.(\s|$)", lambda m: rng.choice([" ", ". ", "; "]), text)
    return text.upper() if rng.random() < 0.3 else text.lower()


def _window(text: str, rng: random.Random, size: int = 20) -> str:
    tokens = text.split()
    if len(tokens) <= size:
        return text
    start = rng.randrange(0, len(tokens) - size)
    return " ".join(tokens[start:start + size])


def planted_forms(shared: Path, items: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(benchmark, item, form, text) of each planted copy."""
    rng = random.Random(seed)
    out = []
    gsm = _jsonl(shared / "benchmarks" / "gsm8k" / "test.jsonl")
    for i in sorted(rng.sample(range(len(gsm)), items)):
        q, a = gsm[i]["question"], gsm[i]["answer"]
        out += [("gsm8k", str(i), "question verbatim", q), ("gsm8k", str(i), "question re-cased", _recase(q, rng)),
                ("gsm8k", str(i), "question window", f"As the worksheet puts it, {_window(q, rng)} and so on."),
                ("gsm8k", str(i), "solution annotated", a),
                ("gsm8k", str(i), "solution plain", re.sub(r"<<[^<>]*>>", "", a))]
    math = _jsonl(shared / "benchmarks" / "math500" / "test.jsonl")
    for i in sorted(rng.sample(range(len(math)), items)):
        p, s = math[i]["question"], math[i]["answer"]          # MATH-500 here: question, full solution
        unboxed = re.sub(r"\\boxed\{((?:[^{}]|\{[^{}]*\})*)\}", r"\1", s)
        out += [("math500", str(i), "question verbatim", p), ("math500", str(i), "question re-cased", _recase(p, rng)),
                ("math500", str(i), "question window", f"As the worksheet puts it, {_window(p, rng)} and so on."),
                ("math500", str(i), "solution unboxed", unboxed)]
    return out


def _items_by_key(benches) -> dict:
    return {(b.name, it.item): it for b in benches for it in load_items(b)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--items", type=int, default=150, help="planted items per benchmark (GSM8K, MATH-500)")
    ap.add_argument("--pages", type=int, default=150, help="math pages per Debian documentation package")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=8, help="flags of clean documents listed per rule")
    ap.add_argument("--weak-run", type=int, default=None, help="evidence rule: weak 10-grams in a run (default 3)")
    ap.add_argument("--whole-max", type=int, default=None, help="evidence rule: questions shorter are matched whole")
    ap.add_argument("--min-content", type=int, default=None, help="evidence rule: content words of a strong 10-gram")
    ap.add_argument("--formula-run", type=int, default=None, help="evidence rule: formula-only 10-grams in a run")
    args = ap.parse_args()
    shared = Path(args.shared)
    clean = clean_documents(shared, args.pages)
    benches = find_benchmarks([shared / "benchmarks"])
    items = [it for b in benches for it in load_items(b)]
    planted = planted_forms(shared, args.items, args.seed)
    rng = random.Random(args.seed + 1)
    hosts = [clean[rng.randrange(len(clean))][1] for _ in planted]
    planted_docs = []
    for (_, _, _, text), host in zip(planted, hosts):
        words = host.split()
        cut = len(words) // 2
        planted_docs.append(" ".join(words[:cut]) + "\n\n" + text + "\n\n" + " ".join(words[cut:]))
    print(f"{len(clean)} clean math documents ({sum(len(t.split()) for _, t in clean):,} words), "
          f"{len(items):,} benchmark texts from {len(benches)} sets, {len(planted)} planted copies")
    for rule in ("evidence", "deepseek"):
        t0 = time.perf_counter()
        tuned = {k: v for k, v in (("weak_run", args.weak_run), ("whole_max", args.whole_max),
                                   ("min_content", args.min_content), ("formula_run", args.formula_run))
                 if v is not None and rule == "evidence"}
        index = NgramIndex(items, rule=rule, **tuned)
        built = time.perf_counter() - t0
        t0 = time.perf_counter()
        flags = index.scan(pa.array([t for _, t in clean], pa.string()))
        hits = index.scan(pa.array(planted_docs, pa.string()))
        scanned = time.perf_counter() - t0
        caught_by_doc = defaultdict(set)
        for m in hits:
            caught_by_doc[m.doc].add((m.benchmark, m.item))
        per_form, totals, missed = Counter(), Counter(), []
        for d, (bench, item, form, text) in enumerate(planted):
            totals[(bench, form)] += 1
            per_form[(bench, form)] += (bench, item) in caught_by_doc[d]
            if (bench, item) not in caught_by_doc[d]:
                missed.append(f"{bench}/{item} {form}: {' '.join(text.split())[:100]!r}")
        flagged_docs = sorted({m.doc for m in flags})
        words_total = sum(len(t.split()) for _, t in clean) + sum(len(t.split()) for t in planted_docs)
        print(f"\nrule {rule}: index of {index.size:,} n-grams built in {built:.1f}s; scan "
              f"{words_total / scanned / 1e6:.2f} M words/s")
        for key in sorted(totals):
            print(f"  planted {key[0]:8s} {key[1]:20s} caught {per_form[key]:4d}/{totals[key]:<4d} "
                  f"({100 * per_form[key] / totals[key]:5.1f}%)")
        caught, total = sum(per_form.values()), sum(totals.values())
        print(f"  planted, all forms: {caught}/{total} caught ({100 * caught / total:.1f}%)")
        for line in missed[:args.show]:
            print(f"    missed {line}")
        print(f"  clean math documents flagged: {len(flagged_docs)} of {len(clean)} "
              f"({Counter(m.rule for m in flags)})")
        for m in flags[:args.show]:
            print(f"    {clean[m.doc][0][:60]:60s} {m.benchmark}/{m.item} {m.part} {m.rule}: \"{m.ngram}\"")
        if len(flags) > args.show:
            print(f"    ... {len(flags) - args.show} more")


if __name__ == "__main__":
    main()
