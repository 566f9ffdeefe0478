"""Token counting, tokenizer training and deterministic token-budget selection for training mixtures."""

from curate.mix._megatron import dtype_for, index_sizes, write_indexed
from curate.mix._select import Selection, rng_for, select
from curate.mix._tokens import ApproxTokenizer, HFTokenizer, get_tokenizer
from curate.mix._train import TrainedTokenizer, parquet_texts, train_tokenizer

__all__ = ["ApproxTokenizer", "HFTokenizer", "Selection", "TrainedTokenizer", "dtype_for", "get_tokenizer", "index_sizes",
           "parquet_texts", "rng_for", "select", "train_tokenizer", "write_indexed"]
