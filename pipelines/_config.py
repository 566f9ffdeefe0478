"""Load frozen config dataclasses from TOML or YAML files."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from curate.errors import FatalError

T = TypeVar("T")


def load_mapping(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FatalError(f"cannot read config {path}: {exc}") from exc
    if path.suffix == ".toml":
        data = tomllib.loads(raw.decode())
    elif path.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(raw) or {}
    else:
        raise FatalError(f"config must be .toml or .yaml, not {path.name}")
    if not isinstance(data, dict):
        raise FatalError(f"config {path} must be a mapping")
    return data


def build(cls: type[T], data: dict[str, Any]) -> T:
    """Instantiate ``cls`` from a mapping, refusing unknown keys (typos fail loudly)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise FatalError(f"unknown {cls.__name__} setting(s): {', '.join(unknown)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})
