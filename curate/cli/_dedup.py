"""``curate dedup``, ``curate decontaminate`` and ``curate code`` (registered by curate.cli)."""

from __future__ import annotations

from curate.errors import CurateError, FatalError

from shlex import quote

import argparse

from curate.cli._name import hint, next_steps, result

DEDUP_QUERIES = (
    'query "SELECT reason, count(*) FROM duplicates GROUP BY ALL" --root {root}',
    'query "SELECT id, reason, duplicate_of, duplicate_of_crawl, cluster_size FROM duplicates WHERE NOT keep LIMIT 20" '
    '--root {root}',
)


def _overrides(args, fields) -> dict:
    return {f: getattr(args, f) for f in fields if getattr(args, f, None) is not None}


def config_from(cls, args, overrides: dict, command: str, required=("out",)):
    """``cls`` from --config (flags override it), or from the flags alone when they give every ``required``."""
    if args.config:
        return cls.from_file(args.config, **overrides)
    if all(overrides.get(k) for k in required):
        return cls(**overrides)
    flags = ", ".join(k[:-1].upper() + "..." if k in ("inputs", "sources") else f"--{k.replace('_', '-')}"
                      for k in required)
    raise CurateError(f"curate {command}: give {flags} (or --config FILE)")


def cmd_dedup(args) -> int:
    from pipelines.dedup import DedupConfig, run

    overrides = _overrides(args, ("out", "run", "index", "num_perm", "bands", "rows", "ngram", "seed",
                                  "representative", "memory_limit", "jaccard_threshold"))
    if args.threshold is not None:
        if not 0 < args.threshold < 1:
            raise FatalError(f"--threshold must be in (0, 1), not {args.threshold}")
        from curate.dedup import lsh_params

        overrides["bands"], overrides["rows"] = lsh_params(args.threshold, overrides.get("num_perm", 112))
    if args.verify is not None:
        overrides["verify"] = args.verify
    if args.no_exact:
        overrides["exact"] = False
    if args.no_urls:
        overrides["urls"] = False
    if args.inputs:
        overrides["inputs"] = tuple(args.inputs)
    config = config_from(DedupConfig, args, overrides, "dedup", ("inputs", "out"))
    summary = run(config, progress=not args.quiet, workers=args.workers)
    result(args, summary.format())
    if args.report:
        from pipelines.dedup import format_report, quality

        print(format_report(quality(config, summary.run, sample=args.report)))
    hint(args, "\n" + next_steps("Why was a document removed, and what is it a duplicate of?",
                                *(q.format(root=quote(str(config.out))) for q in DEDUP_QUERIES)) + "\n")
    return 0


def cmd_decontaminate(args) -> int:
    from pipelines.decontam import DecontamConfig, run

    overrides = _overrides(args, ("out", "n", "min_words", "rule"))
    if args.inputs:
        overrides["inputs"] = tuple(args.inputs)
    if args.benchmarks:
        overrides["benchmarks"] = tuple(args.benchmarks)
    if args.only:
        overrides["only"] = tuple(args.only.split(","))
    config = config_from(DecontamConfig, args, overrides, "decontaminate", ("inputs", "benchmarks", "out"))
    summary = run(config, progress=not args.quiet)
    result(args, summary.format(), f"decontaminate: {summary.documents} documents scanned, {summary.contaminated} "
                                   f"contaminated, {len(summary.failed)} shard(s) failed")
    hint(args, next_steps("\nWhich documents match which benchmark item, and on what evidence?",
                     'query "SELECT id, benchmark, item, part, rule, ngram FROM contamination LIMIT 20" '
                     f'--root {quote(str(config.out))}'))
    return 1 if summary.failed else 0


def add_parsers(sub) -> None:
    p = sub.add_parser("dedup", help="exact, URL and MinHash-LSH near-duplicate removal over page shards")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="pages shards: files, globs, or output roots")
    p.add_argument("--out", help="output root (dataset duplicates/, _ledger/)")
    p.add_argument("--config", help="TOML/YAML with DedupConfig keys; flags override it")
    p.add_argument("--run", help="run name (default: derived from the inputs)")
    p.add_argument("--index", help="persistent cross-crawl index folder: dedup against every earlier run")
    p.add_argument("--num-perm", type=int, help="MinHash permutations (default 112)")
    p.add_argument("--bands", type=int, help="LSH bands (default 14)")
    p.add_argument("--rows", type=int, help="rows per band (default 8)")
    p.add_argument("--threshold", type=float, help="choose bands and rows for this Jaccard threshold")
    p.add_argument("--ngram", type=int, help="word n-gram shingle size (default 5)")
    p.add_argument("--seed", type=int)
    p.add_argument("--representative", choices=["earliest", "latest", "longest"],
                   help="which document of a cluster is kept (default earliest crawl, then smallest id)")
    p.add_argument("--memory-limit", help="DuckDB memory limit for grouping (default 2GB; it spills beyond)")
    p.add_argument("--workers", type=int, default=1, help="processes for sketching and bucketing (default 1)")
    p.add_argument("--verify", action=argparse.BooleanOptionalAction, default=None,
                   help="exact Jaccard of each near-duplicate candidate vs its representative, keeping those below "
                        "the threshold (default on; --no-verify: FineWeb's behaviour, LSH candidates merged as found)")
    p.add_argument("--jaccard-threshold", type=float, help="threshold of --verify and --report (default 0.7)")
    p.add_argument("--report", type=int, nargs="?", const=400, metavar="N",
                   help="quality report: sample N removed pairs (default 400), precision and estimated recall")
    p.add_argument("--no-exact", action="store_true", help="no exact-text buckets")
    p.add_argument("--no-urls", action="store_true", help="no same-URL buckets")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_dedup)

    p = sub.add_parser("decontaminate", help="flag documents containing benchmark text (10-gram evidence rules)")
    p.add_argument("inputs", nargs="*", metavar="INPUT", help="pages shards: files, globs, or output roots")
    p.add_argument("--benchmarks", nargs="+", help="benchmark files or folders (.jsonl, .tsv)")
    p.add_argument("--only", help="comma-separated benchmark names to use")
    p.add_argument("--out", help="output root (dataset contamination/, _ledger/)")
    p.add_argument("--config", help="TOML/YAML with DecontamConfig keys")
    p.add_argument("--n", type=int, help="n-gram length (default 10)")
    p.add_argument("--min-words", type=int, help="shorter benchmark texts are ignored (default 3)")
    p.add_argument("--rule", choices=("evidence", "deepseek"),
                   help="evidence (default: matches that identify an item) or deepseek (any 10-gram, short texts whole)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_decontaminate)


def cmd_code(args) -> int:
    from pipelines.code import CodeConfig, run

    overrides = _overrides(args, ("out", "per", "fim_rate", "spm_rate", "seed", "max_file_bytes"))
    if args.no_dedup:
        overrides["dedup"] = False
    if args.sources:
        overrides["sources"] = tuple(args.sources)
    config = config_from(CodeConfig, args, overrides, "code", ("sources", "out"))
    summary = run(config, progress=not args.quiet)
    result(args, summary.format())
    hint(args, next_steps("\nNext:",
                     f'query "SELECT repo, component, language, n_files, fim_mode FROM code_samples" --root {quote(str(config.out))}',
                     f'query "SELECT path, dependencies FROM code_files WHERE repo = \'...\'" --root {quote(str(config.out))}'))
    return 1 if summary.failed else 0


def add_code_parser(sub) -> None:
    p = sub.add_parser("code", help="repositories -> dependency-ordered code samples with FIM")
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="repository folder, .tar[.gz|.bz2|.xz]/.tgz/.zip archive, or Parquet of (repo, path, content) rows")
    p.add_argument("--out", help="output root (code_samples/, code_files/, rejected/, duplicates/)")
    p.add_argument("--config", help="TOML/YAML with CodeConfig keys")
    p.add_argument("--per", choices=["component", "repository"], help="one sample per component (default) or repository")
    p.add_argument("--fim-rate", type=float, help="share of samples transformed (default 0.5)")
    p.add_argument("--spm-rate", type=float, help="share of FIM samples in SPM layout (default 0)")
    p.add_argument("--seed", type=int)
    p.add_argument("--max-file-bytes", type=int, help="larger files are rejected (default 1 MiB)")
    p.add_argument("--no-dedup", action="store_true", help="skip the near-dedup of samples")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_code)
