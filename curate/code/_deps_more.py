"""Import resolution for JavaScript/TypeScript, Go and Rust (see _deps.py for the contract)."""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict

# import/export ... from 'x' (braces may hold comments and span lines), and bare import 'x'
_JS_FROM = re.compile(r"""\b(?:import|export)\b[^;'"`]*?\bfrom\s*['"]([^'"\n]+)['"]|\bimport\s*['"]([^'"\n]+)['"]""")
# comments, with strings and template literals skipped whole (a URL's // is no comment)
_JS_COMMENT = re.compile(r"""("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|//[^\n]*|/\*.*?\*/""", re.S)
_JS_CALL = re.compile(r"""\b(?:require|import)\s*\(\s*['"]([^'"\n]+)['"]\s*\)""")
_JS_EXTS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts", ".json")
_GO_MODULE = re.compile(r"^module\s+(\S+)", re.M)
_GO_SINGLE = re.compile(r'^\s*import\s+(?:[\w.]+\s+)?"([^"]+)"', re.M)
_GO_BLOCK = re.compile(r"^\s*import\s*\(([^)]*)\)", re.M)
_GO_SPEC = re.compile(r'"([^"]+)"')
_RS_MOD = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", re.M)
_RS_USE = re.compile(r"\buse\s+((?:crate|super|self)(?:::\w+)*)(?:::\{([^;]*)\})?\s*(?:as\s+\w+\s*)?;")


def _js_resolve(spec: str, here: str, paths: set[str]) -> str | None:
    base = posixpath.normpath(posixpath.join(here, spec)) if not spec.startswith("/") else spec.lstrip("/")
    stem, ext = posixpath.splitext(base)
    tries = [base]
    if ext in (".js", ".jsx", ".mjs", ".cjs"):           # TypeScript sources imported by their .js output name
        tries += [stem + e for e in (".ts", ".tsx", ".mts", ".cts")]
    tries += [base + e for e in _JS_EXTS] + [posixpath.join(base, "index" + e) for e in _JS_EXTS]
    return next((t for t in tries if t in paths), None)


def _jsonc(text: str) -> dict:
    """A tsconfig/package.json: JSON with comments and trailing commas allowed (tsconfig's dialect)."""
    import json

    text = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.S)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _export_target(value) -> str | None:
    """The file an ``exports`` entry names, by the conditions a type checker reads first."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in ("types", "import", "module", "default", "require", "node"):
            if key in value:
                found = _export_target(value[key])
                if found:
                    return found
    return None


class _JsResolver:
    """Bare specifiers that name files of the repository: tsconfig/jsconfig ``paths`` and
    ``baseUrl``, and packages of the repository by their package.json name (``exports``,
    ``main``/``module``/``types``, else ``src/``): monorepo workspaces and self-imports."""

    def __init__(self, files: dict[str, str], paths: set[str]):
        self.paths, self.aliases, self.packages = paths, [], {}
        for path, text in sorted(files.items()):
            name, folder = posixpath.basename(path), posixpath.dirname(path)
            if name in ("tsconfig.json", "jsconfig.json"):
                options = _jsonc(text).get("compilerOptions") or {}
                base = posixpath.normpath(posixpath.join(folder, options.get("baseUrl") or "."))
                for pattern, targets in (options.get("paths") or {}).items():
                    self.aliases.append((pattern, [posixpath.join(base, t) for t in targets if isinstance(t, str)]))
                if options.get("baseUrl"):
                    self.aliases.append(("*", [posixpath.join(base, "*")]))
            elif name == "package.json":
                data = _jsonc(text)
                if isinstance(data.get("name"), str):
                    self.packages[data["name"]] = (folder, data)

    def resolve(self, spec: str) -> str | None:
        for pattern, targets in self.aliases:
            prefix, star, suffix = pattern.partition("*")
            if (star and spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix + suffix)) \
                    or (not star and spec == pattern):
                middle = spec[len(prefix):len(spec) - len(suffix)] if star else ""
                for target in targets:
                    hit = _js_resolve(target.replace("*", middle), "", self.paths)
                    if hit:
                        return hit
        for name, (folder, data) in self.packages.items():
            if spec == name or spec.startswith(name + "/"):
                return self._in_package(folder, data, "." + spec[len(name):])
        return None

    def _in_package(self, folder: str, data: dict, sub: str) -> str | None:
        exports = data.get("exports")
        if isinstance(exports, (str, dict)) and not (isinstance(exports, dict) and sub not in exports
                                                     and any(k.startswith(".") for k in exports)):
            entry = exports if isinstance(exports, str) or not any(k.startswith(".") for k in exports) \
                else exports.get(sub)
            target = _export_target(entry) if sub == "." or isinstance(exports, dict) else None
            if target:
                hit = _js_resolve(target, folder, self.paths)
                if hit:
                    return hit
        if sub == ".":
            for key in ("source", "types", "typings", "module", "main"):
                if isinstance(data.get(key), str):
                    hit = _js_resolve(data[key], folder, self.paths)
                    if hit:
                        return hit
            return _js_resolve("src/index", folder, self.paths) or _js_resolve("index", folder, self.paths)
        return _js_resolve(sub, folder, self.paths) or _js_resolve(posixpath.join("src", sub), folder, self.paths)


def js_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    """Relative ``import``/``export ... from``/``require``/dynamic ``import()`` specifiers, and bare
    ones that name files of the repository (see _JsResolver)."""
    paths = {p for p in files if posixpath.basename(p) not in ("package.json", "tsconfig.json", "jsconfig.json")}
    bare = _JsResolver(files, paths)
    deps: dict[str, set[str]] = defaultdict(set)
    for path, text in files.items():
        if not path.endswith((".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts")):
            continue
        here = posixpath.dirname(path)
        text = _JS_COMMENT.sub(lambda m: m.group(1) or " ", text)      # doc examples import too
        specs = [m.group(1) or m.group(2) for m in _JS_FROM.finditer(text)] + _JS_CALL.findall(text)
        for spec in specs:
            hit = _js_resolve(spec, here, paths) if spec.startswith((".", "/")) else bare.resolve(spec)
            if hit and hit != path:
                deps[path].add(hit)
    return deps


def go_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    """Import paths under a go.mod's module path -> every non-test .go file of that package folder."""
    modules = {}
    for path, text in files.items():
        if posixpath.basename(path) == "go.mod":
            m = _GO_MODULE.search(text)
            if m:
                modules[m.group(1)] = posixpath.dirname(path)
    folders: dict[str, list[str]] = defaultdict(list)
    for path in files:
        if path.endswith(".go") and not path.endswith("_test.go"):
            folders[posixpath.dirname(path)].append(path)
    deps: dict[str, set[str]] = defaultdict(set)
    for path, text in files.items():
        if not path.endswith(".go"):
            continue
        specs = _GO_SINGLE.findall(text) + [s for block in _GO_BLOCK.findall(text) for s in _GO_SPEC.findall(block)]
        for spec in specs:
            for module, root in modules.items():
                if spec == module or spec.startswith(module + "/"):
                    folder = posixpath.normpath(posixpath.join(root, spec[len(module):].lstrip("/")))
                    folder = "" if folder == "." else folder
                    deps[path].update(p for p in folders.get(folder, ()) if p != path)
    # A package is one unit: its files use each other without imports, and the package imports
    # what any of its files imports, so every file follows all of it. Each file follows the one
    # before it (sorted; any order is right inside a package), and a _test.go file follows all of
    # its package's files.
    imported: dict[str, set[str]] = defaultdict(set)
    for path in list(deps):
        if not path.endswith("_test.go"):
            imported[posixpath.dirname(path)].update(t for t in deps[path] if posixpath.dirname(t) != posixpath.dirname(path))
    for folder, members in folders.items():
        for path in members:
            deps[path].update(imported.get(folder, ()))
    for folder, members in folders.items():
        members.sort()
        for before, after in zip(members, members[1:]):
            deps[after].add(before)
    for path in files:
        if path.endswith("_test.go"):
            deps[path].update(folders.get(posixpath.dirname(path), ()))
    return deps


_RS_PATH_MOD = re.compile(r'#\[path\s*=\s*"([^"]+)"\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;')
_RS_EXTERN = re.compile(r"\b(?:use|extern\s+crate)\s+(?:::)?(\w+)((?:::\w+)*)(?:::\{([^;]*)\})?")
_TOML_NAME = re.compile(r'^\[package\][^\[]*?^name\s*=\s*"([^"]+)"', re.M | re.S)
_TOML_LIB_PATH = re.compile(r'^\[lib\][^\[]*?^path\s*=\s*"([^"]+)"', re.M | re.S)
# Files that are crate roots of their own: their child modules sit beside them (tests/common/mod.rs
# for tests/x.rs), and they reach the library by the crate's name.
_RS_ROOT_FOLDERS = ("tests", "benches", "examples", "bin")


def _rs_module_dir(path: str) -> str:
    """Folder holding the child modules of the module defined by ``path``."""
    name = posixpath.basename(path)
    folder = posixpath.dirname(path)
    if name in ("lib.rs", "main.rs", "mod.rs", "build.rs") or posixpath.basename(folder) in _RS_ROOT_FOLDERS:
        return folder
    return posixpath.join(folder, posixpath.splitext(name)[0])


def _rs_crate_root(path: str, paths: set[str]) -> str:
    folder = posixpath.dirname(path)
    while True:
        if posixpath.join(folder, "lib.rs") in paths or posixpath.join(folder, "main.rs") in paths:
            return folder
        if not folder:
            return posixpath.dirname(path)
        folder = posixpath.dirname(folder)


def _rs_file(folder: str, segments: list[str], paths: set[str]) -> str | None:
    for n in range(len(segments), 0, -1):                 # longest module prefix that is a file
        base = posixpath.join(folder, *segments[:n])
        for cand in (base + ".rs", posixpath.join(base, "mod.rs")):
            if cand in paths:
                return cand
    return None


_RS_PUB_USE = re.compile(r"\bpub(?:\([^)]*\))?\s+use\s+((?:crate|self|super)?(?:::)?\w+(?:::\w+)*)(?:::\{([^;]*)\})?\s*;")


def _rs_reexport(root: str | None, item: str, files: dict[str, str], paths: set[str]) -> str | None:
    """The module file an item re-exported by ``root`` (``pub use error::Error;``) is defined in."""
    if root is None:
        return None
    folder = _rs_module_dir(root)
    for m in _RS_PUB_USE.finditer(files.get(root, "")):
        segments = [x for x in m.group(1).split("::") if x and x not in ("crate", "self")]
        names = [t.strip().split("::")[-1].split(" as ")[-1].strip() for t in m.group(2).split(",")] if m.group(2) \
            else [segments[-1]]
        if item in names or "*" in names:
            hit = _rs_file(folder, segments if m.group(2) else segments[:-1], paths)
            if hit and hit != root:
                return hit
    return None


def _rs_root_file(folder: str, paths: set[str]) -> str | None:
    """The file that defines the module whose children live in ``folder`` (an item used by path
    but defined, or re-exported with ``pub use``, in the module itself)."""
    for cand in (posixpath.join(folder, "lib.rs"), posixpath.join(folder, "main.rs"), posixpath.join(folder, "mod.rs"),
                 folder + ".rs"):
        if cand in paths:
            return cand
    return None


def _rs_resolve(folder: str, segments: list[str], files: dict[str, str], paths: set[str]) -> str | None:
    """The file a path below ``folder`` names: a module file, else (an item of the module itself)
    the file of the module an item is re-exported from, else the module's own file."""
    hit = _rs_file(folder, segments, paths)
    if hit is None:
        root = _rs_root_file(folder, paths)
        hit = (_rs_reexport(root, segments[0], files, paths) if segments else None) or root
    return hit


def _rs_crates(files: dict[str, str], paths: set[str]) -> dict[str, str]:
    """Crate name (as written in code: - as _) -> its library's source folder, from Cargo.toml files
    (a workspace's member crates reach each other by name)."""
    crates = {}
    for path, text in files.items():
        if posixpath.basename(path) != "Cargo.toml":
            continue
        name = _TOML_NAME.search(text)
        lib = _TOML_LIB_PATH.search(text)
        lib_file = posixpath.normpath(posixpath.join(posixpath.dirname(path), lib.group(1) if lib else "src/lib.rs"))
        if name and lib_file in paths:
            crates[name.group(1).replace("-", "_")] = posixpath.dirname(lib_file)
    return crates


def rust_dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    """``mod x;`` (and ``#[path]``) -> x.rs or x/mod.rs; ``use crate::a::b`` / ``super::`` / ``self::``
    -> module files, or the module itself for its items and ``pub use`` re-exports; ``use name::``
    for a crate of the repository (Cargo.toml) -> that crate's files."""
    paths = set(files)
    crates = _rs_crates(files, paths)
    deps: dict[str, set[str]] = defaultdict(set)
    for path, text in files.items():
        if not path.endswith(".rs"):
            continue
        mod_dir = _rs_module_dir(path)
        for target, _ in _RS_PATH_MOD.findall(text):
            hit = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
            if hit in paths:
                deps[path].add(hit)
        for name in _RS_MOD.findall(text):
            hit = _rs_file(mod_dir, [name], paths)
            if hit:
                deps[path].add(hit)
        for m in _RS_USE.finditer(text):
            head = m.group(1).split("::")
            tails = [t.strip().split("::") for t in m.group(2).split(",")] if m.group(2) else [[]]
            start, rest = head[0], head[1:]
            if start == "crate":
                folder = _rs_crate_root(path, paths)
            elif start == "self":
                folder = mod_dir
            else:                                          # super: the parent module's folder
                folder = posixpath.dirname(mod_dir)
                while rest and rest[0] == "super":
                    folder, rest = posixpath.dirname(folder), rest[1:]
            for tail in tails:
                hit = _rs_resolve(folder, rest + [t for t in tail if t and t != "self"], files, paths)
                if hit and hit != path:
                    deps[path].add(hit)
        for m in _RS_EXTERN.finditer(text):
            folder = crates.get(m.group(1))
            if folder is None or m.group(1) in ("crate", "self", "super"):
                continue
            rest = [x for x in m.group(2).split("::") if x]
            tails = [t.strip().split("::") for t in m.group(3).split(",")] if m.group(3) else [[]]
            for tail in tails:
                hit = _rs_resolve(folder, rest + [t for t in tail if t and t != "self"], files, paths)
                if hit and hit != path:
                    deps[path].add(hit)
    return deps
