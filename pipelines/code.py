"""Code job: repositories in, ``code_samples``, ``code_files`` and ``rejected`` shards out.

Per input (a repository folder, a tar/zip archive, or a Parquet file of The
Stack-style rows holding many repositories): read it safely, filter files
(DeepSeek-Coder rules; each drop recorded in ``rejected`` with its reason),
resolve imports, order each dependency component (or the whole repository),
concatenate with path comments, apply FIM, and write the shards through the
shard store with a completion record: reruns skip finished inputs. Finally the
samples are near-deduplicated as whole documents by the dedup pipeline
(``duplicates`` dataset, one row per sample).

Run without Prefect: ``curate code SOURCE... --out DIR``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from curate.code import DEEPSEEK, MIN_FIM_CHARS, SampleSettings, build, read_source
from curate.errors import FatalError
from curate.io import MIRRORED, Completion, DONE, FAILED, ShardStore, committed
from pipelines import dedup as dd
from pipelines._common import Transaction, expand_inputs, input_key, pending
from pipelines._job import Job
from pipelines._steps import Map, Single, Steps
from pipelines._config import FileConfig, check_fields
from schemas import CODE_FILES, CODE_SAMPLES, REJECTED


@dataclass(frozen=True)
class CodeConfig(FileConfig):
    """Settings of a code run (TOML/YAML keys have the same names)."""
    RANGES: ClassVar[dict] = {"fim_rate": (0, 1), "spm_rate": (0, 1), "max_file_bytes": (1, None), "max_repo_bytes": (1, None), "dedup_threshold": (0, 1),
                              "fim_min_chars": (0, None), "max_sample_chars": (1, None)}
    CHOICES: ClassVar[dict] = {"per": ("component", "repository")}
    PATHS: ClassVar[tuple] = ('sources', 'out')            # resolved relative to a config file (the path rule)

    sources: tuple[str, ...]               # repository folders, archives, Parquet files (globs allowed)
    out: str                                # output root: code_samples/, code_rejected/, _ledger/
    per: str = "component"                 # one sample per dependency component (paper) or per repository
    fim_rate: float = 0.5                   # share of samples turned into fill-in-the-middle
    spm_rate: float = 0.0                  # share of FIM samples in SPM layout
    sentinels: tuple[str, ...] = DEEPSEEK  # begin, hole, end
    seed: int = 0                           # FIM and sampling seed
    max_file_bytes: int = 1 << 20           # larger files are rejected
    max_repo_bytes: int = 512 << 20         # larger repositories are rejected
    dedup: bool = True                     # near-dedup the samples (MinHash, see pipelines/dedup.py)
    dedup_threshold: float = 0.7            # Jaccard at which two samples are near-duplicates
    fim_min_chars: int = MIN_FIM_CHARS      # a sample with less code than this (path comments aside) gets no FIM
    max_sample_chars: int | None = None     # split a larger component into samples at file boundaries, in order

    def __post_init__(self):
        check_fields(self)
        if len(self.sentinels) != 3:
            raise FatalError("sentinels needs three strings: begin, hole, end")

    @property
    def settings(self) -> SampleSettings:
        return SampleSettings(self.per, self.fim_rate, self.spm_rate, tuple(self.sentinels), self.seed,
                              self.fim_min_chars, self.max_sample_chars)


@dataclass
class CodeSummary:
    inputs: int = 0
    skipped: int = 0
    repositories: int = 0
    files: int = 0
    samples: int = 0
    rejected: Counter = field(default_factory=Counter)
    failed: list[tuple[str, str]] = field(default_factory=list)
    duplicates: int = 0
    megabytes: float = 0.0
    seconds: float = 0.0

    def result(self) -> dict:
        """The flow's result."""
        return {"inputs": self.inputs, "skipped": self.skipped, "repositories": self.repositories,
                "samples": self.samples, "duplicates": self.duplicates, "failed": [s for s, _ in self.failed]}

    def format(self) -> str:
        lines = [f"inputs: {self.inputs} processed, {self.skipped} already done, {len(self.failed)} failed",
                 f"repositories: {self.repositories}, files kept: {self.files}, samples: {self.samples}, "
                 f"near-duplicate samples: {self.duplicates}",
                 f"files rejected: {sum(self.rejected.values())}"]
        lines += [f"  {r}: {n}" for r, n in sorted(self.rejected.items(), key=lambda kv: (-kv[1], kv[0]))]
        rate = self.megabytes / self.seconds if self.seconds else 0.0
        lines.append(f"time: {self.seconds:.1f}s, {rate:.1f} MB/s of source")
        lines += [f"FAILED {s}: {e}" for s, e in self.failed]
        return "\n".join(lines)


def expand(sources) -> list[str]:
    return expand_inputs(sources, what="repository input")


def source_key(source: str) -> str:
    return input_key("code", source)


def process_source(config: CodeConfig, source: str) -> Completion:
    """One input completely (or not at all), with its completion record."""
    key = source_key(source)
    store = ShardStore(config.out, {"code_samples": CODE_SAMPLES, "code_files": CODE_FILES, "rejected": REJECTED})
    done = Completion(key=key, source=source, status=DONE, config={"per": config.per, "seed": config.seed})
    reasons: Counter = Counter()
    with Transaction(store, done, config.out) as tx:
        writers = tx.writers
        for repo in read_source(source, config.max_file_bytes, config.max_repo_bytes):
            samples, files, refused = build(repo, config.settings)
            done.records += 1
            done.pages += len(samples)
            writers["code_samples"].write_many(samples)
            writers["code_files"].write_many(files)
            for path, reason, detail in refused:
                reasons[reason] += 1
                writers["rejected"].write({
                    "id": hashlib.sha1(f"{repo.name}/{path}".encode('utf-8', 'surrogateescape')).hexdigest()[:16],
                    "url": f"repo://{repo.name}/{path}", "warc_path": source, "stage": "code_filter",
                    "reason": reason, "detail": detail})
            done.config["files"] = done.config.get("files", 0) + len(files)
            done.config["bytes"] = done.config.get("bytes", 0) + sum(len(v) for v in repo.files.values())
        done.reasons, done.rejected = dict(reasons), sum(reasons.values())
    return tx.done


def plan(config: CodeConfig) -> tuple[list[str], int]:
    return pending(expand(config.sources), config.out, "code")


def dedup_samples(config: CodeConfig) -> int:
    """Near-dedup every code sample written so far (one run per set of sample shards; older code
    dedup runs are superseded and removed). Returns the number of samples marked as duplicates."""
    shards = committed(config.out, "code_samples")
    if not shards:
        return 0
    run = "code-" + hashlib.sha1("\n".join(shards).encode("utf-8", "surrogateescape")).hexdigest()[:12]
    from curate.dedup import lsh_params

    bands, rows = lsh_params(config.dedup_threshold, 112)
    dcfg = dd.DedupConfig(inputs=tuple(shards), out=config.out, run=run, urls=False, bands=bands, rows=rows,
                          jaccard_threshold=config.dedup_threshold)
    dd.execute(dcfg)                # under the code run's (or flow's) hold on the root
    root = Path(config.out)
    for old in (root / "_ledger").glob("dedup-code-*.json"):
        if old.stem != f"dedup-{run}":
            for shard in (root / "duplicates").glob(f"{old.stem}-*.parquet"):
                shard.unlink()
            old.unlink()
    import duckdb

    from curate.query import sql_str

    dups = sql_str(str(root / "duplicates" / f"dedup-{run}-*.parquet"))
    return duckdb.sql(f"SELECT count(*) FROM read_parquet({dups}) WHERE NOT keep").fetchall()[0][0]


def _plan(config: CodeConfig, state: dict) -> dict:
    todo, skipped = plan(config)
    return {"todo": todo, "skipped": skipped}


def _one(config: CodeConfig, ctx: dict, source: str, tick) -> Completion:
    return process_source(config, source)


def _dedup(config: CodeConfig, state: dict) -> int:
    return dedup_samples(config)


def _summary(config: CodeConfig, state: dict) -> CodeSummary:
    summary = CodeSummary(skipped=state["skipped"], duplicates=state.get("dedup", 0), seconds=state["seconds"])
    for source, done in zip(state["todo"], state.get("code", [])):
        summary.inputs += 1
        if done.status == FAILED:
            summary.failed.append((source, done.error or ""))
        summary.repositories += done.records
        summary.samples += done.pages
        summary.rejected.update(done.reasons)
        summary.files += done.config.get("files", 0)
        summary.megabytes += done.config.get("bytes", 0) / 1e6
    return summary


STEPS = Steps(
    "code", _plan,
    (Map("code", _one, items=lambda config, state: state["todo"], label=lambda source: Path(source).name,
         unit=" input", failed=lambda source, error: Completion(key=source_key(source), source=source,
                                                                status=FAILED, error=error)),
     Single("dedup", _dedup, when=lambda config, state: config.dedup)),
    _summary, result=CodeSummary.result, title=lambda config: f"Code samples into {config.out}",
)


JOB = Job(CodeConfig, STEPS, "repositories -> dependency-ordered code samples with FIM", storage=MIRRORED,
          positional="sources",
          hints=('query "SELECT repo, component, language, n_files, fim_mode FROM code_samples" --root {root}',
                 'query "SELECT path, dependencies FROM code_files WHERE repo = \'...\'" --root {root}'),
          example=('sources = ["repos/*"]\n'
                   'out = "code"\n'
                   'per = "component"\n'
                   'fim_rate = 0.5\n'))
run = JOB.run
