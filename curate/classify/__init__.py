"""Math page classification (fastText, DeepSeekMath settings): seeds, training, scoring, metrics,
URL-prefix annotations, and the cheap pre-extraction filter of the fast recall mode."""

from curate.classify import _annotations as annotations
from curate.classify._annotations import Decision, url_prefix
from curate.classify._cheap import MathGate, cheap_text, math_markup, recall_safe_threshold
from curate.classify._fasttext import (TrainParams, load, metrics, model_id, normalize, score, train,
                                       train_with_validation)
from curate.classify._seed import load_texts, query_texts

__all__ = ["Decision", "MathGate", "TrainParams", "annotations", "cheap_text", "load", "load_texts", "math_markup",
           "metrics", "model_id", "normalize", "query_texts", "recall_safe_threshold", "score", "train",
           "train_with_validation", "url_prefix"]
