"""curate: turn raw public data into LLM pre-training corpora.

Subpackages: ``curate.io`` (inputs, shards, ledger), ``curate.extract`` (HTML to
text with math), ``curate.query`` (DuckDB views). The library never imports
Prefect; flows live in the top-level ``flows`` package.
"""

__version__ = "0.1.0"

from curate.errors import CurateError, FatalError, RetryableError, ShardError

__all__ = ["CurateError", "FatalError", "RetryableError", "ShardError", "__version__"]
