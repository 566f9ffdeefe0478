"""arXiv figure extraction against TeX's own list of figures, on real LaTeX sources nobody here wrote.

Sources: the documentation folders of Debian's TeX Live doc packages (package manuals and their
examples: subcaption, subfig, floatrow, caption, wrapfig ...; journal and conference templates),
each folder one source with one or more top-level documents, and any extra source folders given
with ``--extra`` (paper repositories), and the real arXiv papers of ../shared/data/arxiv. ``.gz`` files are unpacked as Debian compressed them.

Truth: every top-level document is compiled with ``pdflatex`` (one run; ``\\caption`` writes its
list-of-figures entry into the ``.aux`` whether or not the document prints the list), with sub-
captions listed (``list=true`` for subcaption and subfig) and ``lofdepth`` raised. Documents that
do not compile cleanly (a missing package, any ``!`` error) are left out and counted. Per document,
curate's figures and sub-figures are matched to TeX's entries of the same kind by caption text:

- recall: TeX's entries matched; precision: curate's entries matched;
- exact: matched entries whose caption words are equal (case and punctuation aside);
- similarity: mean difflib ratio of matched captions;
- images: images curate found in the source, and how many became PNG (the full ``extract``).

Baseline: curate's figure finder as it was before this work (``--baseline REV``, default
9dfc7b8: the first ``\\caption`` of each environment, panels only with images; it read only the
longest main document, here it is given every compared document so that finding is measured),
unpacked from git into a temporary folder and run in a subprocess on the same documents.

    python benchmarks/arxiv_quality.py [--limit N] [--extra DIR ...] [--baseline REV|none]

The README's paper repositories (git clone each, pass the folders with ``--extra``; 7 of them
compile here): URI-ABD/cakes-paper, URI-ABD/chaoda-paper, VatsalSy/DropImpact_PRL_arXiv,
apragsdale/african-structure-paper, benedictpaten/Progressive-Alignment-with-Cactus,
bocchs/kaleidoscope_cvpr, canismarko/operando-secondary-particle-kinetics,
comphy-lab/holeySheets_paper_arxiv, dcjones/isolator-paper, dkoes/GNINA-1.0,
eas342/kic1255paper02, ComparativeGenomicsToolkit/CAT_paper.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from curate.arxiv import FigureSettings, clean_caption, documents, extract  # noqa: E402
from curate.arxiv._source import from_folder  # noqa: E402
from curate.arxiv._tex import group  # noqa: E402
from tests import debian_docs  # noqa: E402

PACKAGES = ("texlive-latex-recommended-doc", "texlive-latex-extra-doc", "texlive-science-doc",
            "texlive-publishers-doc")
WORK = debian_docs.CACHE / "arxiv_truth"
HOOK = r"""\makeatletter
\AtBeginDocument{%
  \@ifpackageloaded{subcaption}{\captionsetup[sub]{list=true}}{}%
  \@ifpackageloaded{subfig}{\captionsetup[subfloat]{list=true}}{}%
  \@ifundefined{c@lofdepth}{}{\setcounter{lofdepth}{3}}}%
\makeatother
"""
_DOC = re.compile(r"^[ \t]*\\documentclass\b", re.M)
_FIGURE = re.compile(r"\\begin\{(?:figure|wrapfigure|SCfigure)|\\captionof\s*\{figure")
_ENTRY = re.compile(r"\\@writefile\{lof\}\{\\contentsline \{(figure|subfigure)\}")


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" and data[:2] == b"\x1f\x8b" else data


def unpack(folder: Path, target: Path) -> Path:
    """A copy of ``folder`` at ``target`` with Debian's .gz files unpacked (done once)."""
    if not (target / ".done").exists():
        shutil.rmtree(target, ignore_errors=True)
        for path in folder.rglob("*"):
            if path.is_file() and path.stat().st_size < (20 << 20):
                name = path.relative_to(folder)
                name = name.with_suffix("") if path.suffix == ".gz" else name
                (target / name).parent.mkdir(parents=True, exist_ok=True)
                (target / name).write_bytes(_read(path))
        (target / ".done").write_text("")
    return target


def prepare(limit: int | None) -> list[Path]:
    """Source folders (copies with .gz unpacked) of the doc packages' folders that hold a figure."""
    out = []
    for package in PACKAGES:
        try:
            base = debian_docs.unpacked(package) / "usr" / "share" / "doc" / "texlive-doc"
        except debian_docs.Unavailable as exc:
            print(f"skipped {package}: {exc}")
            continue
        for folder in sorted({p.parent for p in base.rglob("*.tex*")}):
            texs = [p for p in folder.iterdir() if p.name.endswith((".tex", ".tex.gz")) and p.is_file()]
            texts = [_read(p).decode("utf-8", "replace") for p in texs]
            if not any(_DOC.search(t) and _FIGURE.search(t) for t in texts):
                continue
            out.append(unpack(folder, WORK / "src" / package.split("-")[1] / folder.relative_to(base)))
    return out[:limit] if limit else out


def _text(entry: str) -> str:
    """The caption of one ``\\contentsline`` argument: ``\\numberline {1}{\\ignorespaces Text\\relax }``."""
    m = re.search(r"\\numberline\s*\{", entry)
    if m:
        g = group(entry, m.end() - 1)
        entry = entry[g[1]:] if g else entry
    entry = re.sub(r"\\ignorespaces|\\relax|\\protect|\\nobreakspace\s*\{\}|\\unhbox\s*\\voidb@x|\\hbox", " ", entry)
    return entry.strip()


_MISSING_IMAGE = re.compile(r"! (?:LaTeX|Package pdftex.def) Error: File `(?:[^']*\.(?:pdf|png|jpe?g|eps|ps|gif)|[^'.]*)'"
                            r" not found")


@functools.lru_cache(maxsize=1)
def _installed() -> bytes:
    """What TeX Live has installed (cached results are redone when packages are added)."""
    tree = Path(subprocess.run(["kpsewhich", "-var-value", "TEXMFDIST"], capture_output=True, text=True).stdout.strip())
    return "\n".join(sorted(p.name for p in (tree / "tex" / "latex").iterdir())).encode() if tree.is_dir() else b""


def engine(text: str) -> str:
    """The TeX engine a document is written for: DVI (``latex``) when it asks for dvips or
    PSTricks, LuaLaTeX for fontspec/unicode-math, else pdfLaTeX. A missing image is not an
    error for the list of figures (the ``_MISSING_IMAGE`` lines are tolerated)."""
    head = text.split("\\begin{document}", 1)[0]
    if re.search(r"\\usepackage(\[[^\]]*\])?\{[^}]*(fontspec|unicode-math|luacode)", head):
        return "lualatex"
    if re.search(r"\\documentclass\[[^\]]*dvips|\\usepackage\[[^\]]*dvips|\{pstricks", head):
        return "latex"
    return "pdflatex"


def truth(source: Path, doc: str) -> dict:
    """TeX's entries for one document of ``source`` (cached next to the build)."""
    data = (source / doc).read_bytes()
    key = hashlib.sha256(HOOK.encode() + _installed() + engine(data.decode("utf-8", "replace")).encode() + data).hexdigest()[:16]
    build = WORK / "build" / hashlib.sha256(f"{source}\n{doc}".encode()).hexdigest()[:16]
    cached = build / f"{key}.json"
    if cached.exists():
        return json.loads(cached.read_text())
    shutil.rmtree(build, ignore_errors=True)
    shutil.copytree(source, build, ignore=shutil.ignore_patterns(".done"))
    (build / "_curate_hook.tex").write_text(HOOK)
    job = Path(doc).stem
    try:
        done = subprocess.run([engine(data.decode("utf-8", "replace")), "-interaction=nonstopmode",
                               "-no-shell-escape", f"-jobname={job}",
                               f"\\input{{_curate_hook}}\\input{{{doc}}}"], cwd=build, capture_output=True, timeout=120)
        log = done.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        log = "! timeout"
    errors = [line for line in log.splitlines() if line.startswith("! ") and not _MISSING_IMAGE.match(line)]
    ok = "Output written on" in log and not errors
    entries = []
    pending = [build / f"{job}.aux"]
    while pending:
        aux = pending.pop(0)
        if not aux.exists():
            continue
        for line in aux.read_text("utf-8", "replace").splitlines():
            inc = re.match(r"\\@input\{(.+?)\}", line)
            if inc:
                pending.append(build / inc.group(1))
            m = _ENTRY.match(line)
            if m:
                g = group(line, m.end())
                entries.append((m.group(1), _text(g[0]) if g else ""))
    result = {"ok": ok, "error": (errors or ["no output"])[0] if not ok else "", "entries": entries}
    cached.write_text(json.dumps(result))
    return result


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


_CAPTION_PKG = re.compile(r"\\(?:usepackage|RequirePackage)\s*(?:\[[^\]]*\])?\s*\{[^}]*\b(?:sub)?(?:caption|fig|floatrow)\b")


def _listed(caption: str | None, short: str | None) -> str:
    """The text TeX lists: the short form when given, else the caption. What is listed at all:
    a caption with an optional argument that is not ``[]`` (subfig lists ``\\subfloat[]{..}``
    with an empty entry and ``\\subfloat[][x]{..}`` not at all; ``\\caption*`` is not listed)."""
    return (short if short is not None else caption or "").strip()


def ours(source: Path, mains: list[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """curate's list entries per top-level document (or per document of ``mains``): (kind, caption)."""
    out = {}
    for doc in documents(from_folder(source, 200 << 20), mains):
        entries = []
        # LaTeX lists \\caption[]{..} with an empty entry; the caption package (which subcaption,
        # subfig and floatrow load) lists nothing for it
        caption_pkg = _CAPTION_PKG.search((source / doc.main).read_text("utf-8", "replace"))
        for fig in doc.figures:
            entries += [("subfigure", clean_caption(_listed(p.caption, p.short), doc.defs)) for p in fig.panels
                        if p.caption is not None and p.short != ""]
            if fig.caption is not None and (fig.short != "" or not caption_pkg):   # \\caption{} is listed, empty
                entries.append(("figure", clean_caption(_listed(fig.caption, fig.short), doc.defs)))
        out[doc.main] = entries
    return out


def match(tex: list, found: list) -> tuple[int, int, float, list]:
    """(matched, exact, similarity sum, misses) of TeX's entries against curate's: first the
    entries with equal caption words, in order, then the rest by similarity (at least 0.5),
    the nearest in order among equals."""
    want = [(k, _norm(clean_caption(t))) for k, t in tex]
    have = [(k, _norm(t)) for k, t in found]
    pairs: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for i, (kind, text) in enumerate(want):
        j = next((j for j, h in enumerate(have) if j not in used and h == (kind, text)), None)
        if j is not None:
            pairs[i] = (j, 1.0)
            used.add(j)
    for i, (kind, text) in enumerate(want):
        if i in pairs:
            continue
        scored = [(difflib.SequenceMatcher(None, text, t, autojunk=False).ratio(), -abs(i - j), j)
                  for j, (k, t) in enumerate(have) if j not in used and k == kind]
        best = max(scored, default=None)
        if best and best[0] >= 0.5:
            pairs[i] = (best[2], best[0])
            used.add(best[2])
    exact = sum(want[i][1] == have[j][1] for i, (j, _) in pairs.items())
    misses = [("missed", k, t[:120], "") for i, (k, t) in enumerate(want) if i not in pairs]
    misses += [("inexact", want[i][0], want[i][1][:90], have[j][1][:90]) for i, (j, _) in pairs.items()
               if want[i][1] != have[j][1]]
    misses += [("extra", k, t[:120], "") for j, (k, t) in enumerate(have) if j not in used]
    return len(pairs), exact, sum(r for _, r in pairs.values()), misses


_BASELINE = r"""
import json, sys
from pathlib import Path
from curate.arxiv import clean_caption
from curate.arxiv._figures import find_figures
from curate.arxiv._source import from_folder
from curate.arxiv._tex import flatten, macros
out = {}
for src, docs in json.load(sys.stdin).items():
    paper = from_folder(Path(src), 200 << 20)
    tex = {p: d.decode("utf-8", "replace") for p, d in paper.files.items() if p.endswith((".tex", ".sty", ".cls"))}
    out[src] = {}
    for main in docs:
        text, _ = flatten(tex, main, [])
        defs, entries = macros(text), []
        for fig in find_figures(text):
            seen = []
            for img in fig.images:
                if img.sub_caption is not None and img.sub_caption not in seen:
                    seen.append(img.sub_caption)
                    entries.append(["subfigure", clean_caption(img.sub_caption, defs)])
            if fig.caption is not None:
                entries.append(["figure", clean_caption(fig.caption, defs)])
        out[src][main] = entries
print(json.dumps(out))
"""


def baseline(rev: str, docs: dict[str, list[str]]) -> dict[str, dict[str, list]]:
    """The entries of curate's figure finder at git revision ``rev`` for the given documents of
    each source (every one, though that finder took only the longest: its finding is measured)."""
    import tarfile
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", rev, "curate", "schemas"], cwd=ROOT, capture_output=True,
                                 check=True).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        done = subprocess.run([sys.executable, "-c", _BASELINE], input=json.dumps(docs), capture_output=True,
                              text=True, env=dict(os.environ, PYTHONPATH=tmp), cwd=tmp, check=True)
    return {src: {doc: [tuple(e) for e in entries] for doc, entries in docs.items()}
            for src, docs in json.loads(done.stdout).items()}


class Tally:
    """Counts of one group of sources (TeX's entries, curate's, matched, exact) and the baseline's."""

    def __init__(self, name: str):
        self.name, self.docs, self.sources, self.sim = name, 0, set(), 0.0
        self.kinds = {k: [0, 0, 0] for k in ("figure", "subfigure")}      # TeX, curate, matched
        self.exact, self.base = 0, [0, 0, 0]                               # baseline: found, matched, exact

    def add(self, src: Path, tex: list, found: list, got: list | None) -> list:
        m, e, sim, miss = match(tex, found)
        self.docs += 1
        self.sources.add(src)
        self.exact += e
        self.sim += sim
        for k, row in self.kinds.items():
            row[0] += sum(x[0] == k for x in tex)
            row[1] += sum(x[0] == k for x in found)
            row[2] += sum(x[0] == k for x in tex) - sum(x[0] == "missed" and x[1] == k for x in miss)
        if got is not None:
            bm, be, _, _ = match(tex, got)
            self.base = [self.base[0] + len(got), self.base[1] + bm, self.base[2] + be]
        return miss

    def report(self, baseline_rev: str | None) -> None:
        tex, fnd, mat = (sum(row[i] for row in self.kinds.values()) for i in range(3))
        print(f"\n{self.name}: {len(self.sources)} sources, {self.docs} documents")
        print(f"{'':12}{'TeX':>7}{'curate':>8}{'recall':>9}{'precision':>11}")
        for k, (t, f, m) in self.kinds.items():
            print(f"{k:12}{t:7}{f:8}{m / max(t, 1):9.2%}{m / max(f, 1):11.2%}")
        print(f"{'all':12}{tex:7}{fnd:8}{mat / max(tex, 1):9.2%}{mat / max(fnd, 1):11.2%}")
        print(f"exact caption text: {self.exact / max(tex, 1):.2%} of TeX's entries; "
              f"mean similarity of matched: {self.sim / max(mat, 1):.3f}")
        if baseline_rev:
            bf, bm, be = self.base
            print(f"baseline ({baseline_rev}): recall {bm / max(tex, 1):.2%}, precision {bm / max(bf, 1):.2%}, "
                  f"exact caption text {be / max(tex, 1):.2%}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, help="at most this many doc-package sources")
    ap.add_argument("--extra", nargs="*", default=[], help="more source folders (paper repositories)")
    ap.add_argument("--baseline", default="9dfc7b8", help="git revision of the baseline finder, or none")
    ap.add_argument("--show", type=int, default=15, help="misses to print")
    args = ap.parse_args()
    if not shutil.which("pdflatex"):
        sys.exit("pdflatex not found: apt-get install texlive-latex-base texlive-latex-recommended "
                 "texlive-latex-extra texlive-science")
    shared = Path(os.environ.get("CURATE_SHARED_DATA", ROOT.parent / "shared" / "data")) / "arxiv"
    papers = sorted(p for p in shared.iterdir() if p.is_dir()) if shared.is_dir() else []
    papers += [Path(p).resolve() for p in args.extra]
    sources = prepare(args.limit) + papers
    t0 = time.time()
    jobs, folders = [], set(sources)
    for src in sources:
        for path in sorted(src.rglob("*.tex")):
            if any(parent in folders for parent in path.parents if src in parent.parents):
                continue                          # a source of its own as well
            text = path.read_text("utf-8", "replace")
            if _DOC.search(text) and "\\begin{document}" in text:
                jobs.append((src, str(path.relative_to(src))))
    with ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        truths = dict(zip(jobs, pool.map(lambda j: truth(*j), jobs)))
    t_tex = time.time() - t0
    compared: dict[str, list[str]] = {}
    for (src, doc), t in truths.items():
        if t["ok"]:
            compared.setdefault(str(src), []).append(doc)
    t1 = time.time()
    base = baseline(args.baseline, compared) if args.baseline != "none" else None
    t_base = time.time() - t1
    groups = {False: Tally("TeX Live documentation folders"), True: Tally("paper repositories")}
    total = Tally("all")
    misses, t_ours, t_find, images, converted, reasons, unreadable, failed = [], 0.0, 0.0, 0, 0, {}, [], 0
    for src in sources:
        found = ours(src)
        t1 = time.time()
        ours(src, compared.get(str(src), []))       # timed on the documents the baseline is given
        t_find += time.time() - t1
        t1 = time.time()
        rows, rejected = extract(from_folder(src, 200 << 20), FigureSettings(dpi=50))
        t_ours += time.time() - t1
        unreadable += [(src.name, d) for _, r, d in rejected if r == "image_unreadable"]
        bad = [r for _, r, _ in rejected if r.startswith("image_") or r == "no_ghostscript"]
        images, converted = images + len(rows) + len(bad), converted + len(rows)
        for r in bad:
            reasons[r] = reasons.get(r, 0) + 1
        for (s, doc), t in truths.items():
            if s != src or doc not in found:      # (an included file TeX can also compile alone)
                continue
            if not t["ok"]:
                failed += 1
                continue
            got = base.get(str(src), {}).get(doc, []) if base is not None else None
            miss = groups[src in papers].add(src, t["entries"], found[doc], got)
            total.add(src, t["entries"], found[doc], got)
            misses += [(str(src.relative_to(WORK) if WORK in src.parents else src), doc) + x for x in miss]
    print(f"documents that do not compile cleanly, left out: {failed}; TeX {t_tex:.0f}s, curate {t_ours:.1f}s "
          f"(finding and rendering)")
    for tally in (*groups.values(), total):
        tally.report(args.baseline if base is not None else None)
    if base is not None:
        print(f"\nspeed: curate {t_find:.1f}s vs baseline {t_base:.1f}s finding figures in the same documents, "
              f"ratio {t_base / max(t_find, 1e-9):.2f}x")
    print(f"images found in the sources with a caption: {images}, converted to PNG: {converted} "
          f"({converted / max(images, 1):.2%}); failures: {reasons or 'none'}")
    for name, detail in unreadable[:5]:
        print(f"  unreadable image in {name}: {detail[:150]}")
    for m in misses[:args.show]:
        print("  ", " | ".join(map(str, m)))
    print(f"({len(misses)} misses and inexact matches in all)")


if __name__ == "__main__":
    main()
