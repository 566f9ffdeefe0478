"""URL path prefixes marked math / not math: a plain YAML or CSV file a person can edit.

YAML layout (the default; comments survive only if the person keeps them)::

    prefixes:
      mathoverflow.net/questions: {math: true, by: alice, round: 1}
      mathoverflow.net/users: {math: false, by: alice, round: 1}

CSV layout: a header ``prefix,math,by,round`` and one row per prefix. A prefix
is ``host/first/path/segments`` without scheme; a URL lies under it when its
host and leading path segments equal the prefix's (``a.org/q`` covers
``https://a.org/q/12`` but not ``https://a.org/questions``).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from curate.errors import FatalError
from curate.io import write_atomic

_TRUE = {"true", "yes", "y", "1", "math"}
_FALSE = {"false", "no", "n", "0", "not_math", "not math"}


@dataclass(frozen=True)
class Decision:
    prefix: str
    math: bool
    by: str = "unknown"
    round: int | None = None
    # the evidence an unattended decision rests on (a person's decision may leave them empty)
    pages: int | None = None
    collected_share: float | None = None
    mean_score: float | None = None

    def evidence(self) -> dict:
        return {k: v for k, v in (("pages", self.pages), ("collected_share", self.collected_share),
                                  ("mean_score", self.mean_score)) if v is not None}


def url_prefix(url: str, depth: int = 1) -> str:
    """``host/seg1[/seg2...]`` of ``url`` (lower-case host, at most ``depth`` path segments)."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    segments = [s for s in parts.path.split("/") if s][:depth]
    return "/".join([(parts.hostname or "").lower()] + segments)


def under(url: str, prefix: str) -> bool:
    """True if ``url`` lies under ``prefix`` (whole path segments only)."""
    prefix = prefix.lower().rstrip("/")
    return url_prefix(url, prefix.count("/")) == prefix


def _flag(value, where: str) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FatalError(f"{where}: math must be true or false, not {value!r}")


def _evidence(row: dict, where: str) -> dict:
    out = {}
    for key, kind in (("pages", int), ("collected_share", float), ("mean_score", float)):
        value = row.get(key)
        if value not in (None, ""):
            try:
                out[key] = kind(value)
            except (TypeError, ValueError) as exc:
                raise FatalError(f"{where}: {key} must be a number, not {value!r}") from exc
    return out


def load(path: str | Path) -> dict[str, Decision]:
    """Decisions in ``path`` (missing file: none), keyed by prefix."""
    path = Path(path)
    if not path.exists():
        return {}
    raw = path.read_text(encoding="utf-8")
    out: dict[str, Decision] = {}
    if path.suffix.lower() == ".csv":
        for n, row in enumerate(csv.DictReader(io.StringIO(raw)), 2):
            if not row.get("prefix"):
                continue
            rnd = row.get("round") or None
            out[row["prefix"].strip()] = Decision(row["prefix"].strip(), _flag(row.get("math"), f"{path}:{n}"),
                                                  (row.get("by") or "unknown").strip(), int(rnd) if rnd else None,
                                                  **_evidence(row, f"{path}:{n}"))
        return out
    import yaml

    try:
        data = yaml.safe_load(raw) or {}
    except yaml.YAMLError as exc:
        raise FatalError(f"annotation file {path} is not valid YAML: {exc}") from exc
    items = data.get("prefixes") if isinstance(data, dict) else None
    if not isinstance(items, dict):
        raise FatalError(f"annotation file {path}: expected a 'prefixes:' mapping")
    for prefix, value in items.items():
        value = value if isinstance(value, dict) else {"math": value}
        out[str(prefix)] = Decision(str(prefix), _flag(value.get("math"), f"{path}: {prefix}"),
                                    str(value.get("by", "unknown")), value.get("round"),
                                    **_evidence(value, f"{path}: {prefix}"))
    return out


def save(path: str | Path, decisions: dict[str, Decision]) -> None:
    """Write ``decisions`` (sorted by prefix) atomically, in the format the suffix names."""
    path = Path(path)
    rows = [decisions[k] for k in sorted(decisions)]
    if path.suffix.lower() == ".csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["prefix", "math", "by", "round", "pages", "collected_share", "mean_score"])
        writer.writerows([d.prefix, str(d.math).lower(), d.by, "" if d.round is None else d.round,
                          *("" if v is None else v for v in (d.pages, d.collected_share, d.mean_score))] for d in rows)
        write_atomic(path, buf.getvalue().encode())
        return
    import yaml

    body = {"prefixes": {d.prefix: {"math": d.math, "by": d.by, "round": d.round, **d.evidence()} for d in rows}}
    header = ("# curate math annotations: URL path prefixes marked math (true) or not math (false).\n"
              "# Edit by hand or with `curate math annotate`; pages under math prefixes join the next seed.\n")
    write_atomic(path, (header + yaml.safe_dump(body, sort_keys=True, default_flow_style=None)).encode())


def record(path: str | Path, new: list[Decision]) -> dict[str, Decision]:
    """Add or replace ``new`` decisions in the file at ``path``; returns all decisions."""
    decisions = load(path)
    decisions.update({d.prefix: d for d in new})
    save(path, decisions)
    return decisions


def auto_decide(candidates: list[dict], existing: dict[str, Decision], *, min_share: float, min_pages: int,
                round_: int) -> list[Decision]:
    """The unattended policy: accept undecided prefixes whose collected share is at least ``min_share``
    over at least ``min_pages`` pages, recording that evidence. It never rejects and never overrides
    a recorded decision (callers never run it on a weak model's selection)."""
    return [Decision(c["prefix"], True, "auto", round_, int(c["pages"]), round(float(c["collected_share"]), 4),
                     round(float(c["mean_score"]), 4))
            for c in candidates
            if c["prefix"] not in existing and c["pages"] >= max(1, min_pages) and c["collected_share"] >= min_share]
