"""``python -m pipelines JOB --config FILE``: any registered job run here, without Prefect (the
same run as ``curate <job> --config FILE``, with fewer conveniences); exit 1 when inputs failed."""

from __future__ import annotations

import argparse
import sys

from curate.errors import CurateError
from pipelines.jobs import JOBS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines", description=__doc__.split("\n")[0])
    parser.add_argument("job", choices=list(JOBS), help="; ".join(f"{j.name}: {j.summary}" for j in JOBS.values()))
    parser.add_argument("--config", required=True, help="TOML or YAML file with the job's config keys")
    parser.add_argument("--workers", type=int, default=1, help="processes for the job's map steps (default 1)")
    args = parser.parse_args(argv)
    job = JOBS[args.job]
    try:
        summary = job.run(job.load_config(args.config), progress=True, workers=args.workers)
    except CurateError as exc:
        print(f"python -m pipelines: error: {exc}", file=sys.stderr)
        return 2
    print(summary.format() if hasattr(summary, "format") else summary)
    return 1 if getattr(summary, "failed", None) else 0


if __name__ == "__main__":
    sys.exit(main())
