"""``curate <job>`` for every registered job, generated from its :class:`pipelines.Job`.

As dolma's config dataclasses drive its argparse, each field of the job's config is a flag named
after it, typed by its annotation (lists take several values or commas; ``CHOICES`` are argparse
choices), documented by the comment that declares it; the job's ``positional`` field is given as
arguments. Flags override a ``--config`` file; paths given as flags are relative to the current
folder (the path rule). A job whose config is a spec file (mix) takes the file as its argument.
The job's run options (``Job.params``) are flags too. What a few jobs add on the command line
(dedup's ``--threshold``, ``curate arxiv export``) is in ``curate/cli/_extras.py``.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from shlex import quote

from curate.cli._name import hint, next_steps, result
from curate.errors import CurateError


def _number_or_word(text: str):
    """A value of a ``float | str`` setting: a number when it reads as one ("model", "auto" stay)."""
    try:
        return float(text)
    except ValueError:
        return text


def _kind(tp):
    """(argparse type, is a list) of an annotation."""
    if typing.get_origin(tp) in (tuple, list):
        return str, True
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) == 1:
        return _kind(args[0])
    if args and str in args and (float in args or int in args):
        return _number_or_word, False
    if tp in (bool, int, float):
        return tp, False
    return str, False


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_config_options(p: argparse.ArgumentParser, cls, positional: str | None = None) -> None:
    """A flag per field of ``cls`` (``positional``: the field given as arguments instead)."""
    from pipelines.docs import meanings

    said = meanings(cls)
    hints = typing.get_type_hints(cls)
    choices = getattr(cls, "CHOICES", {})
    if positional:
        p.add_argument(positional, nargs="*", metavar=positional.rstrip("s").upper(),
                       help=said.get(positional, "").replace("%", "%%"))
    p.add_argument("--config", help=f"TOML/YAML with {cls.__name__} keys; flags override it")
    for f in dataclasses.fields(cls):
        if f.name == positional:
            continue
        kind, many = _kind(hints[f.name])
        default = f.default if f.default is not dataclasses.MISSING else None
        text = said.get(f.name, "") + (f" (default {default})" if default not in (None, ()) else "")
        text = text.replace("%", "%%")          # argparse formats help with %: "10% of a domain"
        if kind is bool:
            p.add_argument(_flag(f.name), dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=text)
        elif many:
            p.add_argument(_flag(f.name), dest=f.name, nargs="+", default=None, metavar=f.name.upper(),
                           help=text + " (several values, or comma-separated)")
        else:
            p.add_argument(_flag(f.name), dest=f.name, type=kind, default=None, choices=choices.get(f.name), help=text)


def _given(cls, args, positional: str | None) -> dict:
    """The fields the command line set (lists split at commas, except paths)."""
    hints = typing.get_type_hints(cls)
    paths = set(getattr(cls, "PATHS", ()))
    given = {}
    for f in dataclasses.fields(cls):
        value = getattr(args, f.name, None)
        if value is None or (f.name == positional and not value):
            continue
        if _kind(hints[f.name])[1]:
            value = tuple(v for item in value for v in ([item] if f.name in paths else item.split(",")) if v)
        given[f.name] = value
    return given


def config_of(job, args, overrides: dict | None = None):
    """The job's config from ``--config`` (or its spec file) and the flags (flags win)."""
    if not job.flat:
        if not args.spec:
            raise CurateError(f"curate {job.name}: give SPEC (a {job.name} spec file, YAML or TOML)")
        return job.load_config(args.spec, **(overrides or {}))
    cls = job.config_class
    given = {**_given(cls, args, job.positional), **(overrides or {})}
    if args.config:
        return job.load_config(args.config, **given)
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in given
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:                                            # say every one, as the synopsis does
        from pipelines.docs import required_words

        raise CurateError(f"curate {job.name}: give {' and '.join(required_words(job))} (or --config FILE)")
    return cls(**given)


def _config_has_workers(job) -> bool:
    """The config sets its own processes (ingest's extraction workers): no ``--workers`` of the run."""
    return any(f.name == "workers" for f in dataclasses.fields(job.config_class))


def add_job_parser(sub, job, name: str | None = None) -> None:
    """``curate <name>`` (default the job's name) running ``job`` here."""
    from curate.cli._extras import EXTRAS, Extra

    from pipelines.docs import required_words

    extra = EXTRAS.get(job.name, Extra())
    p = sub.add_parser(name or job.name, help=job.summary,
                       usage=" ".join(["%(prog)s", *required_words(job), "[options]"]),
                       description=f"{job.summary}." + (f" {extra.description}" if extra.description else ""))
    if job.flat:
        add_config_options(p, job.config_class, job.positional)
    else:
        p.add_argument("spec", nargs="?", metavar="SPEC", help=f"the {job.name} spec (YAML or TOML)")
    for param in job.params:
        if param.local:
            p.add_argument(_flag(param.name), dest=param.name, type=_kind(param.type)[0], default=None,
                           help=param.meaning.replace("%", "%%"))
    if not _config_has_workers(job):
        p.add_argument("--workers", type=int, default=1, help="processes for the job's map steps (default 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar; only the result's first line")
    extra.add(p)
    p.set_defaults(func=lambda args: run_job(job, extra, args))


def run_job(job, extra, args) -> int:
    """Build the config, run the job here, print its summary and the next steps."""
    taken = extra.instead(args)
    if taken is not None:
        return taken
    config = config_of(job, args, extra.overrides(args))
    params = {p.name: getattr(args, p.name) for p in job.params if p.local and getattr(args, p.name, None) is not None}
    workers = 1 if _config_has_workers(job) else args.workers    # its own workers setting says how many
    summary = job.run(config, progress=not args.quiet, workers=workers, ask=extra.ask(args, config), **params)
    result(args, extra.text(summary), extra.line(summary))
    root = quote(str(job.root(config, **params)))
    if job.hints:
        hint(args, next_steps("\nNext:", *(h.format(root=root) for h in job.hints)))
    extra.after(args, config, summary)
    return 1 if getattr(summary, "failed", None) else 0
