"""Language identification with py3langid (its model ships inside the package)."""

from __future__ import annotations

from functools import lru_cache

# Enough text to decide (checked on the shared pages: same labels as with 4000);
# langid's cost grows linearly with length.
SAMPLE_CHARS = 1500


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


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
