"""arXiv job: paper sources in, ``figures`` (and optionally ``arxivcap``) and ``rejected`` shards out.

Inputs: a paper's source folder, arXiv's per-paper source file (gzipped tar or
gzipped .tex, by content), or a bulk ``arXiv_src_YYMM_NNN.tar``; local paths or
http(s)/s3 URLs. One completion record per input: reruns skip finished inputs.
Every left-out figure image is a ``rejected`` row with its reason (missing image,
empty or short caption, unreadable or oversized image, include problems, unsafe
tar members).

Run without Prefect: ``curate arxiv SOURCE... --out DIR``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from curate.arxiv import FigureSettings, arxivcap_row, extract, read_papers
from curate.io import DIRECT, Completion, DONE, FAILED, ShardStore
from pipelines._common import Transaction, expand_inputs, input_key, pending
from pipelines._job import Job
from pipelines._steps import Map, Steps
from pipelines._config import FileConfig
from schemas import ARXIVCAP, FIGURES, REJECTED


@dataclass(frozen=True)
class ArxivConfig(FileConfig):
    """Settings of an arXiv run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"dpi": (1, None), "max_pixels": (1, None), "max_image_bytes": (1, None), "max_paper_bytes": (1, None), "paper_seconds": (0.001, None)}
    PATHS: ClassVar[tuple] = ('sources', 'out')            # resolved relative to a config file (the path rule)

    sources: tuple[str, ...]                # arXiv source archives (.tar.gz, .gz) or unpacked folders (globs allowed)
    out: str                                # output root: figures/, figure_images/, _ledger/ (a folder or an s3:// URL)
    dpi: int = 100                          # PDF/EPS figures rendered at this resolution
    max_pixels: int = 25_000_000            # larger images are rejected (decompression bombs)
    max_image_bytes: int = 50 << 20         # larger image files are rejected
    max_paper_bytes: int = 200 << 20        # larger papers (unpacked) are rejected
    min_caption_chars: int = 10             # shorter captions are rejected
    paper_seconds: float = 120.0            # hard time limit per paper
    arxivcap: bool = False                  # also write the ArxivCap layout (one row per paper)

    @property
    def settings(self) -> FigureSettings:
        return FigureSettings(self.dpi, self.max_pixels, self.max_image_bytes, self.min_caption_chars,
                              self.paper_seconds)


@dataclass
class ArxivSummary:
    inputs: int = 0
    skipped: int = 0
    papers: int = 0
    figures: int = 0
    rejected: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def result(self) -> dict:
        """The flow's result."""
        return {"inputs": self.inputs, "skipped": self.skipped, "papers": self.papers, "figures": self.figures,
                "failed": [s for s, _ in self.failed]}

    def format(self) -> str:
        lines = [f"inputs: {self.inputs} processed, {self.skipped} already done, {len(self.failed)} failed",
                 f"papers: {self.papers}, figure images written: {self.figures}",
                 f"left out: {sum(self.rejected.values())}"]
        lines += [f"  {r}: {n}" for r, n in sorted(self.rejected.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append(f"time: {self.seconds:.1f}s")
        lines += [f"FAILED {s}: {e}" for s, e in self.failed]
        return "\n".join(lines)


def expand(sources) -> list[str]:
    return expand_inputs(sources, what="paper source", allow_urls=True)


def source_key(source: str) -> str:
    return input_key("arxiv", source)


def process_source(config: ArxivConfig, source: str) -> Completion:
    """Every paper of one input, committed together with its completion record."""
    key = source_key(source)
    datasets = {"figures": FIGURES, "rejected": REJECTED} | ({"arxivcap": ARXIVCAP} if config.arxivcap else {})
    store = ShardStore(config.out, datasets, target_rows=2_000, target_bytes=256 << 20)
    done = Completion(key=key, source=source, status=DONE, config={"dpi": config.dpi})
    reasons: Counter = Counter()
    with Transaction(store, done, config.out) as tx:
        writers = tx.writers
        for paper in read_papers(source, config.max_paper_bytes):
            rows, rejected = extract(paper, config.settings)
            done.records += 1
            done.pages += len(rows)
            writers["figures"].write_many(rows)
            if config.arxivcap:
                writers["arxivcap"].write(arxivcap_row(paper.paper_id, rows))
            for what, reason, detail in rejected:
                reasons[reason] += 1
                writers["rejected"].write({"id": paper.paper_id, "url": f"arxiv://{paper.paper_id}/{what}",
                                           "warc_path": paper.source, "stage": "arxiv", "reason": reason,
                                           "detail": detail})
        done.reasons, done.rejected = dict(reasons), sum(reasons.values())
    return tx.done


def plan(config: ArxivConfig) -> tuple[list[str], int]:
    return pending(expand(config.sources), config.out, "arxiv")


def _plan(config: ArxivConfig, state: dict) -> dict:
    todo, skipped = plan(config)
    return {"todo": todo, "skipped": skipped}


def _one(config: ArxivConfig, ctx: dict, source: str, tick) -> Completion:
    return process_source(config, source)


def _summary(config: ArxivConfig, state: dict) -> ArxivSummary:
    summary = ArxivSummary(skipped=state["skipped"], seconds=state["seconds"])
    for source, done in zip(state["todo"], state.get("arxiv", [])):
        summary.inputs += 1
        summary.papers += done.records
        summary.figures += done.pages
        summary.rejected.update(done.reasons)
        if done.status == FAILED:
            summary.failed.append((source, done.error or ""))
    return summary


STEPS = Steps(
    "arxiv", _plan,
    (Map("arxiv", _one, items=lambda config, state: state["todo"], label=lambda source: Path(source).name,
         unit=" input", failed=lambda source, error: Completion(key=source, source=source, status=FAILED,
                                                                error=error)),),
    _summary, result=ArxivSummary.result, title=lambda config: f"arXiv figures into {config.out}",
)


JOB = Job(ArxivConfig, STEPS, "arXiv LaTeX sources -> figure/caption pairs, images as PNG", storage=DIRECT,
          positional="sources",
          hints=('query "SELECT paper_id, figure_index, caption, width, height FROM figures LIMIT 10" --root {root}',),
          example=('sources = ["arxiv-src/*.tar.gz"]\n'
                   'out = "figs"\n'
                   'dpi = 100\n'))
run = JOB.run
