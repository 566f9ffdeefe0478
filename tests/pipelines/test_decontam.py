"""Decontamination against the real benchmark files."""

import json
import re

import duckdb
import pyarrow as pa
import pytest

from curate.decontam import NgramIndex, find_benchmarks, load_items
from pipelines import decontaminate as dc
from tests.dedup.corpus import real_texts, write_pages


@pytest.fixture(scope="module")
def benches(shared):
    return find_benchmarks([shared / "benchmarks"])


def _items(benches, name):
    return [it for b in benches if b.name == name for it in load_items(b)]


def test_loaders_read_every_format(benches):
    names = {b.name for b in benches}
    assert {"gsm8k", "math500", "mgsm_en", "mgsm_de", "aime24", "svamp", "mawps", "olympiadbench"} <= names
    gsm = _items(benches, "gsm8k")
    assert sum(it.part == "question" for it in gsm) == 1319
    assert gsm[0].text.startswith("Janet’s ducks lay 16 eggs")
    svamp = _items(benches, "svamp")          # Body + Question fields, capitalised keys
    assert any("Body" not in it.text and it.part == "question" and len(it.text.split()) > 15 for it in svamp)
    assert all(it.text for b in benches for it in load_items(b))


def test_mgsm_english_items_are_gsm8k_contamination(benches):
    index = NgramIndex(_items(benches, "gsm8k"))
    mgsm = [it.text for it in _items(benches, "mgsm_en") if it.part == "question"]
    matches = index.scan(pa.array(mgsm))
    flagged = {m.doc for m in matches}
    assert len(mgsm) == 250 and len(flagged) >= 245
    assert all(m.benchmark == "gsm8k" and m.rule in ("10-gram", "10-gram run", "whole question") for m in matches)
    assert matches[0].ngram == "janet s ducks lay 16 eggs per day she eats"
    # German MGSM is a translation: no 10-gram survives
    de = [it.text for it in _items(benches, "mgsm_de") if it.part == "question"]
    assert not index.scan(pa.array(de))


def test_short_benchmark_texts_must_match_whole_and_be_questions(tmp_path):
    bench = tmp_path / "tiny" / "test.jsonl"
    bench.parent.mkdir()
    bench.write_text(json.dumps({"question": "How many legs do seven spiders have in total?",
                                 "answer": "56 legs in total"}) + "\n")
    items = list(load_items(find_benchmarks([bench])[0]))
    docs = ["Quiz: how many legs do seven spiders have in total? Think first.", "how many legs do seven spiders",
            "Each answer: 56 legs in total."]
    index = NgramIndex(items)
    assert [(m.doc, m.rule) for m in index.scan(pa.array(docs))] == [(0, "whole question")]
    # DeepSeek's plain rule also takes a 3-9 word answer whole: any page saying "56 legs in total"
    assert [m.doc for m in NgramIndex(items, rule="deepseek").scan(pa.array(docs))] == [0, 2]


@pytest.fixture()
def pages(shared, benches, tmp_path):
    gsm = [it for it in _items(benches, "gsm8k") if it.part == "question"]
    math = [it for it in _items(benches, "math500") if it.part == "question"]
    clean = real_texts(shared)[:40]
    rows = [{"id": f"c{i}", "url": f"https://c.example/{i}", "text": t} for i, t in enumerate(clean)]
    rows.append({"id": "leak-gsm", "url": "https://leak.example/1",
                 "text": "Homework help forum. " + gsm[7].text + " Please show your working, thanks!"})
    rows.append({"id": "leak-math", "url": "https://leak.example/2",
                 "text": "Solutions blog. " + math[3].text + " The end."})
    write_pages(tmp_path / "in" / "pages" / "s0.parquet", rows[:20])
    write_pages(tmp_path / "in" / "pages" / "s1.parquet", rows[20:])
    return tmp_path, gsm[7], math[3]


def test_pipeline_reports_matches_and_adds_benchmarks_incrementally(shared, pages):
    root, gsm_item, math_item = pages
    base = dict(inputs=(str(root / "in"),), benchmarks=(str(shared / "benchmarks"),), out=str(root / "out"))
    first = dc.run(dc.DecontaminateConfig(**base, only=("gsm8k",)))
    assert first.shards == 2 and first.documents == 42 and first.contaminated == 1
    con = duckdb.connect()
    glob = f"read_parquet('{root}/out/contamination/*.parquet')"
    rows = con.execute(f"SELECT id, benchmark, item, part, n, ngram FROM {glob}").fetchall()
    assert rows[0][:5] == ("leak-gsm", "gsm8k", gsm_item.item, "question", 10)
    assert rows[0][5] in " ".join(re.findall(r"[^\W_]+", gsm_item.text.lower()))
    # same benchmarks again: nothing to do
    assert dc.run(dc.DecontaminateConfig(**base, only=("gsm8k",))).shards == 0
    # add MATH-500 later: each shard is scanned for MATH-500 only; no GSM8K row is written twice
    second = dc.run(dc.DecontaminateConfig(**base, only=("gsm8k", "math500")))
    assert second.shards == 2 and second.benchmarks == sorted(second.benchmarks)
    # the real-analysis textbook shares one stock 10-gram with a MATH-500 question ("there exists an x
    # in 0 1 such that f"): one content word, no run of them, so it is no evidence
    assert dict(second.by_benchmark) == {"math500": 1}
    found = con.execute(f"SELECT id, benchmark, item, rule FROM {glob} ORDER BY id").fetchall()
    assert [f[:2] for f in found] == [("leak-gsm", "gsm8k"), ("leak-math", "math500")]
    assert found[1][2] == math_item.item and {f[3] for f in found} <= {"10-gram", "whole question"}
    # DeepSeek's plain rule flags the textbook; switching rules replaces the rows, never adds to them
    plain = dc.run(dc.DecontaminateConfig(**base, only=("gsm8k", "math500"), rule="deepseek"))
    assert plain.shards == 2 and dict(plain.by_benchmark) == {"gsm8k": 1, "math500": 2}
    found = con.execute(f"SELECT id, rule, ngram FROM {glob} WHERE benchmark = 'math500' ORDER BY id").fetchall()
    assert found[0] == ("c35", "10-gram", "there exists an x in 0 1 such that f") and len(found) == 2


def test_corrupt_shard_is_recorded_and_retried_others_scanned(shared, pages):
    root, gsm_item, _ = pages
    bad = root / "in" / "pages" / "s2.parquet"
    bad.write_bytes(b"PAR1 this is not parquet")
    config = dc.DecontaminateConfig(inputs=(str(root / "in"),), benchmarks=(str(shared / "benchmarks"),),
                               out=str(root / "out"), only=("gsm8k",))
    first = dc.run(config)
    assert first.shards == 3 and first.contaminated == 1
    assert [s for s, _ in first.failed] == [str(bad)] and "cannot read" in first.failed[0][1]
    again = dc.run(config)                                  # only the failed shard comes round again
    assert again.shards == 1 and again.failed
    bad.unlink()
    write_pages(bad, [{"id": "late", "text": "Copied: " + gsm_item.text}])
    third = dc.run(config)
    assert third.shards == 1 and not third.failed and third.contaminated == 1


def test_evidence_rule_on_real_math_pages_and_planted_items(shared, benches):
    """A real sample (benchmarks/decontam_quality.py is the full-size run): math pages of two Debian
    documentation packages and the real-analysis textbook are not flagged by the evidence rule,
    though DeepSeek's rule flags most of them; planted GSM8K and MATH-500 items are caught in the
    forms they circulate in."""
    from benchmarks.decontam_quality import clean_documents, planted_forms
    from tests import debian_docs

    try:
        debian_docs.unpacked("python-mpmath-doc")
    except debian_docs.Unavailable as exc:
        pytest.skip(f"Debian documentation packages unavailable: {exc}")
    clean = [t for _, t in clean_documents(shared, 40)]
    assert len(clean) >= 200
    items = [it for b in benches for it in load_items(b)]
    evidence, deepseek = NgramIndex(items), NgramIndex(items, rule="deepseek")
    assert evidence.scan(pa.array(clean)) == []
    assert len({m.doc for m in deepseek.scan(pa.array(clean))}) > 0.3 * len(clean)
    planted = planted_forms(shared, 25, seed=3)
    docs = [f"{clean[i % len(clean)][:400]}\n\n{text}\n\n{clean[i % len(clean)][-400:]}"
            for i, (_, _, _, text) in enumerate(planted)]
    hits = {(m.doc, m.benchmark, m.item) for m in evidence.scan(pa.array(docs))}
    caught = [(d, b, i) in hits for d, (b, i, _, _) in enumerate(planted)]
    gsm = [c for c, (b, *_) in zip(caught, planted) if b == "gsm8k"]
    assert all(gsm)                                          # every form of every GSM8K item
    assert sum(caught) >= 0.99 * len(caught)          # a 20-word window of bare formula may be missed


def _math500(benches, *numbers):
    items = {it.item: it for it in _items(benches, "math500") if it.part == "question"}
    return [items[str(k)] for k in numbers]


def test_short_questions_match_whole_when_their_numbers_name_the_item(benches):
    compute, = _math500(benches, 348)                       # "Compute $\dbinom{31}{28}$." (3 words)
    stems = [it for it in _items(benches, "mmlu_stem") if it.text in ("Which statement is true?",
                                                                       "How does the greenhouse effect work?")]
    assert len(stems) >= 2
    index = NgramIndex([compute, *stems])
    docs = ["Worksheet 4. COMPUTE $\\binom{31}{28}$ and show your steps.",
            "Which statement is true? The greenhouse effect, and how does the greenhouse effect work?",
            "Compute $\\binom{31}{27}$ instead."]
    assert [(m.doc, m.item, m.rule) for m in index.scan(pa.array(docs))] == [(0, compute.item, "whole question")]


def test_a_copied_display_formula_counts_a_stock_formula_or_numbers_never(shared, benches):
    cosines, sums = _math500(benches, 351, 487)
    index = NgramIndex([cosines, sums])
    window = " ".join(cosines.text.split()[1:21])            # 20 words of the display, no prose at all
    docs = ["As the worksheet puts it, " + window + " and so on.",
            "Add them up: 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14.",
            "The product $\\cos(2\\pi/15)\\cos(4\\pi/15)$ is classical."]
    found = [(m.doc, m.item, m.rule) for m in index.scan(pa.array(docs))]
    assert found == [(0, cosines.item, "formula run")]
    # the general polynomial repeats a few symbols: the textbook's is no copy of an olympiad item
    # that writes it too (flagged if any formula 10-gram counted, however few its symbols)
    from benchmarks.decontam_quality import clean_documents
    chunk = dict(clean_documents(shared, 0))["textbook:ch-real-nums#32"]
    olympiad = _items(benches, "olympiadbench")
    assert NgramIndex(olympiad).scan(pa.array([chunk])) == []
    assert [m.rule for m in NgramIndex(olympiad, formula_distinct=1).scan(pa.array([chunk]))] == ["formula run"]
