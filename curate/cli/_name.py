"""How the next steps we print call this program, so that they run as printed.

Right after the README's first command, ``curate`` is not on PATH (it is ``.venv/bin/curate``,
and activation is a step of its own). So: ``curate`` when that name on PATH is this very
program; else the path it was started by; for ``python -m curate``, that same command.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def program() -> str:
    started = Path(sys.argv[0])
    found = shutil.which("curate")
    if started.name == "__main__.py":                       # python -m curate
        return "curate" if found else f"{sys.executable} -m curate"
    if found and Path(found).resolve() == started.resolve():
        return "curate"
    return str(started) if started.is_absolute() else os.path.relpath(started)


def next_steps(title: str, *commands: str) -> str:
    """``title``, then each curate command (given without the program's name) as it runs when
    pasted: every hint a command prints goes through here."""
    me = program()
    return "\n".join([title, *(f"  {me} {command}" for command in commands)])


def result(args, full: str, line: str | None = None) -> None:
    """Print a command's result: all of it, or with ``-q`` its one line (``line``, else the first
    line of ``full``). Errors go to stderr either way."""
    if getattr(args, "quiet", False):
        print(line if line is not None else full.strip().splitlines()[0])
    else:
        print(full)


def hint(args, text: str) -> None:
    """Print next steps, unless ``-q``."""
    if not getattr(args, "quiet", False):
        print(text)
