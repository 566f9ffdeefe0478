"""Packages meet through public faces: each package's ``__init__`` lists its API in ``__all__``
(as httpx tests its own), other packages import only those names, no module imports itself in a
circle, and the library never imports Prefect, ``pipelines`` or ``flows`` (except the command line,
which sits on top). Counted from the source with ``ast``, so a new import cannot slip past."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from tests.graphs import strong_components

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("curate", "pipelines", "flows", "schemas")
#: imports of another package's private module that are allowed (at most 5; none is needed today)
ALLOWED: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for top in TOPS:
        for path in sorted((ROOT / top).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = _modules()
PACKAGES = sorted(m for m, p in MODULES.items() if p.name == "__init__.py")


def _own_package(module: str) -> str:
    return module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]


def _imports(module: str):
    """(imported dotted name, line) of every absolute import in ``module``, at any depth."""
    for node in ast.walk(ast.parse(MODULES[module].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from pkg import sub`` imports pkg.sub (a module) or a name of pkg: either way the
            # dotted name says which, and no edge to pkg's __init__ is invented for a submodule
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno


def private_imports() -> list[tuple[str, str]]:
    """(importer, private module or name) where the private part belongs to another package."""
    found = set()
    for module in MODULES:
        own = _own_package(module)
        for name, _ in _imports(module):
            parts = name.split(".")
            if parts[0] not in TOPS:
                continue
            for i, part in enumerate(parts):
                if part.startswith("_") and not part.startswith("__"):
                    owner = ".".join(parts[:i])
                    if owner != own and not own.startswith(owner + "."):
                        found.add((module, ".".join(parts[:i + 1])))
                    break
    return sorted(found)


def cycles() -> list[list[str]]:
    """Strongly connected groups of modules (Tarjan), imports at any depth counted."""
    def target(name: str) -> str | None:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        return name or None

    graph = {m: {t for n, _ in _imports(m) if (t := target(n)) and t != m} for m in MODULES}
    groups: dict[str, list[str]] = {}
    for module, root in strong_components(graph, graph).items():
        groups.setdefault(root, []).append(module)
    return sorted(sorted(g) for g in groups.values() if len(g) > 1)


def test_other_packages_private_modules_are_not_imported():
    found = private_imports()
    assert len(ALLOWED) <= 5
    assert set(found) <= ALLOWED, "import these through the package's public face (its __all__): " + ", ".join(
        f"{importer} -> {name}" for importer, name in found if (importer, name) not in ALLOWED)


def test_no_import_circles():
    assert cycles() == []


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_lists_its_api_and_each_name_resolves(package):
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{package} has no __all__"
    assert len(names) == len(set(names)), f"{package}.__all__ repeats a name"
    for name in names:
        assert getattr(module, name, None) is not None, f"{package}.{name} is listed but missing"


def test_other_packages_use_only_the_listed_names():
    """``from curate.io import X`` elsewhere: X is in curate.io.__all__ (or a public submodule)."""
    faces = {p: set(getattr(importlib.import_module(p), "__all__", ())) for p in PACKAGES}
    wrong = []
    for module in MODULES:
        own = _own_package(module)
        for name, line in _imports(module):
            package, _, attr = name.rpartition(".")
            if package in faces and package != own and not own.startswith(package + ".") \
                    and attr not in faces[package] and f"{package}.{attr}" not in MODULES:
                wrong.append(f"{module}:{line} {name}")
    assert not wrong, wrong


def test_the_library_never_imports_the_orchestration():
    """curate/ (but its command line) imports neither Prefect nor ``pipelines`` nor ``flows``."""
    wrong = [(m, name, line) for m in MODULES if m.startswith("curate.") and not m.startswith("curate.cli")
             for name, line in _imports(m) if name.split(".")[0] in ("prefect", "pipelines", "flows")]
    assert not wrong, wrong
