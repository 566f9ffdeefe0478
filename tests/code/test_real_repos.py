"""Dependency edges and ordering on the real repositories of ../shared/data/repos."""

import pytest

from curate.code import SampleSettings, build, dependencies, keep_files, read_source, violations
from tests.graphs import strong_components


def _repo(shared, name):
    return next(read_source(str(shared / "repos" / name)))


@pytest.mark.parametrize("name", ["python-requests", "c-lua", "java-jsoup"])
def test_every_file_after_its_dependencies_except_in_cycles(shared, name):
    repo = _repo(shared, name)
    samples, files, _ = build(repo, SampleSettings(fim_rate=0.0))
    kept, _ = keep_files(repo)
    deps = dependencies(kept)
    scc = strong_components(sorted(kept), deps)
    for sample in samples:
        for file, dep in violations(sample["paths"], deps):
            assert scc[file] == scc[dep], (file, dep)     # only inside a cycle
    assert sorted(p for s in samples for p in s["paths"]) == sorted(kept)
    assert sum(len(f["dependencies"]) for f in files) == sum(len(v) for v in deps.values())


def test_requests_edges(shared):
    kept, refused = keep_files(_repo(shared, "python-requests"))
    deps = dependencies(kept)
    src = "src/requests/"
    assert {src + "adapters.py", src + "models.py", src + "structures.py"} <= deps[src + "sessions.py"]
    assert src + "models.py" in deps[src + "auth.py"]                # under `if TYPE_CHECKING:`
    assert src + "_types.py" in deps[src + "api.py"]                # `from . import _types as _t`
    assert {src + "__init__.py", src + "adapters.py", src + "hooks.py"} <= deps["tests/test_requests.py"]
    assert "tests/utils.py" in deps["tests/test_utils.py"] or "tests/compat.py" in deps["tests/test_requests.py"]
    # real cycles exist (sessions <-> adapters through models, ...): the ordering tolerates them
    scc = strong_components(sorted(kept), deps)
    assert any(list(scc.values()).count(c) > 1 for c in set(scc.values()))
    assert ("LICENSE", "unknown_file_type") in {(p, r) for p, r, _ in refused}


def test_lua_edges(shared):
    deps = dependencies(keep_files(_repo(shared, "c-lua"))[0])
    assert {"lapi.h", "ldebug.h", "ldo.h"} <= deps["lapi.c"]
    assert {"llimits.h", "lstate.h"} <= deps["lapi.h"]
    assert {"lzio.c", "lctype.c", "lopcodes.c", "lapi.c"} <= deps["onelua.c"]   # includes .c files
    assert sum(len(v) for v in deps.values()) >= 350


def test_jsoup_edges(shared):
    kept, refused = keep_files(_repo(shared, "java-jsoup"))
    deps = dependencies(kept)
    base = "src/main/java/org/jsoup/"
    jsoup = deps[base + "Jsoup.java"]
    assert {base + "Connection.java", base + "helper/DataUtil.java", base + "nodes/Document.java"} <= jsoup
    tb = deps[base + "parser/HtmlTreeBuilder.java"]
    assert base + "parser/Token.java" in tb                           # same package, no import
    assert base + "parser/Parser.java" in tb                          # import static ...Parser.*
    assert base + "parser/HtmlTreeBuilderState.java" in tb           # import static nested class member
    assert base + "helper/Validate.java" in tb
    assert sum(len(v) for v in deps.values()) >= 340
    reasons = {p: r for p, r, _ in refused}
    assert reasons["pom.xml"] == "xml_declaration"
    assert reasons[base + "nodes/EntitiesData.java"] == "max_line_length"


def test_one_sample_per_repository_option_and_path_comments(shared):
    repo = _repo(shared, "c-lua")
    per_repo, _, _ = build(repo, SampleSettings(per="repository", fim_rate=0.0))
    per_comp, _, _ = build(repo, SampleSettings(fim_rate=0.0))
    assert len(per_repo) == 1 and len(per_comp) >= 1
    assert per_repo[0]["n_files"] == sum(s["n_files"] for s in per_comp)
    text = per_repo[0]["text"]
    assert text.startswith("// ") and "\n// lapi.c\n" in text
    assert text.index("// lapi.h\n") < text.index("// lapi.c\n")


def test_jsoup_package_info_leads_its_package(shared):
    samples, _, _ = build(_repo(shared, "java-jsoup"), SampleSettings(fim_rate=0))
    infos = [p for s in samples for p in s["paths"] if p.endswith("package-info.java")]
    assert infos and all(len(s["paths"]) > 1 for s in samples if any(p.endswith("package-info.java") for p in s["paths"]))
    for s in samples:
        for info in (p for p in s["paths"] if p.endswith("package-info.java")):
            folder = info.rpartition("/")[0]
            same = [i for i, p in enumerate(s["paths"]) if p.rpartition("/")[0] == folder and p.endswith(".java")]
            assert s["paths"].index(info) == min(same)


def test_go_module_packages_and_tests_from_a_real_debian_source():
    """google/go-cmp as Debian ships it: go.mod names the module (it is not a sample itself), a
    package's files are one unit, and each _test.go file follows its package."""
    from tests import debian_docs

    try:
        src = debian_docs.unpacked("golang-github-google-go-cmp-dev") / "usr/share/gocode/src/github.com/google/go-cmp"
    except debian_docs.Unavailable as exc:
        pytest.skip(f"Debian package unavailable: {exc}")
    repo = next(read_source(str(src)))
    samples, rows, refused = build(repo, SampleSettings(fim_rate=0))
    assert "go.mod" not in {p for s in samples for p in s["paths"]}
    main = max(samples, key=lambda s: s["n_files"])
    order = main["paths"]
    assert main["n_files"] >= 35 and len(samples) <= 3           # was 14 one-file samples and no edges
    # cmp imports cmp/internal/diff, .../flags, .../function, .../value: all of them come first
    first_cmp = min(i for i, p in enumerate(order) if p.startswith("cmp/") and p.count("/") == 1)
    for internal in ("cmp/internal/diff/diff.go", "cmp/internal/value/name.go", "cmp/internal/function/func.go"):
        assert order.index(internal) < first_cmp
    for i, p in enumerate(order):
        if p.endswith("_test.go"):
            folder = p.rpartition("/")[0]
            assert all(order.index(q) < i for q in order if q.rpartition("/")[0] == folder and not q.endswith("_test.go"))


def test_rust_crate_by_name_tests_modules_and_reexports_from_a_real_debian_crate():
    """anyhow as Debian ships it: integration tests reach the library by the crate's name
    (Cargo.toml), `mod common;` in tests/x.rs is tests/common/mod.rs, and an item re-exported
    by lib.rs (`pub use`) resolves to the module that defines it."""
    from tests import debian_docs

    try:
        registry = debian_docs.unpacked("librust-anyhow-dev") / "usr/share/cargo/registry"
    except debian_docs.Unavailable as exc:
        pytest.skip(f"Debian package unavailable: {exc}")
    repo = next(read_source(str(next(registry.iterdir()))))
    files, _ = keep_files(repo)
    from curate.code._samples import manifests

    deps = dependencies({**manifests(repo), **files})
    tests = [p for p in files if p.startswith("tests/test_")]
    assert len(tests) >= 10 and all("src/lib.rs" in deps[p] for p in tests)     # was: no edges at all
    assert "tests/common/mod.rs" in deps["tests/test_downcast.rs"]
    samples, _, _ = build(repo, SampleSettings(fim_rate=0))
    main = max(samples, key=lambda s: s["n_files"])
    assert all(main["paths"].index("src/lib.rs") < main["paths"].index(p) for p in tests if p in main["paths"])


def test_typescript_package_against_typescripts_own_resolution():
    """mobx's TypeScript sources as npm publishes them; the truth is TypeScript's module resolution
    (benchmarks/ts_imports.js with the typescript package): every edge found, every acyclic edge
    ordered dependency-first."""
    import shutil
    import subprocess

    from benchmarks.code_quality import npm_unpacked, score_files, ts_truth

    if not (shutil.which("npm") and shutil.which("node")):
        pytest.skip("needs node and npm (Debian's nodejs and npm)")
    try:
        root = npm_unpacked("mobx@7.1.3")
        truth = ts_truth(root)
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"npm registry unavailable: {exc}")
    row = score_files("mobx", next(read_source(str(root))), truth)
    assert row["truth"] >= 100
    assert row["hit"] == row["truth"] and row["found"] == row["truth"]           # recall and precision 1
    assert row["ordered"] == row["acyclic"] > 0          # mobx is mostly one import cycle: 9 acyclic edges
