"""``docs/benchmarks.md``, written by the benchmarks themselves: each benchmark replaces its own
section (between markers) with the figures of its last run, so the page holds current figures
and no history. The run's date and machine are recorded with each section."""

from __future__ import annotations

import os
import platform
import re
from datetime import date
from pathlib import Path

PAGE = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
_HEAD = ("# Benchmarks\n\n<!-- each section is written by the benchmark named in it; do not edit -->\n\n"
         "Ours and the baseline on the same input, in one run, on the machine named with each section.\n")


def record(name: str, title: str, lines: list[str]) -> None:
    """Replace section ``name`` of docs/benchmarks.md with ``title`` and ``lines`` (markdown)."""
    text = PAGE.read_text(encoding="utf-8") if PAGE.exists() else _HEAD
    machine = f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}"
    body = "\n".join([f"<!-- {name} -->", f"## {title}", "",
                      f"`python benchmarks/{name}.py` on {date.today().isoformat()} ({machine}):", "", *lines,
                      f"<!-- /{name} -->"])
    pattern = re.compile(rf"<!-- {re.escape(name)} -->.*?<!-- /{re.escape(name)} -->", re.S)
    text = pattern.sub(lambda _: body, text) if pattern.search(text) else text.rstrip() + "\n\n" + body + "\n"
    tmp = PAGE.with_suffix(".md.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(PAGE)
