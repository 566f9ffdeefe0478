"""Math page classification (fastText, DeepSeekMath settings): seeds, training, scoring, metrics."""

from curate.classify._fasttext import TrainParams, load, metrics, normalize, score, train, train_with_validation
from curate.classify._seed import load_texts, query_texts

__all__ = ["TrainParams", "load", "load_texts", "metrics", "normalize", "query_texts", "score", "train",
           "train_with_validation"]
