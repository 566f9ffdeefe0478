"""Token counting and deterministic token-budget selection for training mixtures."""

from curate.mix._megatron import index_sizes, write_indexed
from curate.mix._select import Selection, rng_for, select
from curate.mix._tokens import ApproxTokenizer, HFTokenizer, get_tokenizer

__all__ = ["ApproxTokenizer", "HFTokenizer", "Selection", "get_tokenizer", "index_sizes", "rng_for", "select",
           "write_indexed"]
