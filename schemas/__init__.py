"""Dataset schemas: the only place columns and types are declared.

Every Parquet writer passes one of these schemas; DuckDB views and the docs are
derived from them. Each field carries a ``description`` in its metadata.
"""

from schemas._base import field, describe
from schemas.arxiv import ARXIVCAP, FIGURES
from schemas.code import CODE_FILES, CODE_SAMPLES
from schemas.dedup import CONTAMINATION, DUPLICATES
from schemas.mix import MIXTURE
from schemas.pages import PAGES, REJECTED

#: dataset name -> schema; the name is also the folder under an output root.
DATASETS = {
    "pages": PAGES,
    "rejected": REJECTED,
    "duplicates": DUPLICATES,
    "contamination": CONTAMINATION,
    "code_samples": CODE_SAMPLES,
    "code_files": CODE_FILES,
    "mixture": MIXTURE,
    "figures": FIGURES,
    "arxivcap": ARXIVCAP,
}

__all__ = ["ARXIVCAP", "CODE_FILES", "FIGURES", "CODE_SAMPLES", "CONTAMINATION", "DATASETS", "DUPLICATES", "MIXTURE", "PAGES", "REJECTED", "field", "describe"]
