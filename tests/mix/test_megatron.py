"""Tokenized mixtures as Megatron-LM indexed datasets, read back with a reader written here from the
format's specification (curate/mix/_megatron.py's docstring; Megatron-core's indexed_dataset.py)."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from curate.mix import HFTokenizer
from tests.dedup.corpus import real_texts

_DTYPES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def read_indexed(prefix: Path) -> list[np.ndarray]:
    """Every document of prefix.bin, by prefix.idx (independent of curate's writer)."""
    idx = prefix.with_suffix(".idx").read_bytes()
    assert idx[:9] == b"MMIDIDX\x00\x00"
    version, = struct.unpack_from("<Q", idx, 9)
    code, = struct.unpack_from("<B", idx, 17)
    sequences, documents = struct.unpack_from("<QQ", idx, 18)
    assert version == 1 and documents == sequences + 1
    offset = 34
    sizes = np.frombuffer(idx, np.int32, sequences, offset)
    pointers = np.frombuffer(idx, np.int64, sequences, offset + 4 * sequences)
    doc_index = np.frombuffer(idx, np.int64, documents, offset + 12 * sequences)
    assert len(idx) == offset + 12 * sequences + 8 * documents
    assert list(doc_index) == list(range(documents))
    dtype = np.dtype(_DTYPES[code])
    data = np.fromfile(prefix.with_suffix(".bin"), dtype=dtype)
    assert len(data) == int(sizes.sum())
    return [data[p // dtype.itemsize:p // dtype.itemsize + n] for p, n in zip(pointers, sizes)]


@pytest.fixture(scope="module")
def tokenized(shared, tmp_path_factory):
    """Real pages (two WARCs of the shared data, ingested) mixed and tokenized with a byte-level BPE
    tokenizer trained here on real text, with an end-of-document token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from pipelines.ingest import IngestConfig
    from pipelines.ingest import run as ingest
    from pipelines.mix import run
    from pipelines.mix._spec import spec_from_mapping

    home = tmp_path_factory.mktemp("megatron")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(real_texts(shared), trainers.BpeTrainer(
        vocab_size=3000, show_progress=False, special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tok.save(str(home / "tokenizer.json"))
    warcs = [str(shared / "warc" / "dolma" / f"sample-000{i}.warc.gz") for i in (0, 1)]
    ingest(IngestConfig(sources=tuple(warcs), out=str(home / "root")))
    spec = {"name": "t", "root": str(home / "root"), "total_tokens": 60_000, "seed": 3, "format": "megatron",
            "tokenizer": str(home / "tokenizer.json"), "tokens_per_shard": 20_000,
            "sources": [{"name": "web", "dataset": "pages", "share": 1.0, "max_epochs": 3}]}
    manifest = run(spec_from_mapping(spec), home / "out")
    return home, spec, manifest


def test_token_files_read_back_decode_to_the_mixture_and_match_the_manifest(tokenized):
    home, spec, manifest = tokenized
    tok = HFTokenizer(spec["tokenizer"])
    eod = tok.eod_id()
    meta = manifest["megatron"]
    assert meta["eod_id"] == eod and len(meta["shards"]) >= 2                 # sized by tokens: ~20k each
    total = 0
    for shard in meta["shards"]:
        docs = read_indexed(home / "out" / "megatron" / shard["shard"])
        rows = pq.read_table(home / "out" / "mixture" / f"{shard['shard']}.parquet").to_pylist()
        assert len(docs) == len(rows) == shard["documents"]
        for doc, row in zip(docs, rows):
            assert doc[-1] == eod and eod not in doc[:-1]
            assert len(doc) == row["tokens"] + 1                           # exact count, plus EOD
            assert tok.decode(doc[:-1]) == row["text"]                      # round trip
        assert sum(len(d) for d in docs) == shard["tokens"]
        assert np.dtype(docs[0].dtype) == np.uint16                         # a 3,000-id vocabulary
        total += shard["tokens"]
    assert total == meta["tokens"] == manifest["total_tokens"] + manifest["rows"]


def test_rebuild_is_byte_identical(tokenized):
    from pipelines.mix import rebuild

    home, _, manifest = tokenized
    again = rebuild(home / "out" / "manifest.json", home / "again")
    assert [s["bin_sha256"] for s in again["megatron"]["shards"]] == [s["bin_sha256"] for s in manifest["megatron"]["shards"]]
    assert [s["idx_sha256"] for s in again["megatron"]["shards"]] == [s["idx_sha256"] for s in manifest["megatron"]["shards"]]
    for name in ("megatron/part-00000.bin", "megatron/part-00000.idx", "mixture_tokens/part-00000.parquet"):
        assert hashlib.sha256((home / "again" / name).read_bytes()).digest() == \
            hashlib.sha256((home / "out" / name).read_bytes()).digest()


def test_which_page_did_token_n_come_from(tokenized):
    """The README's lineage query: token 5,000 of part-00000 -> its row, its page, its WARC record."""
    from warcio.archiveiterator import ArchiveIterator

    home, _, _ = tokenized
    query = ("SELECT document, token_start, token_end, source_shard, source_row, url, warc_path, warc_offset "
             "FROM mixture_tokens LEFT JOIN mixture_sources USING (source_shard, source_row) "
             "WHERE shard = 'part-00000' AND 5000 >= token_start AND 5000 < token_end")
    done = subprocess.run([sys.executable, "-m", "curate", "query", query, "--root", str(home / "out"),
                           "--root", str(home / "root"), "--format", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    hit, = [json.loads(line) for line in done.stdout.splitlines()]
    docs = read_indexed(home / "out" / "megatron" / "part-00000")
    assert sum(len(d) for d in docs[:hit["document"]]) == hit["token_start"] <= 5000 < hit["token_end"]
    with open(hit["warc_path"], "rb") as fh:
        fh.seek(hit["warc_offset"])
        record = next(iter(ArchiveIterator(fh)))
    assert record.rec_headers.get_header("WARC-Target-URI").strip("<>") == hit["url"]
    page = pq.read_table(hit["source_shard"]).slice(hit["source_row"], 1).to_pylist()[0]
    assert page["url"] == hit["url"]


def test_lineage_view_gives_every_mixture_row_its_page(tokenized):
    """Lineage by reference: mixture rows carry (source_shard, source_row) only; the catalog view
    mixture_lineage joins each to its page's URL and WARC record, for every row of a real sample."""
    from curate.query import open_root

    home, _, _ = tokenized
    assert "url" not in pq.read_schema(home / "out" / "mixture" / "part-00000.parquet").names
    con = open_root([home / "out", home / "root"])
    got = con.sql("SELECT id, source_shard, source_row, url, warc_path, warc_offset FROM mixture_lineage").fetchall()
    assert len(got) >= 50 and all(url and path and offset is not None for _, _, _, url, path, offset in got)
    pages = {}
    for _, shard, _, _, _, _ in got:
        if shard not in pages:
            pages[shard] = pq.read_table(shard, columns=["id", "url", "warc_offset"]).to_pylist()
    for doc_id, shard, row, url, _, offset in got:
        assert pages[shard][row] == {"id": doc_id, "url": url, "warc_offset": offset}


def test_megatron_core_reader():
    """Megatron-core's own reader, when it installs here: it needs torch, which the lock does not
    carry (a CPU build is 200+ MB and megatron-core asks for GPU extras), so this says so."""
    try:
        from megatron.core.datasets.indexed_dataset import IndexedDataset  # noqa: F401
    except ImportError:
        pytest.skip("megatron-core is not installed (it needs torch; not in the lock): the reader above, "
                    "written from the format's specification, checks the files instead")


def test_a_page_that_spells_the_eod_token_gets_no_boundary_inside_it(tokenized):
    """Text is data: "<|endoftext|>" written in a page is encoded as characters, so no control
    token (and no document boundary) appears inside a training document."""
    _, spec, _ = tokenized
    tok = HFTokenizer(spec["tokenizer"])
    ids, = tok.encode(__import__("pyarrow").array(["Forum post: the model printed <|endoftext|> and stopped."]))
    assert tok.eod_id() not in ids and len(ids) > 10
    assert tok.decode(ids) == "Forum post: the model printed <|endoftext|> and stopped."



def test_megatron_offline_from_the_command_line(shared, tmp_path):
    """The researcher's path with no network: train a tokenizer here on ingested real pages, name it
    relative to the spec file, build Megatron files; a missing or bad tokenizer is one line, exit 2,
    and leaves no output folder."""
    def curate(*args):
        return subprocess.run([sys.executable, "-m", "curate", *args], capture_output=True, text=True, cwd=tmp_path)

    assert curate("ingest", str(shared / "warc" / "dolma" / "sample-0000.warc.gz"), "--out", "shards", "-q").returncode == 0
    done = curate("tokenizer", "train", "shards", "--out", "spec/tok/tokenizer.json", "--vocab-size", "1200")
    assert done.returncode == 0, done.stderr
    tok = HFTokenizer(tmp_path / "spec" / "tok" / "tokenizer.json")
    assert tok.vocab_size == 1200 and tok.eod_id() == 0
    (tmp_path / "spec" / "mix.yaml").write_text("name: m\nroot: ../shards\ntokenizer: tok/tokenizer.json\n"
                                                "total_tokens: 5000\nformat: megatron\n"
                                                "sources: [{name: web, dataset: pages, share: 1.0}]\n")
    done = curate("mix", "spec/mix.yaml", "--out", "mix", "-q")
    assert done.returncode == 0, done.stderr
    docs = read_indexed(tmp_path / "mix" / "megatron" / "part-00000")
    rows = pq.read_table(tmp_path / "mix" / "mixture" / "part-00000.parquet").column("text").to_pylist()
    assert [tok.decode(d[:-1]) for d in docs] == rows and len(rows) > 5
    for bad in ("tokenizer: tok/missing.json", "tokenizer: mix.yaml"):
        (tmp_path / "spec" / "bad.yaml").write_text(f"name: m\nroot: ../shards\n{bad}\ntotal_tokens: 5000\n"
                                                    "format: megatron\nsources: [{name: web, dataset: pages, share: 1.0}]\n")
        done = curate("mix", "spec/bad.yaml", "--out", "bad")
        assert done.returncode == 2 and done.stderr.count("\n") == 1 and "tokenizer" in done.stderr, done.stderr
        assert not (tmp_path / "bad").exists()


def test_a_cold_megatron_build_tokenizes_each_document_once(tokenized, tmp_path, monkeypatch):
    """The count step keeps the ids it computed; the Megatron step reads them instead of encoding
    the mixture's rows again (the same bytes as before)."""
    from pipelines.mix import run
    from pipelines.mix._spec import spec_from_mapping

    home, spec, manifest = tokenized
    encoded = []
    for name in ("encode", "encode_flat"):
        original = getattr(HFTokenizer, name)

        def counting(self, texts, _original=original):
            encoded.append(len(texts))
            return _original(self, texts)

        monkeypatch.setattr(HFTokenizer, name, counting)
    root = tmp_path / "root"
    import shutil

    shutil.copytree(home / "root", root, ignore=shutil.ignore_patterns("_tokens"))
    again = run(spec_from_mapping({**spec, "root": str(root)}), tmp_path / "out")
    inputs = sum(pq.ParquetFile(p["path"]).metadata.num_rows for p in again["inputs"])
    assert sum(encoded) == inputs < inputs + again["rows"]          # once per input row, none per mixture row
    assert [s["bin_sha256"] for s in again["megatron"]["shards"]] == [s["bin_sha256"] for s in manifest["megatron"]["shards"]]
