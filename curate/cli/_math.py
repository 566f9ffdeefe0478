"""``curate math domains|annotate`` and the ``recall``/``score`` jobs under ``math`` (registered by curate.cli)."""

from __future__ import annotations

from shlex import quote

from curate.cli._name import next_steps, program
from curate.errors import CurateError


def _config(args):
    from pipelines.math_recall import MathRecallConfig

    overrides = {k: getattr(args, k, None) for k in ("out", "policy", "max_rounds", "annotations")}
    return MathRecallConfig.from_file(args.config, **overrides)


def _last_round(out) -> int:
    from curate.io import round_dirs

    rounds = [n for n, p in round_dirs(out) if (p / "math_domains" / "domains.parquet").exists()]
    if not rounds:
        raise CurateError(f"no finished discovery under {out} (run `{program()} math recall` first)")
    return rounds[-1]


def _review(config, round_: int | None):
    from curate.classify import annotations
    from pipelines.math_recall import review_table, round_dir

    n = round_ or _last_round(config.out)
    decisions = annotations.load(config.annotation_file)
    return n, review_table(round_dir(config.out, n) / "math_domains" / "domains.parquet", decisions), decisions


def _cell(value, spec: str) -> str:
    """A number formatted by ``spec``; a missing one (a domain none of whose pages was scored) as '-'."""
    import re

    return format(value, spec) if value is not None else format("-", re.match(r"[<>^]?\d*", spec).group())


def format_review(rows: list[dict], limit: int = 30) -> str:
    """The domain/prefix review table as aligned text: math domains, then their prefixes."""
    domains = [r for r in rows if r["level"] == "domain" and r["math_domain"]]
    prefixes = [r for r in rows if r["level"] == "prefix"]

    def numbers(r) -> str:
        return (f"{_cell(r['pages'], '>7')} {_cell(r['collected'], '>9')} {_cell(r['collected_share'], '>6.2f')} "
                f"{_cell(r['mean_score'], '>6.3f')}")

    lines = [f"math domains ({len(domains)}):", f"  {'domain':<40} {'pages':>7} {'collected':>9} {'share':>6} {'mean':>6}"]
    lines += [f"  {r['domain']:<40} {numbers(r)}" for r in domains[:limit]]
    lines += ["", f"URL path prefixes in math domains ({len(prefixes)}):",
              f"  {'prefix':<48} {'pages':>7} {'collected':>9} {'share':>6} {'mean':>6}  decision"]
    lines += [f"  {r['prefix']:<48} {numbers(r)}  "
              f"{(r['decision'] or '-') + (' (' + r['decided_by'] + ')' if r['decided_by'] else '')}"
              for r in prefixes[:limit]]
    return "\n".join(lines)


def cmd_domains(args) -> int:
    config = _config(args)
    n, rows, _ = _review(config, args.round)
    print(f"round {n} (annotations: {config.annotation_file})")
    print(format_review(rows, args.limit))
    return 0


def cmd_annotate(args) -> int:
    from curate.classify import Decision, annotations
    from pipelines.math_recall import apply_decisions, candidates

    config = _config(args)
    n, rows, decisions = _review(config, args.round)
    new = [Decision(p, True, args.by, n) for p in args.accept or []]
    new += [Decision(p, False, args.by, n) for p in args.reject or []]
    todo = candidates(rows, decisions)
    if not new and args.interactive:
        from curate.cli._prompt import prompt

        new = prompt(n, todo, args.by)
    if new:
        decisions = annotations.record(config.annotation_file, new)
        print(f"recorded {len(new)} decision(s) in {config.annotation_file}")
    left = candidates(rows, decisions)
    print(format_review(apply_decisions(rows, decisions), args.limit))
    print()
    print(next_steps(f"{len(left)} undecided candidate(s); accepted prefixes seed the next round:",
                     f"math recall --config {quote(str(args.config))}"))
    return 0


def add_parsers(sub, jobs: dict) -> None:
    math = sub.add_parser("math", help="iterative math page recall (DeepSeekMath): recall, domains, annotate")
    msub = math.add_subparsers(dest="math_command", required=True)

    def common(p):
        p.add_argument("--config", required=True, help="TOML/YAML with MathRecallConfig keys")
        p.add_argument("--out", help="override the config's output root")
        p.add_argument("--annotations", help="override the annotation file (YAML or CSV)")

    from curate.cli._jobs import add_job_parser

    for name in ("recall", "score"):          # the same commands as curate math-recall / math-score
        if f"math-{name}" in jobs:
            add_job_parser(msub, jobs[f"math-{name}"], name)

    p = msub.add_parser("domains", help="the review table: math domains and their URL path prefixes")
    common(p)
    p.add_argument("--round", type=int, help="round to show (default: the last one)")
    p.add_argument("--limit", type=int, default=30)
    p.set_defaults(func=cmd_domains)

    p = msub.add_parser("annotate", help="show candidate prefixes and record math / not-math decisions")
    common(p)
    p.add_argument("--round", type=int, help="round whose candidates to show (default: the last one)")
    p.add_argument("--accept", nargs="+", metavar="PREFIX", help="mark prefixes as math")
    p.add_argument("--reject", nargs="+", metavar="PREFIX", help="mark prefixes as not math")
    p.add_argument("--by", default="cli", help="name recorded with the decisions")
    p.add_argument("-i", "--interactive", action="store_true", help="ask y/n for each undecided candidate")
    p.add_argument("--limit", type=int, default=30)
    p.set_defaults(func=cmd_annotate)
