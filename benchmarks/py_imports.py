"""Python's own import machinery over a source tree: file -> repository files it imports.

Run in a separate interpreter (benchmarks/code_quality.py). Each import statement (found by the
ast module) is resolved as the import system would: relative names by importlib.util.resolve_name,
then importlib.machinery.PathFinder over the source roots, package by package; nothing is
executed. ``from pkg import name`` is the submodule pkg.name when there is one, else pkg.

    python py_imports.py ROOT [SOURCE_ROOT ...]
"""

import ast
import importlib.machinery
import importlib.util
import json
import os
import sys


def module_name(path, roots):
    for root in roots:
        rel = os.path.relpath(path, root)
        if not rel.startswith(".."):
            parts = rel[:-3].split(os.sep)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if all(p.isidentifier() for p in parts) and parts:
                return ".".join(parts), path.endswith("__init__.py")
    return None, False


def find(name, roots):
    search, origin = roots, None
    for i, part in enumerate(name.split(".")):
        spec = importlib.machinery.PathFinder.find_spec(part, search)
        if spec is None:
            return None
        origin = spec.origin if spec.origin not in (None, "namespace") else None
        search = list(spec.submodule_search_locations or [])
        if i < name.count(".") and not search:
            return None
    return origin


def main():
    top, roots = os.path.abspath(sys.argv[1]), [os.path.abspath(r) for r in sys.argv[2:]] or [os.path.abspath(sys.argv[1])]
    out = {}
    for folder, dirs, names in os.walk(top):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "node_modules")
        for n in sorted(names):
            if not n.endswith(".py"):
                continue
            path = os.path.join(folder, n)
            name, is_pkg = module_name(path, roots)
            try:
                tree = ast.parse(open(path, encoding="utf-8").read())
            except (SyntaxError, UnicodeDecodeError, ValueError):
                continue
            package = (name if is_pkg else name.rpartition(".")[0]) if name else ""
            deps = set()
            for node in ast.walk(tree):
                targets = []
                if isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom):
                    try:
                        base = importlib.util.resolve_name("." * node.level + (node.module or ""), package) \
                            if node.level else node.module
                    except (ImportError, ValueError):
                        continue
                    subs = [f"{base}.{a.name}" for a in node.names if a.name != "*"]
                    found = [s for s in subs if find(s, roots)]
                    targets = found or [base]
                for t in targets:
                    origin = find(t, roots) if t else None
                    if origin and os.path.abspath(origin).startswith(top + os.sep) and os.path.abspath(origin) != path:
                        deps.add(os.path.relpath(origin, top))
            out[os.path.relpath(path, top)] = sorted(deps)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
