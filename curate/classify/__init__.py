"""Math page classification (fastText, DeepSeekMath settings): seeds, training, scoring, metrics,
URL-prefix annotations, and the cheap pre-extraction filter of the fast recall mode."""

from curate.classify import _annotations as annotations
from curate.classify._annotations import Decision, url_prefix
from curate.classify._cheap import MathGate, cheap_text, math_markup, recall_safe_threshold
from curate.classify._fasttext import (FULL_SCALE, TrainParams, fit_params, load, model_id, normalize, score, train,
                                       train_with_validation)
from curate.classify._validate import metrics, operating_threshold, weakness
from curate.classify._seed import chunk_text, load_texts, query_texts, tex_to_text

__all__ = ["Decision", "FULL_SCALE", "MathGate", "TrainParams", "annotations", "cheap_text", "chunk_text", "fit_params", "load",
           "load_texts", "math_markup", "metrics", "model_id", "normalize", "operating_threshold", "query_texts",
           "recall_safe_threshold", "score", "tex_to_text", "train", "train_with_validation", "url_prefix",
           "weakness"]
