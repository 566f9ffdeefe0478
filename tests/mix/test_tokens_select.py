"""Token counting (approximation and a real tokenizer.json) and budget selection."""

import numpy as np
import pyarrow as pa
import pytest

from curate.mix import ApproxTokenizer, HFTokenizer, get_tokenizer, select
from tests.dedup.corpus import real_texts


@pytest.fixture(scope="module")
def tokenizer_json(shared, tmp_path_factory):
    """A byte-level BPE tokenizer trained here on the shared texts, saved as tokenizer.json."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.train_from_iterator(real_texts(shared), trainers.BpeTrainer(vocab_size=2000, show_progress=False,
                                                                     initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    tok.save(str(path))
    return path, tok


def test_counts(shared, tokenizer_json):
    path, tok = tokenizer_json
    texts = real_texts(shared)[:20] + ["", None, "ünïcödé ✓"]
    arr = pa.array(texts, pa.string())
    approx = ApproxTokenizer().count(arr)
    assert list(approx[-3:]) == [0, 0, (len("ünïcödé ✓".encode()) + 3) // 4]
    hf = HFTokenizer(path)
    exact = hf.count(arr)
    assert list(exact[:20]) == [len(tok.encode(t, add_special_tokens=False).ids) for t in texts[:20]]
    assert exact[20] == exact[21] == 0
    assert get_tokenizer(str(path)).name == hf.name and get_tokenizer(None).name == "approx-bytes4"
    # a 2k-token vocabulary trained on this text: within a factor of 2 of the approximation
    assert 0.5 < exact[:20].sum() / approx[:20].sum() < 2.0


def test_selection_hits_budget_and_caps_epochs():
    tokens = np.random.default_rng(1).integers(50, 3000, 5000)
    available = int(tokens.sum())
    for target in (1000, available // 3, available, int(available * 2.4)):
        s = select(tokens, target, 4, 9, "src")
        assert abs(s.tokens - target) <= max(0.0005 * target, 50) and s.tokens <= target and not s.capped
        assert np.all(np.bincount(s.index, minlength=len(tokens)) <= 3)
    capped = select(tokens, available * 10, 2.5, 9, "src")
    assert capped.capped and capped.tokens <= int(2.5 * available) and capped.tokens >= 2 * available
    assert set(np.bincount(capped.epoch)) and capped.epoch.max() == 2
    same = select(tokens, available // 2, 1, 9, "src")
    assert np.array_equal(same.index, select(tokens, available // 2, 1, 9, "src").index)
    assert not np.array_equal(same.index, select(tokens, available // 2, 1, 10, "src").index)


def test_a_budget_documents_cannot_fill_is_flagged_short():
    """Large documents (code samples of 45-60k tokens) cannot land on a 150k budget: the gap is
    flagged with its reason, not passed over (it was silent when the epoch cap was not the cause)."""
    import numpy as np

    from curate.mix import select

    got = select(np.array([60_000, 50_000, 45_000]), 150_000, 1.0, seed=0, name="code")
    assert got.tokens < 150_000 and not got.capped
    assert got.short_by == 150_000 - got.tokens and got.short_reason.startswith("no document small enough")
    many = select(np.full(5_000, 300), 150_000, 1.0, seed=0, name="web")   # small documents: on the budget
    assert many.tokens == 150_000 and many.short_by == 0 and many.short_reason is None
    capped = select(np.full(10, 1_000), 150_000, 2.0, seed=0, name="rare")
    assert capped.short_by == 130_000 and capped.short_reason == "epoch cap"
