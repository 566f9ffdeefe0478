"""The installed dependency set is the locked one (requirements.lock), and the lock covers pyproject."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;]+)")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = PIN.match(line)
        if m:
            pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_installed_versions_are_the_locked_ones():
    pins = _lock()
    assert len(pins) > 100                      # direct and transitive
    wrong = {}
    for name, version in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (installed, version)
    assert not wrong, f"installed (got, locked): {wrong}; install with pip install -r requirements.lock"


def test_the_lock_covers_every_declared_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    names = {_norm(re.split(r"[\s<>=!~\[;]", d, maxsplit=1)[0]) for d in declared}
    pins = _lock()
    assert names - set(pins) == set()
    # pinned in pyproject and locked: the same version
    for d in declared:
        m = PIN.match(d.replace(" ", ""))
        if m:
            assert pins[_norm(m.group(1))] == m.group(2), d
