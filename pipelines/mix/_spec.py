"""The mixture spec (YAML or TOML) and its validation."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import ClassVar

from curate.errors import FatalError
from curate.io import storage_root
from curate.mix import get_tokenizer
from curate.query import check_filter
from pipelines._config import build, check_fields, load_mapping, relative_to
from schemas import DATASETS


@dataclass(frozen=True)
class SourceSpec:
    """One source of a mixture: a dataset (optionally filtered) and its token budget."""
    RANGES: ClassVar[dict] = {"share": (0, 1), "tokens": (1, None)}
    PATHS: ClassVar[tuple] = ("root", "removals")           # relative to the spec file (the path rule)

    name: str                               # the source's name (manifest, per-source counts)
    dataset: str                              # folder under the root: pages, code_samples, ...
    share: float | None = None                # of total_tokens ...
    tokens: int | None = None                 # ... or an absolute budget
    where: str | None = None                  # DuckDB SQL filter over the dataset's columns
    text: tuple[str, ...] = ("text",)         # columns tried in order (first non-null): e.g. [fim_text, text]
    max_epochs: float = 1.0                   # up-sampling cap: passes over the source
    root: str | None = None                   # another output root for this source
    removals: tuple[str, ...] | None = None   # roots of dedup/decontaminate outputs whose removed ids are left out
                                              # (default: the source's own root)
    exclude_removed: bool = True              # false: apply no removal set at all
    only_ids: str | None = None               # keep only ids listed in this dataset of the root (e.g. math_selected)

    def __post_init__(self):
        check_fields(self)
        if self.only_ids is not None and self.only_ids not in DATASETS:
            raise FatalError(f"source {self.name}: only_ids must name a dataset ({', '.join(DATASETS)}), "
                             f"not {self.only_ids!r}")


@dataclass(frozen=True)
class MixSpec:
    """A mixture: sources under a root, a token budget, a seed (see ``curate mix``)."""
    RANGES: ClassVar[dict] = {"total_tokens": (1, None), "rows_per_shard": (1, None), "tokens_per_shard": (1, None)}
    PATHS: ClassVar[tuple] = ("root", "tokenizer", "out")   # relative to the spec file (the path rule)

    name: str                               # the mixture's name (manifest, shard names)
    root: str                               # output root whose datasets the sources read
    sources: tuple[SourceSpec, ...]         # the sources, each a table of the keys below
    total_tokens: int | None = None         # the budget that shares are of
    seed: int = 0                           # sampling and shuffle seed (same spec and seed, same bytes)
    tokenizer: str | None = None              # None/"approx" or a tokenizer.json path
    rows_per_shard: int = 100_000           # rows per output shard
    checksums: bool = True                    # sha256 of every input shard in the manifest
    format: str = "parquet"                   # parquet (text rows) | megatron (also token files + lineage)
    tokens_per_shard: int | None = None       # output shards sized by tokens (about this many each)
    eod_token: str | None = None              # megatron: the end-of-document token (default: the vocabulary's)
    out: str | None = None                    # output folder (flows; the CLI's --out overrides it)

    def budget(self, src: SourceSpec) -> int:
        if src.tokens is not None:
            return int(src.tokens)
        return int(round(src.share * self.total_tokens))

    def root_of(self, src: SourceSpec) -> Path | str:
        """The source's output root: a folder, or an ``s3://`` URL kept as a string."""
        return storage_root(src.root or self.root).location

    def to_dict(self) -> dict:
        return asdict(self)

    def __post_init__(self):
        check_fields(self)
        if self.format not in ("parquet", "megatron"):
            raise FatalError(f"format must be parquet or megatron, not {self.format!r}")
        if self.format == "megatron" and self.tokenizer in (None, "", "approx"):
            raise FatalError("format megatron needs the exact tokenizer: set tokenizer to a tokenizer.json")


def spec_from_mapping(data: dict, base: Path | None = None) -> MixSpec:
    """A spec from a mapping; ``base``: the spec file's folder, which its paths are relative to."""
    data = dict(data)
    sources = data.pop("sources", None)
    if not sources or not isinstance(sources, (list, tuple)):
        raise FatalError("a mixture spec needs a non-empty 'sources' list")
    built = []
    for item in sources:
        if not isinstance(item, dict):
            raise FatalError(f"each source of a mixture spec is a table of keys, not {item!r}")
        item = relative_to(SourceSpec, item, base) if base is not None else dict(item)
        if isinstance(item.get("text"), str):
            item["text"] = (item["text"],)
        built.append(build(SourceSpec, item))
    if base is not None:
        data = relative_to(MixSpec, data, base)
    spec = build(MixSpec, {**data, "sources": built})
    validate(spec)
    return spec


def load_spec(path: str | Path, **overrides) -> MixSpec:
    """The spec in ``path`` (paths in it relative to it); ``overrides`` (None ignored) replace its top-level keys."""
    path = Path(path)
    spec = spec_from_mapping(load_mapping(path), base=path.parent.absolute())
    given = {k: v for k, v in overrides.items() if v is not None}
    return replace(spec, **given) if given else spec


def validate(spec: MixSpec) -> None:
    names = [s.name for s in spec.sources]
    if len(set(names)) != len(names):
        raise FatalError(f"source names must be unique: {names}")
    shares = 0.0
    for s in spec.sources:
        if (s.share is None) == (s.tokens is None):
            raise FatalError(f"source {s.name}: give exactly one of share and tokens")
        if s.share is not None:
            if spec.total_tokens is None:
                raise FatalError(f"source {s.name} has a share but the spec has no total_tokens")
            if not 0 < s.share <= 1:
                raise FatalError(f"source {s.name}: share must be in (0, 1]")
            shares += s.share
        if s.max_epochs <= 0:
            raise FatalError(f"source {s.name}: max_epochs must be > 0")
        if s.where is not None:
            check_filter(s.where, f"source {s.name}: where")
    if spec.tokenizer not in (None, "", "approx"):
        get_tokenizer(spec.tokenizer)              # missing or unreadable: one line now, before anything is written
    if shares > 1 + 1e-9:
        raise FatalError(f"shares add up to {shares:.3f} > 1")
