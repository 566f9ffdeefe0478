"""Subcommands whose options come from a job's config class (as dolma's config dataclasses drive
its argparse): every field is a flag named after it, typed by its annotation, documented by the
comment that declares it. Flags override a ``--config`` file; paths given as flags are relative
to the current folder (the path rule)."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from shlex import quote

from curate.cli._name import next_steps, result


def _kind(tp):
    """(argparse type or action, is a list) of an annotation."""
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (tuple, list):
        return str, True
    if len(args) == 1:
        return _kind(args[0])
    if tp is bool:
        return bool, False
    if tp in (int, float):
        return tp, False
    return str, False


def add_config_options(p: argparse.ArgumentParser, cls, positional: str | None = None) -> None:
    """A flag per field of ``cls`` (lists comma-separated; ``positional``: the field given as
    positional arguments instead)."""
    from pipelines.docs import meanings

    said = meanings(cls)
    hints = typing.get_type_hints(cls)
    if positional:
        p.add_argument(positional, nargs="*", help=said.get(positional, ""))
    p.add_argument("--config", help=f"TOML/YAML with {cls.__name__} keys; flags override it")
    for f in dataclasses.fields(cls):
        if f.name == positional:
            continue
        kind, many = _kind(hints[f.name])
        flag = "--" + f.name.replace("_", "-")
        default = f.default if f.default is not dataclasses.MISSING else None
        text = said.get(f.name, "") + (f" (default {default})" if default not in (None, ()) else "")
        if kind is bool:
            p.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=text)
        else:
            p.add_argument(flag, dest=f.name, type=kind, default=None, help=text + (" (comma-separated)" if many else ""))
    p.add_argument("--workers", type=int, default=1, help="processes judging shards (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def config_of(cls, args, positional: str | None = None):
    """``cls`` from ``--config`` and the flags (flags win)."""
    hints = typing.get_type_hints(cls)
    given = {}
    for f in dataclasses.fields(cls):
        value = getattr(args, f.name, None)
        if value is None or (f.name == positional and not value):
            continue
        if _kind(hints[f.name])[1] and isinstance(value, str):
            value = tuple(v for v in value.split(",") if v)
        given[f.name] = tuple(value) if isinstance(value, list) else value
    if args.config:
        return cls.from_file(args.config, **given)
    missing = [f.name for f in dataclasses.fields(cls)
               if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and f.name not in given]
    if missing:
        from curate.errors import CurateError

        raise CurateError(f"give {', '.join(m.upper() if m == positional else '--' + m for m in missing)} "
                          "(or --config FILE)")
    return cls(**given)


def cmd_filter(args) -> int:
    from pipelines.filter import FilterConfig, run

    config = config_of(FilterConfig, args, "inputs")
    summary = run(config, progress=not args.quiet, workers=args.workers)
    result(args, summary.format())
    if not args.quiet:
        print(next_steps("\nWhy were pages dropped, and by how much?",
                         'query "SELECT reason, count(*) AS pages, round(median(value), 3) AS median_value '
                         f'FROM quality WHERE NOT keep GROUP BY ALL ORDER BY 2 DESC" --root {quote(str(config.out))}'))
    return 1 if summary.failed else 0


def add_filter_parser(sub, full: bool) -> None:
    """``curate filter``; its flags are generated only when the command is ``filter`` (building them
    imports the job, which other commands need not pay for)."""
    p = sub.add_parser("filter", help="heuristic quality filters that keep math (Gopher, C4, FineWeb) -> quality rows",
                       description="curate filter ROOT --out DIR: one quality row per page (keep, the first failed "
                                   "rule, every rule's measurements). Mixtures leave the dropped pages out with "
                                   "removals: [DIR].")
    if full:
        from pipelines.filter import FilterConfig

        add_config_options(p, FilterConfig, positional="inputs")
    p.set_defaults(func=cmd_filter)
