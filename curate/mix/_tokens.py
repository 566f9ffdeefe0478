"""Token counting: a Hugging Face ``tokenizer.json`` or a documented approximation.

The approximation counts ``ceil(UTF-8 bytes / 4)``: byte-level BPE vocabularies of
32k-128k entries (GPT-2, Llama, DeepSeek) average about 3.5-4.5 bytes per token on
English web text and fewer on code and non-Latin scripts, so it is a budgeting
estimate, not a substitute when the exact tokenizer is known. Counts are
computed once per shard and cached (see pipelines/mix.py), so mixing never
re-tokenises.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


# End-of-document tokens of common vocabularies (GPT-2/Llama 3/Qwen, Llama/Mistral, T5, BERT-likes).
EOD_NAMES = ("<|endoftext|>", "<|end_of_text|>", "</s>", "<eos>", "<|eot_id|>", "[SEP]")


class ApproxTokenizer:
    """ceil(UTF-8 bytes / 4), computed by Arrow kernels."""

    name = "approx-bytes4"

    def count(self, texts: pa.Array) -> np.ndarray:
        lengths = pc.fill_null(pc.binary_length(pc.cast(pc.fill_null(texts, ""), pa.binary())), 0)
        return (lengths.to_numpy(zero_copy_only=False).astype(np.int64) + 3) // 4


class HFTokenizer:
    """A Hugging Face ``tokenizers`` tokenizer loaded from a tokenizer.json file (no hub access)."""

    def __init__(self, path: str | Path):
        from tokenizers import Tokenizer

        from curate.errors import FatalError

        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise FatalError(f"tokenizer {path}: {exc.strerror or exc} (give a tokenizer.json: a model's, or one "
                             "made by `curate tokenizer train`)") from None
        try:
            self._tok = Tokenizer.from_str(data.decode("utf-8"))
        except Exception as exc:                   # tokenizers raises a bare Exception for bad JSON
            raise FatalError(f"tokenizer {path} is not a Hugging Face tokenizer.json: "
                             f"{' '.join(str(exc).split())[:200]}") from None
        # Text is data: a page that contains "<|endoftext|>" must not put a document boundary (or
        # any other control token) inside a training document, so special tokens are never parsed.
        self._tok.encode_special_tokens = True
        self.name = f"hf-{hashlib.sha1(data).hexdigest()[:12]}"

    def count(self, texts: pa.Array) -> np.ndarray:
        values = [t or "" for t in texts.to_pylist()]
        encodings = self._tok.encode_batch(values, add_special_tokens=False)
        return np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(values))

    def encode(self, texts: pa.Array) -> list[np.ndarray]:
        """Token ids of each text (the same encoding as :meth:`count`)."""
        values = [t or "" for t in texts.to_pylist()]
        return [np.asarray(e.ids, dtype=np.int64) for e in self._tok.encode_batch(values, add_special_tokens=False)]

    def encode_flat(self, texts: pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per text, every text's ids back to back as uint32): the same encoding as
        :meth:`encode`, converted to NumPy in one pass instead of one array per text."""
        from itertools import chain

        values = [t or "" for t in texts.to_pylist()]
        encodings = self._tok.encode_batch(values, add_special_tokens=False)
        lengths = np.fromiter((len(e.ids) for e in encodings), dtype=np.int64, count=len(encodings))
        ids = np.fromiter(chain.from_iterable(e.ids for e in encodings), dtype=np.uint32, count=int(lengths.sum()))
        return lengths, ids

    def decode(self, ids) -> str:
        return self._tok.decode([int(i) for i in ids], skip_special_tokens=False)

    @property
    def vocab_size(self) -> int:
        return self._tok.get_vocab_size(with_added_tokens=True)

    def eod_id(self, token: str | None = None) -> int:
        """The end-of-document token appended to every document: ``token``, else the first of the
        usual names the vocabulary has."""
        for name in ([token] if token else []) + list(EOD_NAMES):
            found = self._tok.token_to_id(name)
            if found is not None:
                return int(found)
        from curate.errors import FatalError

        raise FatalError(f"the tokenizer has no end-of-document token ({', '.join(EOD_NAMES)}); name one with eod_token")


def get_tokenizer(spec: str | None):
    """``None``/``"approx"`` -> :class:`ApproxTokenizer`; a path -> :class:`HFTokenizer`, loaded
    once per process while the file is unchanged (a mixture asks for it per shard and step)."""
    if spec in (None, "", "approx"):
        return ApproxTokenizer()
    try:
        stat = Path(spec).stat()
    except OSError:
        return HFTokenizer(spec)                   # its one-line error
    return _loaded(str(spec), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _loaded(path: str, mtime_ns: int, size: int) -> HFTokenizer:
    return HFTokenizer(path)
