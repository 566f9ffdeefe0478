"""Language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

# Enough text to decide: on the 204 pages of the shared WARCs and HTML folder (9 languages),
# 800 characters give the same label as 4000 on every page (so did 400). langid's cost
# grows linearly with length: 0.35 ms against 0.54 ms at 1500.
SAMPLE_CHARS = 800


@lru_cache(maxsize=1)
def _identifier():
    """py3langid's model, its transition tables moved into NumPy memory.

    The classifier walks a 39 MB transition table, one random read per byte of text. Between
    two pages trafilatura evicts it from every cache, and on a virtual machine each read then
    costs a TLB miss with a nested page walk: 0.85 ms per page in the pipeline, against 0.06 ms
    warm. NumPy asks the kernel for huge pages for arrays of 4 MB and more (transparent huge
    pages, "madvise" mode), so the same reads miss the TLB far less: 0.57 ms measured, the
    labels and scores unchanged (tests/extract/test_lang.py)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    stock = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    fast = LanguageIdentifier(stock.nb_ptc, stock.nb_pc, stock.nb_classes,
                              memoryview(np.array(stock.tk_nextmove, dtype=np.uint32)),
                              memoryview(np.array(stock.tk_output, dtype=np.int64)),
                              norm_probs=True, tk_row=stock.tk_row)
    if isinstance(getattr(fast, "_rowbase", None), list):     # state -> row offsets, a Python list
        fast._rowbase = memoryview(np.array(fast._rowbase, dtype=np.int64))
    return fast


def identify(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability) of ``text``; (None, None) for empty text."""
    sample = text[:SAMPLE_CHARS]
    if not sample.strip():
        return None, None
    lang, prob = _identifier().classify(sample)
    return lang, float(prob)


def warm() -> None:
    """Load the model now (in a fork server, so forked workers share it)."""
    _identifier()
