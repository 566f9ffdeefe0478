"""Token counting and deterministic token-budget selection for training mixtures."""

from curate.mix._select import Selection, rng_for, select
from curate.mix._tokens import ApproxTokenizer, HFTokenizer, get_tokenizer

__all__ = ["ApproxTokenizer", "HFTokenizer", "Selection", "get_tokenizer", "rng_for", "select"]
