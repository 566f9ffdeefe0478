"""``curate math recall|score|domains|annotate`` (registered by curate.cli)."""

from __future__ import annotations

from curate.errors import CurateError

from shlex import quote

import sys

from curate.cli._name import hint, next_steps, program, result


def _config(args):
    from pipelines.math_recall import RecallConfig

    overrides = {k: getattr(args, k, None) for k in ("out", "policy", "max_rounds", "annotations")}
    return RecallConfig.from_file(args.config, **overrides)


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


def prompt(n: int, todo: list[dict], by: str = "cli", stream=sys.stdin):
    """Ask about each candidate prefix on the terminal: y (math), n (not math), s (skip), q (stop asking)."""
    from curate.classify import Decision

    out = []
    for c in todo:
        print(f"{c['prefix']}: {c['pages']} pages, {c['collected']} collected ({c['collected_share']:.0%}), "
              f"mean score {c['mean_score']:.3f} -- math? [y/n/s/q] ", end="", flush=True)
        answer = (stream.readline() or "q").strip().lower()[:1]
        if answer == "q":
            break
        if answer in ("y", "n"):
            out.append(Decision(c["prefix"], answer == "y", by, n))
    return out


def cmd_recall(args) -> int:
    from pipelines.math_recall import run

    config = _config(args)
    ask = prompt if config.policy == "ask" and sys.stdin.isatty() else None
    summary = run(config, progress=not args.quiet, workers=args.workers, ask=ask)
    last = summary.rounds[-1] if summary.rounds else {}
    result(args, summary.format() + "\n", f"math recall: {len(summary.rounds)} round(s); the last selected "
                                         f"{last.get('selected', 0)} pages (stop: {last.get('stop') or 'none'})")
    if summary.undecided:
        hint(args, next_steps("Decide the candidate prefixes (accepted ones seed the next round):",
                         f"math annotate --config {quote(str(args.config))} --interactive"))
    hint(args, next_steps("Review the last round, then the pages it selected:", f"math domains --config {quote(str(args.config))}",
                     f'query "SELECT round, count(*) FROM math_selected GROUP BY ALL" --root {quote(str(config.out))}'))
    return 0


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


def cmd_score(args) -> int:
    from pipelines.math_score import ScoreConfig, run

    given = {"model": args.model, "inputs": args.shards or None, "out": args.out, "threshold": args.threshold,
             "token_budget": args.token_budget, "allow_weak_model": args.allow_weak_model or None}
    if args.config:
        config = ScoreConfig.from_file(args.config, **given)
    else:
        if not (args.model and args.shards and args.out):
            raise CurateError("give --model, SHARDS and --out (or --config FILE)")
        config = ScoreConfig(**{k: (tuple(v) if isinstance(v, list) else v) for k, v in given.items() if v is not None})
    print(run(config, workers=args.workers, progress=not args.quiet).format())
    return 0


def _threshold(value: str):
    return value if value == "model" else float(value)


def add_parsers(sub) -> None:
    math = sub.add_parser("math", help="iterative math page recall (DeepSeekMath): recall, domains, annotate")
    msub = math.add_subparsers(dest="math_command", required=True)

    def common(p):
        p.add_argument("--config", required=True, help="TOML/YAML with RecallConfig keys")
        p.add_argument("--out", help="override the config's output root")
        p.add_argument("--annotations", help="override the annotation file (YAML or CSV)")

    p = msub.add_parser("recall", help="run rounds until the overlap rule or max_rounds; resumes finished work")
    common(p)
    p.add_argument("--policy", choices=["file", "auto", "ask"], help="override the annotation policy")
    p.add_argument("--max-rounds", dest="max_rounds", type=int)
    p.add_argument("--workers", type=int, default=1, help="processes for scoring shards")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_recall)

    p = msub.add_parser("score", help="score new page shards with a finished round's model and select math pages")
    p.add_argument("shards", nargs="*", help="pages shards: files, globs, output roots")
    p.add_argument("--model", help="a round's model.bin (e.g. recall/round=2/model.bin)")
    p.add_argument("--out", help="output root (math_scores, math_selected)")
    p.add_argument("--config", help="TOML/YAML with ScoreConfig keys (flags override)")
    p.add_argument("--threshold", type=_threshold, help="'model' (its operating threshold, the default) or a number")
    p.add_argument("--token-budget", dest="token_budget", type=int)
    p.add_argument("--allow-weak-model", dest="allow_weak_model", action="store_true")
    p.add_argument("--workers", type=int, default=1, help="processes for scoring shards")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_score)

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
