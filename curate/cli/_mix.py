"""``curate catalog``, ``stats``, ``mix`` and ``arxiv`` (registered by curate.cli)."""

from __future__ import annotations

from curate.errors import CurateError

from shlex import quote

from pathlib import Path

from curate.cli._name import hint, next_steps, result


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


def cmd_mix(args) -> int:
    from pipelines.mix import format_manifest, load_spec, rebuild, run

    if args.rebuild:
        manifest = rebuild(args.rebuild, args.out, progress=not args.quiet, workers=args.workers)
    elif args.spec:
        spec = load_spec(args.spec)
        if args.format and args.format != spec.format:
            from dataclasses import replace

            spec = replace(spec, format=args.format)
        manifest = run(spec, args.out, progress=not args.quiet, workers=args.workers)
    else:
        raise CurateError("give SPEC (or --rebuild MANIFEST) and --out DIR")
    result(args, format_manifest(manifest) + f"\n\nmanifest: {str(args.out).rstrip('/')}/manifest.json")
    if "megatron" in manifest:
        hint(args, next_steps("Which page did token N of a shard come from? (add --root for each input root)",
                         f'query "SELECT t.source, t.id, s.url, s.warc_path, s.warc_offset FROM mixture_tokens t '
                         f"LEFT JOIN mixture_sources s USING (source_shard, source_row) WHERE t.shard = 'part-00000' "
                         f'AND 1000 >= t.token_start AND 1000 < t.token_end" ' + _roots(manifest, args.out)))
    return 0


def _roots(manifest: dict, out) -> str:
    """``--root`` options for the mixture and every root it read (its lineage views need them)."""
    import shlex

    spec = manifest["spec"]
    roots = [str(out), spec["root"]] + [s["root"] for s in spec["sources"] if s.get("root")]
    return " ".join(f"--root {shlex.quote(r)}" for r in dict.fromkeys(roots))


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

    p = sub.add_parser("mix", help="a training mixture to a token budget from a spec (YAML/TOML)")
    p.add_argument("spec", nargs="?", help="mixture spec")
    p.add_argument("--out", required=True, help="output folder (mixture/ shards and manifest.json)")
    p.add_argument("--rebuild", metavar="MANIFEST", help="rebuild exactly the mixture of this manifest")
    p.add_argument("--workers", type=int, default=1, help="processes for routing and writing shards")
    p.add_argument("--format", choices=("parquet", "megatron"),
                   help="megatron: also Megatron-LM token files (.bin/.idx) and their lineage (default: the spec's)")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_mix)


def cmd_arxiv_export(args) -> int:
    from curate.arxiv import export

    if len(args.sources) != 2 or not args.out:
        raise CurateError("give one output ROOT of an arXiv run and --out DIR")
    summary = export(args.sources[1], args.out, limit=args.limit)
    print(f"exported {summary.images} figure images of {summary.papers} papers to {Path(args.out) / 'images'}")
    print(f"captions: {summary.jsonl} (image, caption, sub_caption, paper_id per line)")
    return 0


def cmd_arxiv(args) -> int:
    from curate.cli._dedup import config_from
    from pipelines.arxiv import ArxivConfig, run

    if args.sources and args.sources[0] == "export":      # curate arxiv export ROOT --out DIR
        return cmd_arxiv_export(args)

    overrides = {k: getattr(args, k) for k in ("out", "dpi", "min_caption_chars") if getattr(args, k) is not None}
    if args.arxivcap:
        overrides["arxivcap"] = True
    if args.sources:
        overrides["sources"] = tuple(args.sources)
    config = config_from(ArxivConfig, args, overrides, "arxiv", ("sources", "out"))
    summary = run(config, progress=not args.quiet)
    result(args, summary.format())
    hint(args, next_steps("\nNext:", 'query "SELECT paper_id, figure_index, subfigure_index, width, height, caption '
                                 f'FROM figures" --root {quote(str(config.out))}'))
    return 1 if summary.failed else 0


def add_arxiv_parser(sub) -> None:
    p = sub.add_parser("arxiv", help="figure-caption pairs from arXiv LaTeX sources, images as PNG",
                       description="curate arxiv SOURCE... --out ROOT extracts figures; curate arxiv export ROOT "
                                   "--out DIR writes them as PNG files plus figures.jsonl (a source folder named "
                                   "export: write ./export).")
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="paper folder, arXiv source file (.gz/.tar.gz/.tex), bulk arXiv_src_*.tar, or URL")
    p.add_argument("--out", help="output root (figures/, rejected/, arxivcap/)")
    p.add_argument("--config", help="TOML/YAML with ArxivConfig keys")
    p.add_argument("--dpi", type=int, help="rendering resolution for PDF/EPS figures (default 100)")
    p.add_argument("--min-caption-chars", type=int, help="shorter captions are left out (default 10)")
    p.add_argument("--arxivcap", action="store_true", help="also write ArxivCap's one-row-per-paper layout")
    p.add_argument("--limit", type=int, help="export: at most this many images")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(func=cmd_arxiv)
