"""Code ordering against the language's own toolchain, on real repositories nobody here wrote.

TypeScript: npm packages that publish their TypeScript sources (``npm pack``; cached under
~/.cache/curate/npm). The truth is TypeScript's own module resolution (``ts.resolveModuleName``
with the package's tsconfig, else bundler resolution), through benchmarks/ts_imports.js and the
``typescript`` package from npm. Edges and the ordered share are counted per file.

Python: sdists from PyPI (``pip download --no-binary :all:``; cached under ~/.cache/curate/pypi)
and the shared python-requests. The truth is Python's import machinery (benchmarks/py_imports.py:
each import statement resolved by importlib's PathFinder over the source roots, nothing executed).

Java: Debian's ``lib*-java`` packages: the binary jar (apt-get download) gives the truth,
``jdeps -verbose:class`` (the JDK's class-level dependencies, mapped to the top-level class's
source file); the sources are the package's upstream tarball from the same archive. Only main
sources that compiled into the jar count.

Go: Debian's ``golang-github-*-dev`` packages (module sources under /usr/share/gocode/src). The
truth is ``go list -e -json ./...`` (the Go toolchain's import graph; offline, so imports of other
modules fail to resolve, which does not matter: only imports inside the module count). Per
repository and in total it prints:

- edges: package-level import edges inside the module found by curate vs the toolchain's
  (recall, precision);
- ordered: of the toolchain's acyclic edges P -> Q (P imports Q), the share where every file of
  Q comes before every file of P in curate's sample (different samples count as not ordered);
- samples per repository, and _test.go files placed after their package.

    python benchmarks/code_quality.py [--go PKG ...]
"""

from __future__ import annotations

import argparse
import json
import os
import posixpath
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate.code._repo import read_folder  # noqa: E402
from curate.code._samples import SampleSettings, build, keep_files, resolve  # noqa: E402
from tests import debian_docs  # noqa: E402

GO_PACKAGES = ("golang-github-google-go-cmp-dev", "golang-github-stretchr-testify-dev",
               "golang-github-spf13-cobra-dev", "golang-github-prometheus-common-dev",
               "golang-github-pelletier-go-toml-dev", "golang-github-hashicorp-hcl-dev",
               "golang-github-urfave-cli-dev", "golang-github-sirupsen-logrus-dev")


TS_PACKAGES = ("rxjs@7.8.2", "zod@4.6.7", "@tanstack/query-core@5.108.4", "@trpc/server@11.25.2", "immer@11.2.13",
               "mobx@7.1.3", "@reduxjs/toolkit@2.15.0")
NPM = Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate")) / "npm"


def npm_unpacked(spec: str) -> Path:
    """The unpacked tarball of an npm package (``npm pack`` once, into the cache)."""
    import tarfile

    folder = NPM / "x" / spec.replace("/", "+")
    if not (folder / "package").is_dir():
        NPM.mkdir(parents=True, exist_ok=True)
        name = subprocess.run(["npm", "pack", spec, "--silent"], cwd=NPM, capture_output=True, text=True,
                              check=True, timeout=300).stdout.strip().splitlines()[-1]
        folder.mkdir(parents=True, exist_ok=True)
        with tarfile.open(NPM / name) as tar:
            tar.extractall(folder, filter="data")
    return folder / "package"


def ts_truth(root: Path) -> dict[str, set[str]]:
    typescript = npm_unpacked("typescript@5.6.3") / "lib" / "typescript.js"
    out = subprocess.run(["node", str(ROOT / "benchmarks" / "ts_imports.js"), str(typescript), str(root)],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    return {k: set(v) for k, v in json.loads(out).items()}


def score_files(name: str, repo, truth: dict[str, set[str]]) -> dict:
    """File-level edges and ordering against a toolchain's truth (files the filters keep only)."""
    samples, _, _ = build(repo, SampleSettings(fim_rate=0))
    files, _ = keep_files(repo)
    deps = resolve(repo, files)
    true_edges = {(a, b) for a, targets in truth.items() if a in files for b in targets if b in files and b != a}
    # placement edges (each Java file after its package-info.java) are no imports: not scored
    ours = {(a, b) for a, targets in deps.items() if a in truth and a in files for b in targets
            if b in files and not b.endswith("package-info.java")}
    position = {p: (i, k) for i, s in enumerate(samples) for k, p in enumerate(s["paths"])}
    acyclic = [(a, b) for a, b in true_edges if not _reaches(true_edges, b, a)]
    ordered = sum(a in position and b in position and position[a][0] == position[b][0]
                  and position[b][1] < position[a][1] for a, b in acyclic)
    return {"repo": name, "files": len(files), "samples": len(samples), "truth": len(true_edges), "found": len(ours),
            "hit": len(ours & true_edges), "acyclic": len(acyclic), "ordered": ordered, "tests_after": 0, "tests": 0,
            "missed": sorted(true_edges - ours)[:5]}


PY_PACKAGES = ("click==8.1.7", "attrs==24.2.0", "packaging==24.1", "jinja2==3.1.4", "flask==3.0.3", "rich==13.9.2")
PYPI = NPM.parent / "pypi"


def sdist_unpacked(spec: str) -> Path:
    """The unpacked sdist of a PyPI release (downloaded once into the cache)."""
    import tarfile

    name, _, version = spec.partition("==")
    folder = PYPI / "x" / spec
    if not folder.is_dir():
        PYPI.mkdir(parents=True, exist_ok=True)
        found = sorted(PYPI.glob(f"{name}-{version}.tar.gz")) or sorted(PYPI.glob(f"{name.replace('-', '_')}-{version}.tar.gz"))
        if not found:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps", "-qq",
                            "-d", str(PYPI), spec], check=True, capture_output=True, timeout=300)
            found = sorted(PYPI.glob(f"{name}-{version}.tar.gz"))
        folder.mkdir(parents=True)
        with tarfile.open(found[0]) as tar:
            tar.extractall(folder, filter="data")
    return next(folder.iterdir())


def py_truth(root: Path) -> dict[str, set[str]]:
    """Source roots as installed: every project folder (pyproject.toml, setup.py or setup.cfg; the
    example projects too) or its src/, then the repository itself."""
    projects = sorted({f.parent for name in ("pyproject.toml", "setup.py", "setup.cfg") for f in root.rglob(name)},
                      key=lambda f: (len(f.parts), str(f)))
    roots = [str(f / "src") if (f / "src").is_dir() else str(f) for f in projects if f != root]
    roots = ([str(root / "src")] if (root / "src").is_dir() else []) + roots
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "py_imports.py"), str(root), *roots, str(root)],
                         capture_output=True, text=True, check=True, timeout=600).stdout
    return {k: set(v) for k, v in json.loads(out).items()}


JAVA_PACKAGES = ("libcommons-lang3-java", "libcommons-io-java", "libjsoup-java", "libcommons-codec-java",
                 "libcommons-collections4-java", "libcommons-csv-java", "libjcommander-java", "libcommons-compress-java")
ARCHIVE = "http://deb.debian.org/debian/pool/main"


def java_sources(package: str) -> tuple[Path, Path] | None:
    """(unpacked upstream sources, the binary jar) of a Debian Java library package."""
    import re
    import tarfile
    import urllib.request

    show = subprocess.run(["apt-cache", "show", package], capture_output=True, text=True).stdout
    fields = dict(re.findall(r"^(Source|Version):\s*(\S+)", show, re.M))
    if "Version" not in fields:
        return None
    source = fields.get("Source", package)
    upstream = fields["Version"].split(":")[-1].rsplit("-", 1)[0]
    folder = debian_docs.CACHE / "debian" / f"{source}-src"
    if not (folder / ".done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        prefix = source[:4] if source.startswith("lib") else source[0]
        for ext in ("xz", "gz", "bz2"):
            url = f"{ARCHIVE}/{prefix}/{source}/{source}_{upstream}.orig.tar.{ext}"
            try:
                with urllib.request.urlopen(url, timeout=120) as response:
                    data = response.read()
                break
            except OSError:
                continue
        else:
            return None
        archive = folder / f"orig.tar.{ext}"
        archive.write_bytes(data)
        with tarfile.open(archive) as tar:
            tar.extractall(folder / "tree", filter="data")
        (folder / ".done").write_text(url)
    jars = sorted((debian_docs.unpacked(package) / "usr" / "share" / "java").glob("*.jar"),
                  key=lambda p: (p.is_symlink(), len(p.name)))
    return (folder / "tree", jars[0]) if jars else None


def java_truth(tree: Path, jar: Path) -> tuple[Path, dict[str, set[str]]] | None:
    """(the source root holding the jar's classes, file -> files it depends on) from jdeps."""
    import re

    out = subprocess.run(["jdeps", "-verbose:class", "-filter:none", str(jar)], capture_output=True, text=True,
                         timeout=600).stdout
    pairs = re.findall(r"^\s+([\w.$]+)\s+->\s+([\w.$]+)\s", out, re.M)
    sources = {}
    for f in tree.rglob("*.java"):
        rel = f.relative_to(tree).as_posix()
        if "/src/test/" in rel or "/test/" in rel.split("src/main/")[0]:
            continue
        sources.setdefault(rel.rsplit("/", 1)[-1], []).append(rel)
    def source_of(cls: str) -> str | None:
        top = cls.split("$")[0]
        want = top.replace(".", "/") + ".java"
        return next((r for r in sources.get(want.rsplit("/", 1)[-1], ()) if r.endswith(want)), None)
    truth: dict[str, set[str]] = {}
    for a, b in pairs:
        sa, sb = source_of(a), source_of(b)
        if sa:
            truth.setdefault(sa, set())
            if sb and sb != sa:
                truth[sa].add(sb)
    if not truth:
        return None
    # the repository is the module folder holding the sources (src/main/java's parent's parent)
    first = next(iter(truth))
    cut = first.find("src/main/java/")
    base = first[:cut] if cut >= 0 else ""
    root = tree / base if base else tree
    return root, {k[len(base):]: {v[len(base):] for v in vs if v.startswith(base)} for k, vs in truth.items()
                  if k.startswith(base)}


RUST_PACKAGES = ("librust-anyhow-dev", "librust-regex-syntax-dev", "librust-serde-json-dev", "librust-log-dev",
                 "librust-itertools-dev", "librust-memchr-dev")
C_SOURCES = ("l/lua5.4/lua5.4_5.4.4.orig.tar.gz", "j/jansson/jansson_2.14.orig.tar.gz",
             "liby/libyaml/libyaml_0.2.5.orig.tar.gz", "e/expat/expat_2.5.0.orig.tar.gz",
             "c/cjson/cjson_1.7.15.orig.tar.gz")


def upstream_tree(pool_path: str) -> Path:
    """An upstream source tarball of Debian's archive, unpacked once into the cache."""
    import tarfile
    import urllib.request

    folder = debian_docs.CACHE / "debian" / ("src-" + pool_path.rsplit("/", 1)[-1].split(".orig")[0])
    if not (folder / ".done").exists():
        folder.mkdir(parents=True, exist_ok=True)
        with urllib.request.urlopen(f"{ARCHIVE}/{pool_path}", timeout=120) as response:
            (folder / "orig.tar").write_bytes(response.read())
        with tarfile.open(folder / "orig.tar") as tar:
            tar.extractall(folder / "tree", filter="data")
        (folder / ".done").write_text(pool_path)
    trees = [d for d in (folder / "tree").iterdir() if d.is_dir()]
    return trees[0] if len(trees) == 1 else folder / "tree"


def score_self(name: str, repo) -> dict:
    """No toolchain graph (Rust, C): the edges curate finds, the share of its acyclic edges ordered
    dependency-first, and the samples (a file alone in a sample has no edge at all)."""
    samples, _, _ = build(repo, SampleSettings(fim_rate=0))
    files, _ = keep_files(repo)
    deps = resolve(repo, files)
    edges = {(a, b) for a, targets in deps.items() for b in targets}
    row = score_files(name, repo, {a: set(t) for a, t in deps.items()} | {f: set() for f in files if f not in deps})
    row.update(truth=0, hit=0, found=len(edges), missed=[],
               alone=sum(1 for s in samples if s["n_files"] == 1))
    return row


def go_module_root(package: str) -> Path | None:
    tree = debian_docs.unpacked(package) / "usr" / "share" / "gocode" / "src"
    mods = sorted(tree.rglob("go.mod"), key=lambda p: len(p.parts))
    return mods[0].parent if mods else None


def go_truth(root: Path) -> tuple[dict[str, list[str]], set[tuple[str, str]]]:
    """(package folder -> its non-test .go files, in-module edges (importer folder, imported folder)).

    Offline, ``go list`` refuses a module whose requirements it cannot fetch; a copy whose go.mod
    keeps only its module line lists every package (imports of other modules become per-package
    errors, which -e reports and we ignore)."""
    import re
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="curate-golist-")) / "m"
    shutil.copytree(root, work, symlinks=True)
    gomod = (work / "go.mod").read_text(encoding="utf-8")
    (work / "go.mod").write_text(re.search(r"^module\s+\S+", gomod, re.M).group(0) + "\n", encoding="utf-8")
    (work / "go.sum").unlink(missing_ok=True)
    root_real, root = root, work
    env = {**os.environ, "GOFLAGS": "-mod=mod", "GOPROXY": "off", "GOTOOLCHAIN": "local", "GO111MODULE": "on",
           "GOPATH": "/tmp/curate-gopath", "GOCACHE": "/tmp/curate-gocache"}
    out = subprocess.run(["go", "list", "-e", "-json", "./..."], cwd=root, env=env, capture_output=True,
                         text=True, timeout=300).stdout
    decoder, pos, packages = json.JSONDecoder(), 0, []
    while pos < len(out):
        while pos < len(out) and out[pos].isspace():
            pos += 1
        if pos >= len(out):
            break
        obj, pos = decoder.raw_decode(out, pos)
        packages.append(obj)
    module = next((p["Module"]["Path"] for p in packages if p.get("Module")), None)
    folder_of = {p["ImportPath"]: posixpath.relpath(p["Dir"], str(root)).replace(".", "", 1 if p["Dir"] == str(root) else 0)
                 for p in packages}
    folder_of = {k: ("" if v in (".", "") else v) for k, v in folder_of.items()}
    files = {folder_of[p["ImportPath"]]: [posixpath.join(folder_of[p["ImportPath"]], f).lstrip("/")
                                          for f in p.get("GoFiles", [])] for p in packages}
    edges = {(folder_of[p["ImportPath"]], folder_of[i]) for p in packages for i in p.get("Imports", [])
             if module and (i == module or i.startswith(module + "/")) and i in folder_of}
    shutil.rmtree(work.parent, ignore_errors=True)
    del root_real
    return files, edges


def _reaches(edges: set[tuple[str, str]], a: str, b: str) -> bool:
    graph: dict[str, set[str]] = {}
    for x, y in edges:
        graph.setdefault(x, set()).add(y)
    seen, todo = set(), [a]
    while todo:
        x = todo.pop()
        if x == b:
            return True
        if x not in seen:
            seen.add(x)
            todo.extend(graph.get(x, ()))
    return False


def score_go(package: str) -> dict | None:
    root = go_module_root(package)
    if root is None:
        return None
    repo = read_folder(root, 1 << 20)
    samples, _, _ = build(repo, SampleSettings(fim_rate=0))
    files, _ = keep_files(repo)
    deps = resolve(repo, files)
    truth_files, truth = go_truth(root)
    # a file the filters refused (generated, too short) is in no sample: not an ordering question
    truth_files = {folder: [f for f in members if f in files] for folder, members in truth_files.items()}
    ours = {(posixpath.dirname(a), posixpath.dirname(b)) for a, targets in deps.items() if a.endswith(".go")
            and not a.endswith("_test.go") for b in targets if posixpath.dirname(a) != posixpath.dirname(b)}
    position = {p: (i, k) for i, s in enumerate(samples) for k, p in enumerate(s["paths"])}
    acyclic = [(p, q) for p, q in truth if not _reaches(truth, q, p)]
    ordered = 0
    for p, q in acyclic:
        later, earlier = truth_files.get(p, []), truth_files.get(q, [])
        ok = all(a in position and b in position and position[a][0] == position[b][0]
                 and position[b][1] < position[a][1] for a in later for b in earlier)
        ordered += ok
    tests_after = [position[t][0] == position[f][0] and position[t][1] > position[f][1]
                   for t in files if t.endswith("_test.go")
                   for f in truth_files.get(posixpath.dirname(t), []) if t in position and f in position]
    return {"repo": package, "files": len(files), "samples": len(samples), "truth": len(truth), "found": len(ours),
            "hit": len(ours & truth), "acyclic": len(acyclic), "ordered": ordered,
            "tests_after": sum(tests_after), "tests": len(tests_after)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--go", nargs="*", default=list(GO_PACKAGES))
    ap.add_argument("--ts", nargs="*", default=list(TS_PACKAGES))
    ap.add_argument("--py", nargs="*", default=list(PY_PACKAGES))
    ap.add_argument("--java", nargs="*", default=list(JAVA_PACKAGES))
    ap.add_argument("--rust", nargs="*", default=list(RUST_PACKAGES))
    ap.add_argument("--c", nargs="*", default=list(C_SOURCES))
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--show", type=int, default=0, help="missed edges listed per repository")
    args = ap.parse_args()
    print(f"{'repository':42s} {'files':>5s} {'samples':>7s} {'truth':>5s} {'found':>5s} {'recall':>7s} "
          f"{'prec':>6s} {'ordered':>9s} {'tests after':>11s}")
    if args.ts and shutil.which("node"):
        rows = []
        for spec in args.ts:
            root = npm_unpacked(spec)
            rows.append(score_files(spec, read_folder(root, 1 << 20), ts_truth(root)))
        _total("TypeScript", rows, args.show)
    elif args.ts:
        print("TypeScript: skipped (needs node and npm)")
    if args.py:
        rows = []
        requests = Path(args.shared) / "repos" / "python-requests"
        roots = ([("python-requests (shared)", requests)] if requests.is_dir() else []) + \
            [(spec, sdist_unpacked(spec)) for spec in args.py]
        for name, root in roots:
            rows.append(score_files(name, read_folder(root, 1 << 20), py_truth(root)))
        _total("Python", rows, args.show)
    if args.java and shutil.which("jdeps"):
        rows = []
        for package in args.java:
            found = java_sources(package)
            truth = java_truth(*found) if found else None
            if truth:
                root, edges = truth
                rows.append(score_files(package, read_folder(root, 1 << 20), edges))
        _total("Java", rows, args.show)
    elif args.java:
        print("Java: skipped (needs a JDK: jdeps)")
    if args.rust:
        rows = []
        for package in args.rust:
            registry = debian_docs.unpacked(package) / "usr" / "share" / "cargo" / "registry"
            rows += [score_self(package, read_folder(crate, 1 << 20)) for crate in sorted(registry.iterdir())[:1]]
        _total("Rust (no toolchain graph: our edges)", rows, 0)
    if args.c:
        rows = [score_self(path.rsplit("/", 1)[-1].split(".orig")[0], read_folder(upstream_tree(path), 1 << 20))
                for path in args.c]
        _total("C (no toolchain graph: our edges)", rows, 0)
    if args.go and shutil.which("go"):
        _total("Go", [r for r in (score_go(p) for p in args.go) if r], args.show)
    elif args.go:
        print("Go: skipped (needs the Go toolchain: apt-get install golang-go)")


def _total(language: str, rows: list[dict], show: int) -> None:
    total = {k: 0 for k in ("files", "samples", "truth", "found", "hit", "acyclic", "ordered", "tests_after", "tests")}
    for r in rows:
        for k in total:
            total[k] += r[k]
        _line(r["repo"], r)
        for edge in r.get("missed", [])[:show]:
            print(f"    missed {edge[0]} -> {edge[1]}")
    _line(f"{language}, {len(rows)} repositories", total)


def _line(name: str, r: dict) -> None:
    ordered = r["ordered"] / r["acyclic"] if r["acyclic"] else 1.0
    if r["truth"]:
        recall, precision = f"{r['hit'] / r['truth']:7.1%}", f"{r['hit'] / r['found'] if r['found'] else 1.0:6.1%}"
    else:
        recall, precision = f"{'-':>7s}", f"{'-':>6s}"
    print(f"{name:42s} {r['files']:5d} {r['samples']:7d} {r['truth']:5d} {r['found']:5d} {recall} "
          f"{precision} {ordered:9.1%} {r['tests_after']:5d}/{r['tests']:<5d}")


if __name__ == "__main__":
    main()
