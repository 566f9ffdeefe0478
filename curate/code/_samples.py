"""From a repository to ordered, concatenated samples (DeepSeek-Coder's repository level)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from curate.code import _filters as F
from curate.code._deps import c_dependencies, csharp_dependencies, java_dependencies, python_dependencies
from curate.code._deps_more import go_dependencies, js_dependencies, rust_dependencies
from curate.code._fim import DEEPSEEK, MIN_FIM_CHARS, fim
from curate.code._lang import language_of, path_comment
from curate.code._order import components, order
from curate.code._repo import Repository

RESOLVERS = (python_dependencies, java_dependencies, c_dependencies, csharp_dependencies, js_dependencies,
             go_dependencies, rust_dependencies)


@dataclass(frozen=True)
class SampleSettings:
    per: str = "component"                  # component (the paper) | repository
    fim_rate: float = 0.5
    spm_rate: float = 0.0                   # share of FIM samples laid out SPM
    sentinels: tuple[str, str, str] = DEEPSEEK
    seed: int = 0
    fim_min_chars: int = MIN_FIM_CHARS      # less code than this: no FIM (see curate.code._fim)
    max_sample_chars: int | None = None     # split a larger component at file boundaries, in order


def dependencies(files: dict[str, str]) -> dict[str, set[str]]:
    """Every resolver's edges merged: path -> repository paths it depends on."""
    deps: dict[str, set[str]] = {}
    for resolve in RESOLVERS:
        for path, targets in resolve(files).items():
            deps.setdefault(path, set()).update(targets)
    return deps


# Files that say how imports resolve (module paths, crate names, aliases, source roots): read for
# resolution even when the file filters do not keep them as samples.
MANIFESTS = frozenset({"go.mod", "Cargo.toml", "package.json", "tsconfig.json", "jsconfig.json", "pyproject.toml",
                       "setup.cfg"})


def manifests(repo: Repository) -> dict[str, str]:
    """path -> text of the repository's manifests (see MANIFESTS)."""
    out = {}
    for path, data in repo.files.items():
        if path.rpartition("/")[2] in MANIFESTS:
            text = F.decode(data)
            if text is not None:
                out[path] = text
    return out


def resolve(repo: Repository, files: dict[str, str]) -> dict[str, set[str]]:
    """Dependencies among the kept ``files``. Every path of the repository takes part in resolution
    (a refused file is still the module an import names: ``from . import nodes`` must not fall back
    to the package when nodes.py was refused), and manifests are read; edges end at kept files."""
    everything = {path: "" for path in repo.files}
    everything.update(manifests(repo))
    everything.update(files)
    return {path: {t for t in targets if t in files and t != path}
            for path, targets in dependencies(everything).items() if path in files}


def keep_files(repo: Repository) -> tuple[dict[str, str], list[tuple[str, str, str]]]:
    """(kept path -> text, refused (path, reason, detail)) after reading checks and the file filters."""
    kept: dict[str, str] = {}
    refused = list(repo.refused)
    for path in sorted(repo.files):
        why = F.check_path(path)
        language = language_of(path)
        if why is None and language is None:
            why = (F.UNKNOWN_TYPE, "no known language for this file name")
        if why is None:
            text = F.decode(repo.files[path])
            if text is None:
                why = (F.BINARY, "NUL bytes") if b"\x00" in repo.files[path][:8192] else \
                    (F.UNDECODABLE, "not UTF-8")
            else:
                why = F.check_text(path, text, language)
        if why is None:
            kept[path] = text
        else:
            refused.append((path, *why))
    return kept, refused


def split(ordered: list[str], files: dict[str, str], max_chars: int | None) -> list[list[str]]:
    """``ordered`` cut at file boundaries into runs of at most ``max_chars`` characters (a file
    larger than that is a run of its own); dependency order is kept across the runs."""
    if not max_chars:
        return [ordered]
    runs, size = [[]], 0
    for p in ordered:
        n = len(files[p]) + len(p) + 8
        if runs[-1] and size + n > max_chars:
            runs.append([])
            size = 0
        runs[-1].append(p)
        size += n
    return runs


def _sample(repo: Repository, index: int, part: int, ordered: list[str], files: dict[str, str],
            deps: dict[str, set[str]], settings: SampleSettings) -> tuple[dict, list[dict]]:
    """One code_samples row (part ``part`` of component ``index``) and its code_files rows."""
    langs = Counter(language_of(p) for p in ordered)
    language = sorted(langs.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    parts, comments, at = [], [], 0
    for p in ordered:
        body = files[p] if files[p].endswith("\n") else files[p] + "\n"
        comment = f"{path_comment(p, language_of(p))}\n"
        comments.append((at, at + len(comment)))
        parts.append(comment + body)
        at += len(comment) + len(body)
    text = "".join(parts)
    # part 0 keeps the key (and id) a whole component had before splitting existed
    key = f"{repo.name}\0{ordered[0]}\0{index}" + (f"\0{part}" if part else "")
    sid = hashlib.sha1(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    result = fim(text, key, rate=settings.fim_rate, spm_rate=settings.spm_rate, seed=settings.seed,
                 sentinels=settings.sentinels, protected=tuple(comments), min_chars=settings.fim_min_chars)
    sample = {"id": sid, "repo": repo.name, "component": index, "language": language,
              "paths": ordered, "n_files": len(ordered), "n_chars": len(text), "text": text,
              "fim_text": result.text if result.mode else None, "fim_mode": result.mode,
              "source": repo.source}
    rows = [{"repo": repo.name, "path": p, "language": language_of(p), "sample_id": sid,
             "component": index, "position": position, "n_chars": len(files[p]),
             "sha1": hashlib.sha1(files[p].encode("utf-8", "surrogateescape")).hexdigest(),
             "dependencies": sorted(deps.get(p, ())), "source": repo.source}
            for position, p in enumerate(ordered)]
    return sample, rows


def build(repo: Repository, settings: SampleSettings) -> tuple[list[dict], list[dict], list[tuple[str, str, str]]]:
    """(code_samples rows, code_files rows, refused files) of one repository."""
    files, refused = keep_files(repo)
    deps = resolve(repo, files)
    paths = sorted(files)
    groups = components(paths, deps) if settings.per == "component" else ([paths] if paths else [])
    samples, file_rows = [], []
    for index, group in enumerate(groups):
        ordered = order(group, deps, settings.seed)
        for part, paths_of in enumerate(split(ordered, files, settings.max_sample_chars)):
            sample, rows = _sample(repo, index, part, paths_of, files, deps, settings)
            samples.append(sample)
            file_rows += rows
    return samples, file_rows, refused
