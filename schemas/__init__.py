"""Dataset schemas: the only place columns and types are declared.

Every Parquet writer passes one of these schemas; DuckDB views and the docs are
derived from them. Each field carries a ``description`` in its metadata.
"""

from schemas._base import describe, field, is_text
from schemas.arxiv import ARXIVCAP, FIGURES
from schemas.code import CODE_FILES, CODE_SAMPLES
from schemas.dedup import CONTAMINATION, DUPLICATES
from schemas.math import MATH_DOMAINS, MATH_PREFILTERED, MATH_ROUNDS, MATH_SCORES, MATH_SEED, MATH_SELECTED
from schemas.mix import MIXTURE, MIXTURE_TOKENS
from schemas.pages import PAGES, REJECTED
from schemas.quality import QUALITY

#: dataset name -> schema; the name is also the folder under an output root.
DATASETS = {
    "pages": PAGES,
    "rejected": REJECTED,
    "duplicates": DUPLICATES,
    "contamination": CONTAMINATION,
    "code_samples": CODE_SAMPLES,
    "code_files": CODE_FILES,
    "mixture": MIXTURE,
    "mixture_tokens": MIXTURE_TOKENS,
    "figures": FIGURES,
    "arxivcap": ARXIVCAP,
    "math_scores": MATH_SCORES,
    "math_selected": MATH_SELECTED,
    "math_domains": MATH_DOMAINS,
    "math_seed": MATH_SEED,
    "math_rounds": MATH_ROUNDS,
    "math_prefiltered": MATH_PREFILTERED,
    "quality": QUALITY,
}

__all__ = ["ARXIVCAP", "CODE_FILES", "FIGURES", "CODE_SAMPLES", "CONTAMINATION", "DATASETS", "DUPLICATES", "MATH_DOMAINS", "MATH_PREFILTERED", "MATH_ROUNDS", "MATH_SCORES", "MATH_SEED", "MATH_SELECTED", "MIXTURE", "MIXTURE_TOKENS", "PAGES", "QUALITY", "REJECTED", "field", "describe", "is_text"]
