"""One page per job under ``docs/``, generated from the job registry and the config declarations.

Each page lists every config key with its type, default, allowed range and meaning, read from
the config dataclass itself (the field's comment in the source is its meaning), so the pages
cannot drift from the code: ``tests/test_docs.py`` regenerates them and compares, and loads
every example config through the job's own loader.

    python -m pipelines.docs            # rewrite docs/*.md
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import sys
from pathlib import Path

from pipelines.jobs import JOBS, Job

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

_FIELD = re.compile(r"^\s+(\w+)\s*:\s*[^#=]+(?:=[^#]*)?(?:#\s?(.*))?$")
_COMMENT = re.compile(r"^(\s*)#\s?(.*)$")


def config_classes(job: Job) -> list[type]:
    """The dataclasses a job's config is made of (a spec read by a loader: its module's ``*Spec`` classes)."""
    target = job.config_class
    if job.flat:
        return [target]
    module = sys.modules[target.__module__]
    found = [c for _, c in inspect.getmembers(module, dataclasses.is_dataclass)
             if c.__module__ == module.__name__ and c.__name__.endswith("Spec")]
    return sorted(found, key=lambda c: (c is not target, inspect.getsourcelines(c)[1]))


def meanings(cls: type) -> dict[str, str]:
    """Field name -> the comment that declares it: on its line, continued on comment lines aligned
    under it, or the block comment just above it (fields of dataclass bases too)."""
    out: dict[str, str] = {}
    for base in reversed(cls.__mro__[1:]):
        if dataclasses.is_dataclass(base):
            out.update(_own_meanings(base))
    out.update(_own_meanings(cls))
    return out


def _own_meanings(cls: type) -> dict[str, str]:
    out: dict[str, str] = {}
    current, block = None, []
    for line in inspect.getsource(cls).splitlines()[1:]:
        comment, field = _COMMENT.match(line), _FIELD.match(line)
        if comment and current and len(comment.group(1)) > 12:      # a continuation, aligned right
            out[current] = f"{out[current]} {comment.group(2).strip()}".strip()
        elif comment:
            block.append(comment.group(2).strip())
            current = None
        elif field and not line.lstrip().startswith(("def ", "@", "RANGES", "PATHS")):
            current = field.group(1)
            out[current] = (field.group(2) or "").strip() or " ".join(block)
            block = []
        else:
            current, block = None, []
    return out


def _default(f: dataclasses.Field) -> str:
    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
        return "**required**"
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and value >= 10_000:
        return f"`{value:_}`"
    if isinstance(value, tuple):
        return "`[" + ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value) + "]`"
    return f'`"{value}"`' if isinstance(value, str) else f"`{value}`"


def _range(cls: type, name: str) -> str:
    allowed = getattr(cls, "CHOICES", {}).get(name)
    if allowed is not None:
        return "one of " + ", ".join(f"`{v}`" for v in allowed)
    lo, hi = getattr(cls, "RANGES", {}).get(name, (None, None))
    if lo is None and hi is None:
        return ""
    return f">= {lo}" if hi is None else f"{lo} to {hi}"


def key_table(cls: type) -> str:
    """Every key of one config class as a markdown table."""
    said = meanings(cls)
    lines = ["| key | type | default | range | meaning |", "| --- | --- | --- | --- | --- |"]
    required = [f for f in dataclasses.fields(cls) if _default(f) == "**required**"]
    for f in required + [f for f in dataclasses.fields(cls) if f not in required]:     # required keys first
        kind = str(f.type).replace("tuple[str, ...]", "list of str").replace("tuple[SourceSpec, ...]", "list of sources")
        meaning = said.get(f.name, "").replace("|", "\\|")
        lines.append(f"| `{f.name}` | {kind.replace('|', 'or')} | {_default(f)} | {_range(cls, f.name)} | {meaning} |")
    return "\n".join(lines)


def required_words(job: Job) -> list[str]:
    """What ``curate <job>`` must be given, one entry per setting (the positional field's
    arguments first: ``INPUT...``, ``--out DIR``), or its spec file."""
    if not job.flat:
        return ["SPEC"]
    required = [f.name for f in dataclasses.fields(job.config_class)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    return [f"{name.rstrip('s').upper()}..." if name == job.positional
            else f"--{name.replace('_', '-')} {'DIR' if name == 'out' else name.upper()}"
            for name in sorted(required, key=lambda name: name != job.positional)]


def synopsis(job: Job) -> str:
    """How ``curate <job>`` is called: its config as flags (the positional field as arguments), or its spec file."""
    return " ".join(["curate", job.name, *required_words(job)])


def _params(job: Job) -> list[str]:
    if not job.params:
        return []
    lines = ["## Run options", "", "Not config keys: arguments of the run (`JOBS[...].run(config, name=value)`) and "
             "parameters of its flow.", "", "| option | type | default | flag | meaning |", "| --- | --- | --- | --- | --- |"]
    for p in job.params:
        flag = f"`--{p.name.replace('_', '-')}`" if p.local else "flow only"
        kind = getattr(p.type, "__name__", str(p.type)).replace("|", "or")
        lines.append(f"| `{p.name}` | {kind} | `{p.default}` | {flag} | {p.meaning} |")
    return lines + [""]


def page(job: Job) -> str:
    """The markdown page of one job."""
    classes = config_classes(job)
    name = job.name
    flags = ("every key below is also a flag (`--key-name`; lists take several values or commas), "
             "overriding the file" if job.flat else "the spec file is its argument")
    out = [f"# `{name}`: {job.summary}", "",
           "<!-- generated by `python -m pipelines.docs` from the job registry and the config declarations;"
           " do not edit -->", "",
           " ".join((inspect.getdoc(classes[0]) or "").split()), "",
           "## Run it", "", "```bash",
           f"{synopsis(job)} ...   # here, with a progress bar",
           f"curate run {name} --config {name}.toml   # as a Prefect flow on Dask",
           f"curate serve {name} --config {name}.toml --cron '0 3 * * *'   # on a schedule",
           "```", "",
           f"`curate {name}`: {flags}"
           + (f"; `curate {name} --config {name}.toml` reads them from a file" if job.flat else "")
           + f". Without the command line: `python -m pipelines {name} --config {name}.toml`. Storage: `{job.storage}`"
           + (f", its output root may also hold {' and '.join(job.shares)}'s output" if job.shares
              else ", its output root holds its output alone")
           + f". In Python: `pipelines.jobs.JOBS[\"{name}\"].run(config)`; flow: `flows.jobs.{job.flow_name}`.", "",
           "## Example config", "", "```toml", job.example.rstrip(), "```", "",
           "Unknown keys are an error (one line, exit 2); YAML takes the same keys.", ""]
    out += _params(job)
    for cls in classes:
        title = "Keys" if cls is classes[0] else f"Keys of each entry of `sources` ({cls.__name__})"
        out += [f"## {title}", "", key_table(cls), ""]
    return "\n".join(out)


def index() -> str:
    lines = ["# Jobs", "", "<!-- generated by `python -m pipelines.docs`; do not edit -->", "",
             "| job | what it does |", "| --- | --- |"]
    lines += [f"| [`{j.name}`]({j.name}.md) | {j.summary} |" for j in JOBS.values()]
    return "\n".join(lines) + "\n"


def pages() -> dict[str, str]:
    """File name -> text of every generated page."""
    return {"README.md": index(), **{f"{name}.md": page(job) for name, job in JOBS.items()}}


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    for name, text in pages().items():
        (DOCS / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages())} pages to {DOCS}")


if __name__ == "__main__":
    main()
