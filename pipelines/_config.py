"""Load frozen config dataclasses from TOML or YAML files."""

from __future__ import annotations

import dataclasses
import math
import os
import re
import tomllib
import types
import typing
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
        try:
            data = tomllib.loads(raw.decode())
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise FatalError(f"config {path} is not valid TOML: {exc}") from None
    elif path.suffix in (".yaml", ".yml"):
        import yaml

        try:
            data = yaml.safe_load(raw) or {}
        except yaml.YAMLError as exc:
            raise FatalError(f"config {path} is not valid YAML: {' '.join(str(exc).split())}") from None
    else:
        raise FatalError(f"config must be .toml or .yaml, not {path.name}")
    if not isinstance(data, dict):
        raise FatalError(f"config {path} must be a mapping")
    return data


def _is_name(value: str) -> bool:
    """Values of path keys that name no file: URLs, crawl ids, "latest", "approx"."""
    return "://" in value or value in ("latest", "approx") or re.fullmatch(r"CC-MAIN-\d{4}-\d{2}", value) is not None


def relative_to(cls, data: dict[str, Any], base: Path) -> dict[str, Any]:
    """The one path rule: a path inside a config or spec file resolves relative to that file's
    folder (``base``), for every key the class lists in ``PATHS``; absolute paths, URLs and
    names (crawl ids, "latest", "approx") stay as written. Paths given on the command line are
    not passed through here: they resolve relative to the current folder, as any program's do."""
    out = dict(data)
    for key in getattr(cls, "PATHS", ()):
        value = out.get(key)
        if isinstance(value, str):
            out[key] = value if _is_name(value) else os.path.normpath(base / value)
        elif isinstance(value, (list, tuple)):
            out[key] = [v if not isinstance(v, str) or _is_name(v) else os.path.normpath(base / v) for v in value]
    return out


def from_file(cls: type[T], path: str | Path, overrides: dict[str, Any] | None = None, builder=None) -> T:
    """``cls`` from a TOML/YAML file (paths in it relative to the file) and command-line
    ``overrides`` (None values ignored; their paths relative to the current folder)."""
    path = Path(path)
    data = relative_to(cls, load_mapping(path), path.parent.absolute())
    data.update({k: v for k, v in (overrides or {}).items() if v is not None})
    return (builder or build)(cls, data)


class FileConfig:
    """Base of every job's config dataclass: ``from_file`` loads it from TOML/YAML (the path rule,
    unknown keys refused) and construction checks every field (:func:`check_fields`)."""

    @classmethod
    def from_file(cls, path: str | Path, **overrides):
        """The config in ``path``; ``overrides`` (command-line flags, None ignored) win."""
        return from_file(cls, path, overrides)

    def __post_init__(self):
        check_fields(self)


def build(cls: type[T], data: dict[str, Any]) -> T:
    """Instantiate ``cls`` from a mapping, refusing unknown keys (typos fail loudly)."""
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        import difflib

        hints = [f"{k} (did you mean {close[0]}?)" if (close := difflib.get_close_matches(k, names, n=1)) else k
                 for k in unknown]
        raise FatalError(f"unknown {cls.__name__} setting(s): {', '.join(hints)}")
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


# Numeric settings are >= 0 unless a config's RANGES says otherwise (our rule: no setting of ours
# means anything below zero, and a negative count or size silently rejected everything).
_DEFAULT_RANGE = (0, None)


def _describe(tp) -> str:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(tp))
    if origin in (tuple, list):
        return f"a list of {_describe(typing.get_args(tp)[0])}"
    if tp is type(None):
        return "null"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}.get(tp, getattr(tp, "__name__", str(tp)))


def _fits(value, tp) -> bool:
    origin = typing.get_origin(tp)
    if tp is Any:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, a) for a in typing.get_args(tp))
    if origin in (tuple, list):
        args = typing.get_args(tp)
        return isinstance(value, (tuple, list)) and all(_fits(v, args[0]) for v in value)
    if tp is type(None):
        return value is None
    if tp is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if tp is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(tp, type):
        return isinstance(value, tp)
    return True


def check_fields(config) -> None:
    """Validate every field of a config dataclass against its declared type, and numbers against
    the class's ``RANGES`` ({name: (low, high)}, None for open; default: at least 0), and values
    against its ``CHOICES`` ({name: allowed values}). One-line :class:`FatalError` naming the
    setting, what it must be and what it got."""
    cls = type(config)
    hints = typing.get_type_hints(cls)
    ranges = getattr(cls, "RANGES", {})
    for f in dataclasses.fields(cls):
        value, tp = getattr(config, f.name), hints.get(f.name, Any)
        if not _fits(value, tp):
            raise FatalError(f"{cls.__name__}: {f.name} must be {_describe(tp)}, not {value!r}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = ranges.get(f.name, _DEFAULT_RANGE)
            if math.isnan(value) or (low is not None and value < low) or (high is not None and value > high):
                bounds = (f">= {low}" if high is None else f"<= {high}" if low is None else f"in [{low}, {high}]")
                raise FatalError(f"{cls.__name__}: {f.name} must be {bounds}, not {value!r}")
        allowed = getattr(cls, "CHOICES", {}).get(f.name)
        if allowed is not None and value not in allowed:
            raise FatalError(f"{cls.__name__}: {f.name} must be one of {', '.join(map(str, allowed))}, not {value!r}")
