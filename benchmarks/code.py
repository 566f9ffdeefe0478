"""Repository-level code throughput: parse + order + FIM, against plain concatenation.

Same repositories (../shared/data/repos: Python requests, C Lua, Java jsoup, read
into memory once), one process, one core. "curate" filters files, resolves
imports, orders each component (Algorithm 1) and applies FIM; the baseline
decodes the same files and concatenates them in path order with path comments
(what a pipeline without dependency ordering does). Prints repositories/s and
MB/s of source for both and the ratio, best of ``--repeat``.

    python benchmarks/code.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate.code import SampleSettings, build, dependencies, keep_files, order, read_source  # noqa: E402
from curate.code._order import components  # noqa: E402


def baseline(repos) -> None:
    for repo in repos:
        text = "".join(f"# {p}\n{data.decode('utf-8', 'replace')}\n" for p, data in sorted(repo.files.items()))
        assert text


def ours(repos) -> None:
    for repo in repos:
        build(repo, SampleSettings())


def stages(repos) -> dict:
    """Seconds per stage, for the breakdown line."""
    t = {"filter": 0.0, "dependencies": 0.0, "order": 0.0}
    for repo in repos:
        t0 = time.perf_counter()
        files, _ = keep_files(repo)
        t1 = time.perf_counter()
        deps = dependencies(files)
        t2 = time.perf_counter()
        for group in components(sorted(files), deps):
            order(group, deps)
        t3 = time.perf_counter()
        t["filter"] += t1 - t0
        t["dependencies"] += t2 - t1
        t["order"] += t3 - t2
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    repos = [next(read_source(str(p))) for p in sorted((Path(args.shared) / "repos").iterdir()) if p.is_dir()]
    mb = sum(len(v) for r in repos for v in r.files.values()) / 1e6
    best = {"curate": float("inf"), "baseline": float("inf")}
    for _ in range(args.repeat):
        for name, fn in (("curate", ours), ("baseline", baseline)):
            t0 = time.perf_counter()
            fn(repos)
            best[name] = min(best[name], time.perf_counter() - t0)
    print(f"{len(repos)} repositories, {sum(len(r.files) for r in repos)} files, {mb:.2f} MB, 1 core, "
          f"best of {args.repeat}")
    for name, secs in best.items():
        print(f"  {name:9s} {len(repos) / secs:8.1f} repositories/s  {mb / secs:7.1f} MB/s")
    print(f"  curate / baseline: {best['baseline'] / best['curate']:.2f}x (the price of ordering and FIM)")
    t = stages(repos)
    total = sum(t.values())
    print("  parse + order only: " + f"{mb / (t['dependencies'] + t['order']):.1f} MB/s; breakdown: "
          + ", ".join(f"{k} {v / total:.0%}" for k, v in t.items()))


if __name__ == "__main__":
    main()
