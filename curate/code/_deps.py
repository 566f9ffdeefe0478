"""Import parsing and resolution to files of the same repository: Python, Java, C, C++, C#.

Every resolver takes the repository's files (posix path -> text) and returns,
per file, the set of repository paths it depends on. Imports that name nothing
in the repository (the standard library, third-party packages) are ignored.
Parsing uses regular expressions over the whole text, so imports inside
functions or under ``if TYPE_CHECKING:`` count like any other.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w. \t,]+)", re.M)
_PY_FROM = re.compile(r"^[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+(\([^)]*\)|(?:[^\n\\]|\\\n)*)", re.M)
_COMMENT_C = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_JAVA_PACKAGE = re.compile(r"^\s*package\s+([\w.]+)\s*;", re.M)
_JAVA_IMPORT = re.compile(r"^\s*import\s+(static\s+)?([\w.]+?)(\.\*)?\s*;", re.M)
_TYPE_NAME = re.compile(r"\b[A-Z][A-Za-z0-9_]*\b")
_JAVA_QUALIFIED = re.compile(r"\b[a-z_]\w*(?:\.[a-z_]\w*)+\.[A-Z]\w*")
_INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*([<"])([^>"\n]+)[>"]', re.M)
_CS_NAMESPACE = re.compile(r"^\s*namespace\s+([\w.]+)", re.M)
_CS_USING = re.compile(r"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?([\w.]+)\s*;", re.M)


def _py_modules(paths: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(module -> path, path -> module) for the Python files, modules named from their package root
    (the first ancestor folder without __init__.py: handles src/ layouts) and from the repository root."""
    py = [p for p in paths if p.endswith((".py", ".pyi"))]
    inits = {posixpath.dirname(p) for p in py if posixpath.basename(p) in ("__init__.py", "__init__.pyi")}
    # a folder without __init__.py inside a package is a namespace subpackage (PEP 420: flask.sansio)
    for folder in sorted({posixpath.dirname(p) for p in py}, key=lambda f: f.count("/")):
        if folder and folder not in inits and posixpath.dirname(folder) in inits:
            inits.add(folder)
    modules: dict[str, str] = {}
    names: dict[str, str] = {}
    for path in sorted(py):
        stem = posixpath.splitext(path)[0]
        parts = stem.split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        root = posixpath.dirname(path)
        while root and root in inits:                       # climb while the folder is a package
            root = posixpath.dirname(root)
        depth = len([x for x in root.split("/") if x]) if root else 0
        name = ".".join(parts[depth:])
        if name:
            modules.setdefault(name, path)
            names[path] = name
        modules.setdefault(".".join(parts), path)           # also from the repository root
    return modules, names


# Triple-quoted strings (docstrings with "import x" examples) blanked before the import regexes.
_PY_STRING = re.compile(r'"""(?:\\.|[^\\])*?"""|\'\'\'(?:\\.|[^\\])*?\'\'\'', re.S)


def python_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    modules, names = _py_modules(list(files))
    deps: dict[str, set[str]] = defaultdict(set)
    for path, name in names.items():
        text = _PY_STRING.sub('""', files[path]) if ('"""' in files[path] or "\'\'\'" in files[path]) else files[path]
        is_pkg = posixpath.basename(path).startswith("__init__")
        package = name if is_pkg else name.rpartition(".")[0]
        for m in _PY_IMPORT.finditer(text):
            for item in m.group(1).split(","):
                target = item.split()[0] if item.split() else ""
                while target:
                    if target in modules:
                        deps[path].add(modules[target])
                        break
                    target = target.rpartition(".")[0]
        for m in _PY_FROM.finditer(text):
            dots, base = m.group(1), m.group(2)
            if dots:
                anchor = package.split(".") if package else []
                up = len(dots) - 1
                if up > len(anchor):
                    continue
                anchor = anchor[:len(anchor) - up] if up else anchor
                base = ".".join(anchor + ([base] if base else []))
            imported = re.sub(r"#[^\n]*", "", m.group(3)).strip("()\\ \t\n")
            found = False
            for item in imported.replace("\\\n", " ").split(","):
                word = item.split()[0] if item.split() else ""
                sub = f"{base}.{word}" if base else word
                if word and word != "*" and sub in modules:
                    deps[path].add(modules[sub])
                    found = True
            if not found and base in modules:
                deps[path].add(modules[base])
        deps[path].discard(path)
    return deps


def java_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    java = {p: t for p, t in files.items() if p.endswith(".java")}
    classes: dict[str, str] = {}
    packages: dict[str, list[str]] = defaultdict(list)
    package_of: dict[str, str] = {}
    for path, text in sorted(java.items()):
        m = _JAVA_PACKAGE.search(text)
        pkg = m.group(1) if m else ""
        package_of[path] = pkg
        stem = posixpath.splitext(posixpath.basename(path))[0]
        classes.setdefault(f"{pkg}.{stem}" if pkg else stem, path)
        packages[pkg].append(path)
    deps: dict[str, set[str]] = defaultdict(set)
    for path, text in java.items():
        for m in _JAVA_IMPORT.finditer(text):
            name, wildcard = m.group(2), m.group(3)
            if wildcard and name in packages:
                deps[path].update(packages[name])
                continue
            while name:                                    # nested classes and static members
                if name in classes:
                    deps[path].add(classes[name])
                    break
                name = name.rpartition(".")[0]
        # same-package classes are used without imports: match their names in the code
        siblings = {posixpath.splitext(posixpath.basename(p))[0]: p for p in packages[package_of[path]]}
        code = _COMMENT_C.sub(" ", text)
        used = set(_TYPE_NAME.findall(code))
        # fully qualified names in code (implements org.example.builder.Builder<T>)
        for qualified in _JAVA_QUALIFIED.findall(code):
            if qualified in classes:
                deps[path].add(classes[qualified])
        deps[path].update(siblings[n] for n in used & siblings.keys())
        # package-info.java declares the package (docs, annotations): it comes first in its package
        if "package-info" in siblings:
            deps[path].add(siblings["package-info"])
        deps[path].discard(path)
    return deps


def c_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    """``#include "x.h"`` relative to the including file, the repository root, folders holding
    headers, or (unique) path suffix; ``<x.h>`` only from the root and header folders."""
    exts = (".c", ".h", ".cc", ".cpp", ".cxx", ".c++", ".hpp", ".hh", ".hxx", ".inc", ".inl")
    paths = set(files)
    # Include directories as a build would pass them (-I): every folder holding headers and its
    # ancestors (include/ for <lib/x.h> under include/lib/), nearest first.
    header_dirs: set[str] = set()
    for p in paths:
        if p.endswith((".h", ".hpp", ".hh", ".hxx")):
            folder = posixpath.dirname(p)
            while folder and folder not in header_dirs:
                header_dirs.add(folder)
                folder = posixpath.dirname(folder)
    header_dirs = sorted(header_dirs, key=lambda d: (-d.count("/"), d))
    by_suffix: dict[str, list[str]] = defaultdict(list)
    for p in paths:
        parts = p.split("/")
        for i in range(len(parts)):
            by_suffix["/".join(parts[i:])].append(p)
    deps: dict[str, set[str]] = defaultdict(set)
    for path, text in files.items():
        if not path.endswith(exts):
            continue
        here = posixpath.dirname(path)
        for m in _INCLUDE.finditer(text):
            quote, inc = m.group(1), m.group(2).strip()
            tries = ([posixpath.join(here, inc)] if quote == '"' else []) + [inc] + \
                [posixpath.join(d, inc) for d in header_dirs]
            hit = next((posixpath.normpath(t) for t in tries if posixpath.normpath(t) in paths), None)
            if hit is None and quote == '"' and len(by_suffix.get(inc, ())) == 1:
                hit = by_suffix[inc][0]
            if hit and hit != path:
                deps[path].add(hit)
    return deps


def csharp_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    """``using N;`` -> every file declaring namespace N; same-namespace types by name."""
    cs = {p: t for p, t in files.items() if p.endswith(".cs")}
    declaring: dict[str, set[str]] = defaultdict(set)
    spaces: dict[str, list[str]] = {}
    for path, text in cs.items():
        spaces[path] = _CS_NAMESPACE.findall(text)
        for ns in spaces[path]:
            declaring[ns].add(path)
    deps: dict[str, set[str]] = defaultdict(set)
    for path, text in cs.items():
        for m in _CS_USING.finditer(text):
            name = m.group(1)
            while name and name not in declaring:          # using static A.B.Type / alias to a type
                name = name.rpartition(".")[0]
            deps[path].update(declaring.get(name, ()))
        used = set(_TYPE_NAME.findall(_COMMENT_C.sub(" ", text)))
        for ns in spaces[path]:
            for other in declaring[ns]:
                if posixpath.splitext(posixpath.basename(other))[0] in used:
                    deps[path].add(other)
        deps[path].discard(path)
    return deps
