"""Formula recall and main-text recall of extraction on thousands of real pages, next to bare trafilatura.

Pages: Sphinx sites from Debian's documentation packages (sympy, mpmath, scipy, scikit-learn),
where every formula is marked in the HTML by the site generator (``<span class="math">`` inline,
``<div class="math">`` display; see ../shared/docs/real-data.md), so the truth is the HTML's, not
ours. Per page:

- formulas: each marked formula's TeX (whitespace ignored) found intact in the text; formulas
  found only with markdown escapes (``\\_``, ``\\*``); formulas missing;
- main text: the words of the page's main element (``role="main"``, formulas left out) kept in
  the text, as a bag (a word twice on the page must be there twice);

for ``curate`` (extract_html) and for bare ``trafilatura.extract`` (markdown, same options), and
the time of each.

    python benchmarks/formula_recall.py [--pages 800] [--show 10]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
from lxml import html as lxml_html  # noqa: E402

from curate.extract import Rejected, extract_html  # noqa: E402
from tests import debian_docs  # noqa: E402

PACKAGES = ("python-sympy-doc", "python-mpmath-doc", "python-scipy-doc", "python-sklearn-doc", "python-statsmodels-doc")
_MATH = '//*[contains(concat(" ", normalize-space(@class), " "), " math ")]'
_DELIMS = re.compile(r"^\s*(\\\(|\\\[)|(\\\)|\\\])\s*$")
WORD = re.compile(r"\w+", re.U)


def truth(body: bytes) -> tuple[list[str], Counter]:
    """(formulas, main-text word bag) of a page, from its markup."""
    tree = lxml_html.fromstring(body)
    formulas = []
    for el in tree.xpath(_MATH):
        # Sphinx numbers an equation inside its element (<span class="eqno">(1)¶</span>): not TeX
        text = "".join(el.xpath('.//text()[not(ancestor::*[contains(@class, "eqno")])]'))
        tex = _DELIMS.sub("", text).strip()
        if tex:
            formulas.append(tex)
    main = (tree.xpath('//*[@role="main"]') or [tree])[0]
    for el in main.xpath(f'.{_MATH[1:]} | .//script | .//style | .//a[@class="headerlink"]'):
        el.drop_tree()
    return formulas, Counter(WORD.findall(main.text_content().lower()))


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def score(formulas: list[str], words: Counter, text: str) -> dict:
    flat = _squash(text)
    intact = escaped = 0
    missed = []
    for tex in formulas:
        t = _squash(tex)
        # punctuation after an environment, inside the element (\end{eqnarray*}.), stays outside $$..$$
        if t in flat or (t[-1:] in ".,;" and t.rstrip(".,;") in flat):
            intact += 1
        elif re.sub(r"([_*\[\]~])", r"\\\1", t) in flat or t.replace("_", "\\_") in flat:
            escaped += 1
        else:
            missed.append(tex)
    got = Counter(WORD.findall(text.lower()))
    kept = sum(min(n, got[w]) for w, n in words.items())
    return {"intact": intact, "escaped": escaped, "missed": missed, "kept": kept}


def bare(body: bytes) -> str:
    return trafilatura.extract(body, output_format="markdown", include_tables=True, include_comments=True,
                               deduplicate=False) or ""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=2000, help="pages with formulas per package (at most)")
    ap.add_argument("--show", type=int, default=10, help="missed formulas listed")
    ap.add_argument("--shared", default=os.environ.get("CURATE_SHARED_DATA", str(ROOT.parent / "shared" / "data")))
    args = ap.parse_args()
    pages = [p for pkg in PACKAGES for p in debian_docs.pages(pkg, args.pages, ("math", "some"))]
    # the shared pages whose markup marks formulas the same way (colah's blog: MathJax in span.math)
    shared = Path(args.shared) / "html"
    pages += [{"url": f"https://{f.parent.name}/{f.name}", "body": f.read_bytes()} for f in sorted(shared.rglob("*.html"))
              if b'class="math' in f.read_bytes()]
    totals = {name: Counter() for name in ("curate", "trafilatura")}
    seconds = Counter()
    missed, per_site = [], Counter()
    n_formulas = n_words = 0
    for page in pages:
        formulas, words = truth(page["body"])
        n_formulas += len(formulas)
        n_words += sum(words.values())
        for name, fn in (("curate", lambda b, u: extract_html(b, u)["text"]), ("trafilatura", lambda b, u: bare(b))):
            t0 = time.perf_counter()
            try:
                text = fn(page["body"], page["url"])
            except Rejected:
                text = ""
            seconds[name] += time.perf_counter() - t0
            s = score(formulas, words, text)
            totals[name].update(intact=s["intact"], escaped=s["escaped"], kept=s["kept"])
            if name == "curate":
                missed += [(page["url"], tex) for tex in s["missed"]]
                per_site[page["url"].split("/")[2]] += len(s["missed"])
    print(f"{len(pages)} real pages with marked math (Debian's {', '.join(PACKAGES)}; the shared pages with "
          f"formula markup): {n_formulas:,} marked formulas, "
          f"{n_words:,} words of main text")
    print(f"{'':12s} {'intact':>16s} {'escaped':>8s} {'missing':>8s} {'main words kept':>18s} {'pages/s':>8s}")
    for name, t in totals.items():
        missing = n_formulas - t["intact"] - t["escaped"]
        print(f"{name:12s} {t['intact']:8,d} ({100 * t['intact'] / n_formulas:5.2f}%) {t['escaped']:8,d} {missing:8,d} "
              f"{t['kept']:10,d} ({100 * t['kept'] / n_words:5.2f}%) {len(pages) / seconds[name]:8.1f}")
    print(f"speed: curate {seconds['trafilatura'] / seconds['curate']:.2f}x of bare trafilatura (in-process)")
    if missed:
        print(f"missed by curate, by site: {dict(per_site)}")
    for url, tex in missed[:args.show]:
        print(f"  {url}: {' '.join(tex.split())[:110]!r}")


if __name__ == "__main__":
    main()
