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

# A small working config per job (TOML), loaded by the tests through the job's loader.
EXAMPLES = {
    "ingest": 'sources = ["crawl/CC-MAIN-2024-22-00000.warc.gz", "saved-pages/"]\nout = "shards"\nworkers = 2\n',
    "crawl": 'out = "shards"\ncrawls = ["CC-MAIN-2024-22"]\nmax_files = 5\n',
    "dedup": 'inputs = ["shards"]\nout = "dedup"\nindex = "dedup-index"   # shared by later crawls\n',
    "decontaminate": 'inputs = ["shards"]\nbenchmarks = ["benchmarks/"]\nout = "decontam"\nonly = ["gsm8k", "math500"]\n',
    "code": 'sources = ["repos/*"]\nout = "code"\nper = "component"\nfim_rate = 0.5\n',
    "arxiv": 'sources = ["arxiv-src/*.tar.gz"]\nout = "figs"\ndpi = 100\n',
    "mix": ('name = "math-mix"\nroot = "shards"\ntotal_tokens = 1_000_000\nseed = 1\n\n'
            '[[sources]]\nname = "math"\ndataset = "pages"\nwhere = "has_math"\nshare = 0.7\nmax_epochs = 2\n\n'
            '[[sources]]\nname = "web"\ndataset = "pages"\nwhere = "NOT has_math AND lang = \'en\'"\nshare = 0.3\n'),
    "math-recall": 'inputs = ["shards"]\nout = "recall"\nseed_files = ["seed/"]\npolicy = "auto"\nmax_rounds = 3\n',
    "math-score": 'model = "recall/round-3/model.bin"\ninputs = ["new-shards"]\nout = "scored"\n',
    "filter": 'inputs = ["shards"]\nout = "quality"\nmath_aware = true\nc4_curly_bracket = true\n',
    "math-corpus": ('out = "math-corpus"\nmodel = "recall/round-3/model.bin"\nbenchmarks = ["benchmarks/"]\n'
                    'crawls = ["latest"]\nmax_files = 10\ntotal_tokens = 10_000_000\n'),
}

# The command of each job besides `curate run` (the README section says more).
COMMANDS = {"ingest": "curate ingest", "crawl": "curate serve crawl", "dedup": "curate dedup",
            "decontaminate": "curate decontaminate", "code": "curate code", "arxiv": "curate arxiv",
            "mix": "curate mix", "filter": "curate filter", "math-recall": "curate math recall", "math-score": "curate math score",
            "math-corpus": "curate serve math-corpus"}

_FIELD = re.compile(r"^\s+(\w+)\s*:\s*[^#=]+(?:=[^#]*)?(?:#\s?(.*))?$")
_COMMENT = re.compile(r"^(\s*)#\s?(.*)$")


def config_classes(job: Job) -> list[type]:
    """The dataclasses a job's config is made of (a loader function: the module's ``*Spec`` classes)."""
    target = job.config_target()
    if dataclasses.is_dataclass(target):
        return [target]
    module = sys.modules[target.__module__]
    found = [c for _, c in inspect.getmembers(module, dataclasses.is_dataclass)
             if c.__module__ == module.__name__ and c.__name__.endswith("Spec")]
    returned = inspect.signature(target).return_annotation           # the class the loader returns first
    return sorted(found, key=lambda c: (c.__name__ != str(returned), inspect.getsourcelines(c)[1]))


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
    lo, hi = getattr(cls, "RANGES", {}).get(name, (None, None))
    if lo is None and hi is None:
        return ""
    return f">= {lo}" if hi is None else f"{lo} to {hi}"


def key_table(cls: type) -> str:
    """Every key of one config class as a markdown table."""
    said = meanings(cls)
    lines = ["| key | type | default | range | meaning |", "| --- | --- | --- | --- | --- |"]
    for f in dataclasses.fields(cls):
        kind = str(f.type).replace("tuple[str, ...]", "list of str").replace("tuple[SourceSpec, ...]", "list of sources")
        meaning = said.get(f.name, "").replace("|", "\\|")
        lines.append(f"| `{f.name}` | {kind.replace('|', 'or')} | {_default(f)} | {_range(cls, f.name)} | {meaning} |")
    return "\n".join(lines)


def page(job: Job) -> str:
    """The markdown page of one job."""
    classes = config_classes(job)
    out = [f"# `{job.name}`: {job.summary}", "",
           "<!-- generated by `python -m pipelines.docs` from the job registry and the config declarations;"
           " do not edit -->", "",
           " ".join((inspect.getdoc(classes[0]) or "").split()), "",
           "## Run it", "", "```bash",
           f"{COMMANDS[job.name]} ...                      # see `{COMMANDS[job.name]} --help`",
           f"curate run {job.name} --config {job.name}.toml   # as a Prefect flow on Dask",
           f"curate serve {job.name} --config {job.name}.toml --cron '0 3 * * *'   # on a schedule",
           "```", "",
           f"Runner without Prefect: `{job.runner.replace(':', '.')}(config)`; flow: `{job.flow.replace(':', '.')}`.", "",
           "## Example config", "", "```toml", EXAMPLES[job.name].rstrip(), "```", "",
           "Unknown keys are an error (one line, exit 2); YAML takes the same keys.", ""]
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
