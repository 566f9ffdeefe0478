import numpy as np
import pyarrow as pa

from curate.dedup import ngrams, words


def texts_of(w):
    return [w.text(w.bounds[d], w.bounds[d + 1]) for d in range(len(w.bounds) - 1)]


def test_normalisation_splits_on_ascii_and_unicode_punctuation():
    w = words(pa.array(["Hello, World! It’s  a TEST…", "ﬁne — déjà vu «quoted»", "中文，标点。", "", None]))
    assert texts_of(w) == ["hello world it s a test", "fine déjà vu quoted", "中文 标点", "", ""]
    assert list(w.counts) == [6, 4, 2, 0, 0]


def test_word_hashes_ignore_spacing_and_document_boundaries():
    a = words(pa.array(["alpha beta", "gamma"]))
    b = words(pa.array(["  alpha\n\tbeta!!", "gamma"]))
    glued = words(pa.array(["betagamma"]))
    assert np.array_equal(a.hashes, b.hashes)
    assert list(a.counts) == [2, 1]
    # "beta" ends document 0 and "gamma" starts document 1: still two words, not "betagamma"
    assert glued.hashes[0] not in set(a.hashes.tolist())
    assert words(pa.array(["beta"])).hashes[0] == a.hashes[1]


def test_same_word_same_hash_anywhere():
    w = words(pa.array(["x the y the", "the"]))
    h = w.hashes
    assert h[1] == h[3] == h[4]
    assert len(set(h.tolist())) == 3


def test_ngrams_counts_and_short_documents():
    w = words(pa.array(["a b c d e f g", "a b", "", "c d e f g"]))
    h, counts, first = ngrams(w, 5)
    assert list(counts) == [3, 1, 0, 1]
    # the last 5-gram of document 0 equals the only 5-gram of document 3
    assert h[2] == h[4]
    assert list(first) == [0, 1, 2, 7, 9]
    # a short document's one n-gram is not any real n-gram of a longer one
    assert h[3] not in set(h[:3].tolist())


def test_ngram_hashes_do_not_depend_on_batch_composition():
    docs = ["one two three four five six", "seven eight nine ten eleven", "one two three four five"]
    together = ngrams(words(pa.array(docs)), 5)[0]
    apart = np.concatenate([ngrams(words(pa.array([d])), 5)[0] for d in docs])
    assert np.array_equal(together, apart)


def test_punctuation_at_the_very_end_of_a_batch():
    w = words(pa.array(["ok", "dash at the end\u2014"]))
    assert texts_of(w) == ["ok", "dash at the end"]
