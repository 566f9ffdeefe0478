"""``curate catalog``, ``stats`` and ``tokenizer`` (registered by curate.cli)."""

from __future__ import annotations


from shlex import quote

from pathlib import Path

from curate.cli._name import next_steps


def cmd_catalog(args) -> int:
    from curate.query import find_roots, write_catalog

    path, views = write_catalog(find_roots(args.root), args.db)
    print(f"catalog: {path}\nviews: {', '.join(views)}")
    print(next_steps("\nQuery it (or open it with any DuckDB client):",
                     f'query "SELECT pipeline, reason, count(*) FROM removals GROUP BY ALL" --db {quote(str(path))}',
                     f'query "SELECT * FROM removals WHERE id = \'...\'" --db {quote(str(path))}'))
    return 0


def cmd_stats(args) -> int:
    from curate.io import write_atomic
    from curate.query import collect_stats, find_roots, format_stats, render_report

    stats = collect_stats(find_roots(args.root))
    print(format_stats(stats))
    if args.html:
        write_atomic(Path(args.html), render_report(stats).encode(), mode=0o644)   # a report is for others
        print(f"\nHTML report: {args.html}")
    return 0


def cmd_tokenizer(args) -> int:
    from curate.errors import FatalError
    from curate.io import committed
    from curate.mix import parquet_texts, train_tokenizer

    files: list[str] = []
    for item in args.inputs:
        path = Path(item)
        if path.is_dir():
            found = committed(path, args.dataset) or sorted(str(p) for p in path.glob("*.parquet"))
            if not found:
                raise FatalError(f"no {args.dataset} shards (or Parquet files) under {item}")
            files += found
        elif path.is_file():
            files.append(str(path))
        else:
            raise FatalError(f"no such file or folder: {item}")
    specials = tuple(t for t in args.special_tokens.split(",") if t)
    done = train_tokenizer(parquet_texts(files, args.column, args.max_documents), args.out,
                           vocab_size=args.vocab_size, special_tokens=specials)
    print(f"tokenizer: {done.path} ({done.vocab_size} tokens, trained on {done.documents} documents, {done.name})")
    if not args.quiet:
        print(next_steps("Use it in a mixture spec (tokenizer: ...; format: megatron), or:",
                         f"mix SPEC --out DIR --format megatron   # with tokenizer: {quote(done.path)} in SPEC"))
    return 0


def add_tokenizer_parser(sub) -> None:
    p = sub.add_parser("tokenizer", help="train a byte-level BPE tokenizer.json on a dataset's text (offline)",
                       description="curate tokenizer train ROOT|FILE... --out tokenizer.json: byte-level BPE "
                                   "(Hugging Face tokenizers) trained here, for Megatron output when no model's "
                                   "tokenizer.json is at hand.")
    p.add_argument("action", choices=["train"])
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="output roots (their DATASET shards) or Parquet files")
    p.add_argument("--out", required=True, help="tokenizer.json to write")
    p.add_argument("--vocab-size", type=int, default=32_000, help="vocabulary size (default 32000)")
    p.add_argument("--special-tokens", default="<|endoftext|>",
                   help="comma-separated special tokens, end-of-document first (default <|endoftext|>)")
    p.add_argument("--dataset", default="pages", help="dataset of a root to read (default pages)")
    p.add_argument("--column", default="text", help="text column (default text)")
    p.add_argument("--max-documents", type=int, help="train on at most this many documents")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_tokenizer)


def add_parsers(sub) -> None:
    p = sub.add_parser("catalog", help="write a DuckDB database with a view per dataset and `removals`")
    p.add_argument("--root", required=True, action="append",
                   help="output root (repeat for several: --root shards/ --root dedup/)")
    p.add_argument("--db", help="database file or s3:// object (default ROOT/catalog.duckdb)")
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("stats", help="per-dataset counts, tokens and breakdowns; --html for a report")
    p.add_argument("--root", required=True, action="append", help="output root (repeat for several)")
    p.add_argument("--html", help="write a self-contained HTML report with charts")
    p.set_defaults(func=cmd_stats)
