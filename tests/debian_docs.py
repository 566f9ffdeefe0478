"""Real labelled web pages: Debian's documentation packages (see ../shared/docs/real-data.md).

Sphinx sites mark every formula in their HTML (``<span class="math">\\(..\\)</span>``,
``<div class="math">``), so a page is labelled by its markup, not by us:

- ``math``: at least 3 formula elements;
- ``non_math``: no formula element and no MathJax/MathML at all;
- ``some``: 1-2 formulas (ambiguous: in the pool, never in a labelled figure).

Packages are fetched with ``apt-get download`` into a cache folder (``$CURATE_CACHE``, default
``~/.cache/curate``) and unpacked with ``dpkg -x``; nothing goes into the repository. The page
sample is deterministic (a hash of each path), written as one WARC per package with URLs of
the package's real site, so the pages go through ``curate ingest`` like crawled pages.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

CACHE = Path(os.environ.get("CURATE_CACHE", Path.home() / ".cache" / "curate"))

#: package -> (site host, labelled role): "math" sites carry formula markup, "plain" ones none.
PACKAGES = {
    "python-sympy-doc": ("docs.sympy.org", "math"),
    "python-mpmath-doc": ("mpmath.org", "math"),
    "python-scipy-doc": ("docs.scipy.org", "math"),
    "python-sklearn-doc": ("scikit-learn.org", "math"),
    "python-statsmodels-doc": ("www.statsmodels.org", "math"),
    "python3.11-doc": ("docs.python.org", "plain"),
    "python-pandas-doc": ("pandas.pydata.org", "plain"),
    "r-doc-html": ("cran.r-project.org", "plain"),
}
_FORMULA = re.compile(rb'class="math[ "]')
_ANY_MATH = re.compile(rb"MathJax|<math[ >]|katex", re.I)


class Unavailable(RuntimeError):
    """The packages cannot be fetched here (no apt-get, no archive): callers skip."""


def unpacked(package: str) -> Path:
    """The unpacked tree of ``package`` (downloaded and unpacked once into the cache)."""
    root = CACHE / "debian" / package
    if (root / ".done").exists():
        return root
    debs = CACHE / "debian" / "_debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{package}_*.deb"))
    if not found:
        for attempt in range(2):
            try:
                subprocess.run(["apt-get", "download", package], cwd=debs, check=True, capture_output=True,
                               timeout=600)
                break
            except (OSError, subprocess.SubprocessError) as exc:
                if attempt:
                    raise Unavailable(f"apt-get download {package} failed: {exc}") from exc
                # a fresh machine has no package lists yet
                subprocess.run(["apt-get", "update", "-q"], capture_output=True, timeout=600, check=False)
        found = sorted(debs.glob(f"{package}_*.deb"))
        if not found:
            raise Unavailable(f"apt-get download {package} produced no .deb")
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["dpkg", "-x", str(found[-1]), str(root)], check=True, capture_output=True, timeout=600)
    (root / ".done").write_text(found[-1].name)
    return root


def label(html: bytes) -> tuple[str, int]:
    """(label, formula count) of a page from its markup."""
    n = len(_FORMULA.findall(html))
    if n >= 3:
        return "math", n
    if n == 0 and not _ANY_MATH.search(html):
        return "non_math", 0
    return "some", n


def _rank(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode(), digest_size=8).digest(), "big")


def pages(package: str, limit: int | None = None, labels: tuple[str, ...] = ("math", "non_math", "some")) -> list[dict]:
    """Up to ``limit`` HTML pages of ``package`` with the wanted labels, in a fixed pseudo-random order.

    Each: url, path (inside the package), label, formulas, body (bytes). Index and search pages
    (genindex, search, py-modindex, _modules source listings) are not documents and are skipped."""
    root = unpacked(package)
    host = PACKAGES[package][0]
    files = [f for f in root.rglob("*.html") if f.is_file() and "/_modules/" not in str(f) and "/_sources/" not in str(f)
             and f.name not in ("genindex.html", "search.html", "py-modindex.html")]
    files.sort(key=lambda f: _rank(str(f.relative_to(root))))
    out = []
    for f in files:
        body = f.read_bytes()
        lab, n = label(body)
        if lab not in labels:
            continue
        rel = f.relative_to(root).as_posix()
        rel = rel.split("/html/", 1)[1] if "/html/" in rel else rel
        out.append({"url": f"https://{host}/{rel}", "path": rel, "label": lab, "formulas": n, "body": body,
                    "package": package})
        if limit is not None and len(out) >= limit:
            break
    return out


def split(page: dict, share: float) -> bool:
    """True for a fixed ``share`` of pages (by URL hash): the part kept out of training."""
    return (_rank("split:" + page["url"]) % 10_000) < share * 10_000


def sample(per_package: dict[str, dict[str, int]]) -> list[dict]:
    """Pages by package and label: ``{"python-sympy-doc": {"math": 50, "non_math": 20}, ...}``."""
    out = []
    for package, wanted in per_package.items():
        for lab, n in wanted.items():
            out += pages(package, n, (lab,))
    return out


def ingest(pages_: list[dict], root: Path, workers: int = 2) -> Path:
    """Write ``pages_`` as one WARC under ``root/warc`` and ingest it into ``root/shards`` (resumable:
    a finished ingest is reused). Returns the shards root."""
    from pipelines.ingest import IngestConfig, run
    from tests.conftest import warc_bytes

    warc = root / "warc" / "pages.warc.gz"
    if not warc.exists():
        warc.parent.mkdir(parents=True, exist_ok=True)
        tmp = warc.with_suffix(".tmp")
        tmp.write_bytes(warc_bytes([{"url": p["url"], "body": p["body"]} for p in pages_]))
        tmp.replace(warc)
    run(IngestConfig(sources=(str(warc),), out=str(root / "shards"), workers=workers))
    return root / "shards"
