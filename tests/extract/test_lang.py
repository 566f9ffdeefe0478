"""Language id: our NumPy-backed tables give py3langid's own labels and scores on real text."""

from __future__ import annotations

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from curate.extract._lang import SAMPLE_CHARS, _identifier, identify
from curate.extract._page import Rejected, extract_html, looks_like_html
from curate.io import iter_records


def _texts(shared) -> list[str]:
    bodies = [p.read_bytes() for p in sorted((shared / "html").rglob("*.html"))]
    for path in sorted((shared / "warc").rglob("*.warc*")):
        with open(path, "rb") as fh:
            bodies += [r.body for r in iter_records(fh) if r.body and looks_like_html(r.body)]
    texts = []
    for body in bodies:
        try:
            texts.append(extract_html(body)["text"])
        except Rejected:
            continue
    return texts


def test_labels_and_scores_are_py3langids_own(shared):
    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    texts = _texts(shared)
    assert len(texts) >= 150
    ours = [identify(t) for t in texts]
    theirs = [stock.classify(t[:SAMPLE_CHARS]) for t in texts]
    assert ours == [(lang, float(prob)) for lang, prob in theirs]
    assert len({lang for lang, _ in ours}) >= 5                     # real pages in several languages
    odd = ["", "   ", "12345", "x" * 3000, "数学 ∑ αβγ", "\ud800 broken surrogate"]
    assert [identify(t) for t in odd] == [(None, None), (None, None)] + [
        (lang, float(prob)) for lang, prob in (stock.classify(t[:SAMPLE_CHARS]) for t in odd[2:])]


def test_tables_live_in_numpy_memory():
    fast = _identifier()
    assert isinstance(fast.tk_nextmove, memoryview) and isinstance(fast.tk_output, memoryview)
    assert fast.tk_nextmove.nbytes > 4 * 2**20                       # large enough for huge pages
