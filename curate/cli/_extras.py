"""What a few jobs' subcommands add to the generated ones (curate/cli/_jobs.py): a flag that
sets several keys (dedup's ``--threshold``), a sub-action (``curate arxiv export``, ``curate mix
--rebuild``), a terminal prompt (math recall's ``policy = "ask"``), a one-line result for ``-q``."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from shlex import quote
from typing import Any, Callable

from curate.cli._name import hint, next_steps
from curate.errors import CurateError, FatalError


def _nothing(*args) -> None:
    return None


def _format(summary) -> str:
    """A summary's own ``format()``; a plain result dict as ``key: value`` lines."""
    if hasattr(summary, "format"):
        return summary.format()
    from pipelines import format_value

    return "\n".join(f"{key}: {format_value(value)}" for key, value in summary.items())


@dataclass(frozen=True)
class Extra:
    """A job's command-line additions; every hook is optional."""

    description: str | None = None
    add: Callable[[Any], None] = _nothing                      # (parser): flags of its own
    instead: Callable[[Any], int | None] = _nothing            # (args): a sub-action's exit code, or None to run
    overrides: Callable[[Any], dict] = lambda args: {}         # (args): config keys its flags set
    ask: Callable[[Any, Any], Any] = _nothing                  # (args, config): answers questions on the terminal
    text: Callable[[Any], str] = _format                       # (summary): the result
    line: Callable[[Any], str | None] = _nothing               # (summary): the result in one line (-q)
    after: Callable[[Any, Any, Any], None] = _nothing          # (args, config, summary): more output


# dedup ------------------------------------------------------------------------------------------

def _dedup_flags(p) -> None:
    p.add_argument("--threshold", type=float, help="choose bands and rows for this Jaccard threshold")
    p.add_argument("--report", type=int, nargs="?", const=400, metavar="N",
                   help="quality report: sample N removed pairs (default 400), precision and estimated recall")


def _dedup_keys(args) -> dict:
    if args.threshold is None:
        return {}
    if not 0 < args.threshold < 1:
        raise FatalError(f"--threshold must be in (0, 1), not {args.threshold}")
    from curate.dedup import lsh_params

    bands, rows = lsh_params(args.threshold, args.num_perm or 112)
    return {"bands": bands, "rows": rows}


def _dedup_report(args, config, summary) -> None:
    if args.report:
        from pipelines.dedup import format_report, quality

        print(format_report(quality(config, summary.run, sample=args.report)))


# arxiv ------------------------------------------------------------------------------------------

def _arxiv_flags(p) -> None:
    p.add_argument("--limit", type=int, help="export: at most this many images")


def _arxiv_export(args) -> int | None:
    if not args.sources or args.sources[0] != "export":         # curate arxiv export ROOT --out DIR
        return None
    from curate.arxiv import export

    if len(args.sources) != 2 or not args.out:
        raise CurateError("give one output ROOT of an arXiv run and --out DIR")
    summary = export(args.sources[1], args.out, limit=args.limit)
    print(f"exported {summary.images} figure images of {summary.papers} papers to {Path(args.out) / 'images'}")
    print(f"captions: {summary.jsonl} (image, caption, sub_caption, paper_id per line)")
    return 0


# mix --------------------------------------------------------------------------------------------

def _mix_flags(p) -> None:
    p.add_argument("--rebuild", metavar="MANIFEST", help="rebuild exactly the mixture of this manifest")
    p.add_argument("--format", choices=("parquet", "megatron"),
                   help="megatron: also Megatron-LM token files (.bin/.idx) and their lineage (default: the spec's)")


def _mix_rebuild(args) -> int | None:
    if not args.rebuild:
        return None
    from pipelines.mix import format_manifest, rebuild

    if not args.out:
        raise CurateError("curate mix --rebuild: give --out DIR")
    manifest = rebuild(args.rebuild, args.out, progress=not args.quiet, workers=args.workers)
    print(format_manifest(manifest).splitlines()[0] if args.quiet else format_manifest(manifest))
    return 0


def _mix_text(manifest) -> str:
    from pipelines.mix import format_manifest

    return format_manifest(manifest)


def _mix_lineage(args, spec, manifest) -> None:
    out = args.out or spec.out
    hint(args, f"\nmanifest: {str(out).rstrip('/')}/manifest.json")
    if "megatron" in manifest:
        roots = [str(out), manifest["spec"]["root"]] + [s["root"] for s in manifest["spec"]["sources"] if s.get("root")]
        hint(args, next_steps("Which page did token N of a shard come from? (add --root for each input root)",
                              'query "SELECT t.source, t.id, s.url, s.warc_path, s.warc_offset FROM mixture_tokens t '
                              "LEFT JOIN mixture_sources s USING (source_shard, source_row) WHERE t.shard = 'part-00000' "
                              'AND 1000 >= t.token_start AND 1000 < t.token_end" '
                              + " ".join(f"--root {quote(r)}" for r in dict.fromkeys(roots))))


# math recall ------------------------------------------------------------------------------------

def _recall_ask(args, config):
    from curate.cli._prompt import prompt

    return prompt if config.policy == "ask" and sys.stdin.isatty() else None


def _recall_line(summary) -> str:
    last = summary.rounds[-1] if summary.rounds else {}
    return (f"math recall: {len(summary.rounds)} round(s); the last selected {last.get('selected', 0)} pages "
            f"(stop: {last.get('stop') or 'none'})")


def _recall_review(args, config, summary) -> None:
    if not args.config:
        return
    if summary.undecided:
        hint(args, next_steps("Decide the candidate prefixes (accepted ones seed the next round):",
                              f"math annotate --config {quote(str(args.config))} --interactive"))
    hint(args, next_steps("Review the last round:", f"math domains --config {quote(str(args.config))}"))


EXTRAS: dict[str, Extra] = {
    "ingest": Extra(line=lambda s: f"ingest: {s.pages} pages written, {s.rejected} rejected, "
                                   f"{len(s.failed)} input(s) failed"),
    "dedup": Extra(add=_dedup_flags, overrides=_dedup_keys, after=_dedup_report),
    "decontaminate": Extra(line=lambda s: f"decontaminate: {s.documents} documents scanned, {s.contaminated} "
                                          f"contaminated, {len(s.failed)} shard(s) failed"),
    "arxiv": Extra(description="curate arxiv SOURCE... --out ROOT extracts figures; curate arxiv export ROOT --out DIR "
                               "writes them as PNG files plus figures.jsonl (a source folder named export: write "
                               "./export).", add=_arxiv_flags, instead=_arxiv_export),
    "mix": Extra(add=_mix_flags, instead=_mix_rebuild, overrides=lambda args: {"format": args.format},
                 text=_mix_text, after=_mix_lineage),
    "math-recall": Extra(ask=_recall_ask, text=lambda s: s.format() + "\n", line=_recall_line, after=_recall_review),
    "filter": Extra(description="curate filter ROOT --out DIR: one quality row per page (keep, the first failed "
                                "rule, every rule's measurements). Mixtures leave the dropped pages out with "
                                "removals: [DIR]."),
}
