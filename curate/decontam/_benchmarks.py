"""Loaders for evaluation benchmarks: every item as (benchmark, item, part, text).

Formats (see ../shared/data/benchmarks): JSON Lines with a question-like and an
answer-like field whose names differ between sets (GSM8K, MATH-500, the
Qwen2.5-Math evaluation sets), and MGSM's headerless ``question<TAB>answer``
TSV. A benchmark's name is its folder (``.../gsm8k/test.jsonl`` -> ``gsm8k``)
or, for other file names, the file stem (``mgsm_en.tsv`` -> ``mgsm_en``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from curate.errors import FatalError

# first present key wins for the question; context fields are prepended to it
QUESTION_KEYS = ("question", "problem", "Question", "input", "content")
CONTEXT_KEYS = ("body", "Body", "passage", "context")
# every present string (or list of strings) counts as an answer part
ANSWER_KEYS = ("answer", "solution", "rationale", "Answer", "target", "final_answer", "steps")
ID_KEYS = ("id", "idx", "ID", "question_number")


@dataclass(frozen=True)
class Item:
    benchmark: str
    item: str
    part: str        # question | answer
    text: str


@dataclass(frozen=True)
class Benchmark:
    name: str
    path: str
    fingerprint: str  # sha1 of the file: a changed file is a new benchmark version

    @property
    def key(self) -> str:
        return f"{self.name}@{self.fingerprint[:12]}"


def _text(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value)
    return None


def _json_items(bench: Benchmark) -> Iterator[Item]:
    try:
        yield from _json_lines(bench)
    except UnicodeDecodeError as exc:
        raise FatalError(f"{bench.path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _json_lines(bench: Benchmark) -> Iterator[Item]:
    with open(bench.path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError) as exc:
                raise FatalError(f"{bench.path}:{n + 1}: not JSON: {exc}") from None
            if not isinstance(row, dict):
                raise FatalError(f"{bench.path}:{n + 1}: a JSON {type(row).__name__}, not an object "
                                 "with question/answer fields")
            item = next((str(row[k]) for k in ID_KEYS if k in row), str(n))
            question = next((_text(row[k]) for k in QUESTION_KEYS if _text(row.get(k))), None)
            context = [_text(row[k]) for k in CONTEXT_KEYS if _text(row.get(k))]
            if question or context:
                yield Item(bench.name, item, "question", " ".join(context + [question or ""]).strip())
            for k in ANSWER_KEYS:
                text = _text(row.get(k))
                if text:
                    yield Item(bench.name, item, "answer", text)


def _tsv_items(bench: Benchmark) -> Iterator[Item]:
    with open(bench.path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            question, _, answer = line.rstrip("\n").partition("\t")
            if question:
                yield Item(bench.name, str(n), "question", question)
            if answer:
                yield Item(bench.name, str(n), "answer", answer)


def find_benchmarks(paths) -> list[Benchmark]:
    """Benchmark files under the given files or folders, sorted by name."""
    found: dict[str, Benchmark] = {}
    for p in map(Path, paths):
        files = sorted(p.rglob("*")) if p.is_dir() else [p]
        for f in files:
            if f.suffix not in (".jsonl", ".tsv") or not f.is_file():
                continue
            name = f.parent.name if f.stem in ("test", "train", "validation", "dev") else f.stem
            if name in found:
                raise FatalError(f"two benchmarks named {name}: {found[name].path} and {f}")
            found[name] = Benchmark(name, str(f), hashlib.sha1(f.read_bytes()).hexdigest())
    if not found:
        raise FatalError(f"no benchmark files (.jsonl, .tsv) under {', '.join(map(str, paths))}")
    return [found[k] for k in sorted(found)]


def load_items(bench: Benchmark) -> Iterator[Item]:
    """Every question and answer text of one benchmark file."""
    return _tsv_items(bench) if bench.path.endswith(".tsv") else _json_items(bench)
