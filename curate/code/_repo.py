"""Reading repositories: folders, tar/zip archives, and Parquet files of The Stack-style rows.

Archives are read in memory and never extracted, and a member is refused (with a
reason, not an exception) when its name is absolute or climbs out with ``..``,
when it is a link or a device, or when it is larger than ``max_file_bytes``; a
zip member whose declared size is far above its compressed size is read no
further than the limit (decompression bombs).
"""

from __future__ import annotations

import stat
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from curate.code import _filters as F
from curate.errors import ShardError
from curate.io import read_tree, readable, safe_member_name

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


@dataclass
class Repository:
    """One repository's files (posix path -> bytes) and the files refused while reading."""

    name: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    refused: list[tuple[str, str, str]] = field(default_factory=list)   # (path, reason, detail)


def _strip_common_root(repo: Repository) -> None:
    """GitHub archives wrap everything in ``<repo>-<ref>/``: drop a single shared top folder."""
    tops = {p.split("/", 1)[0] for p in repo.files}
    if len(tops) == 1 and all("/" in p for p in repo.files):
        top = tops.pop()
        repo.files = {p[len(top) + 1:]: data for p, data in repo.files.items()}


def read_folder(path: Path, max_file_bytes: int, max_repo_bytes: int = 512 << 20) -> Repository:
    files, refused = read_tree(path, max_file_bytes=max_file_bytes, max_total_bytes=max_repo_bytes,
                               total_reason=F.TOO_LARGE)
    return Repository(path.name, str(path), files, refused)


def read_tar(path: Path, max_file_bytes: int, max_repo_bytes: int) -> Repository:
    repo = Repository(_archive_name(path), str(path))
    total = 0
    try:
        with tarfile.open(path, mode="r:*") as tar:
            for member in tar:
                name = safe_member_name(member.name)
                if member.isdir():
                    continue
                if name is None:
                    repo.refused.append((member.name, F.UNSAFE_PATH, "absolute path or '..'"))
                elif not member.isfile():
                    kind = "link" if member.issym() or member.islnk() else "device or special file"
                    repo.refused.append((name, F.UNSAFE_PATH, kind))
                elif member.size > max_file_bytes:
                    repo.refused.append((name, F.TOO_LARGE, f"{member.size} bytes"))
                elif total + member.size > max_repo_bytes:
                    repo.refused.append((name, F.TOO_LARGE, f"repository above {max_repo_bytes} bytes"))
                else:
                    data = tar.extractfile(member).read(max_file_bytes + 1)
                    total += len(data)
                    repo.files[name] = data
    except (tarfile.TarError, OSError, EOFError) as exc:
        if not repo.files:
            raise ShardError(f"{path}: not a readable tar archive: {exc}") from exc
        repo.refused.append(("", "archive_truncated", str(exc)))
    _strip_common_root(repo)
    return repo


def read_zip(path: Path, max_file_bytes: int, max_repo_bytes: int) -> Repository:
    repo = Repository(_archive_name(path), str(path))
    total = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                name = safe_member_name(info.filename)
                mode = info.external_attr >> 16
                if name is None:
                    repo.refused.append((info.filename, F.UNSAFE_PATH, "absolute path or '..'"))
                elif stat.S_ISLNK(mode):
                    repo.refused.append((name, F.UNSAFE_PATH, "link"))
                elif info.file_size > max_file_bytes or total + info.file_size > max_repo_bytes:
                    repo.refused.append((name, F.TOO_LARGE, f"{info.file_size} bytes"))
                else:
                    with zf.open(info) as fh:
                        data = fh.read(max_file_bytes + 1)    # a lying header cannot inflate past this
                    if len(data) > max_file_bytes:
                        repo.refused.append((name, F.TOO_LARGE, "inflates beyond the limit (bomb?)"))
                        continue
                    total += len(data)
                    repo.files[name] = data
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ShardError(f"{path}: not a readable zip archive: {exc}") from exc
    _strip_common_root(repo)
    return repo


def _archive_name(path: Path) -> str:
    name = path.name
    for suffix in sorted(ARCHIVE_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


_REPO_COLS = ("repo_name", "repo", "max_stars_repo_name", "repository")
_PATH_COLS = ("path", "max_stars_repo_path", "file_path")
_TEXT_COLS = ("content", "text", "code")


def read_parquet_rows(path: Path, max_file_bytes: int) -> Iterator[Repository]:
    """Repositories of a Parquet file of (repo, path, content) rows, one repository at a time
    (DuckDB sorts by repository and path out of core, so rows need not be grouped)."""
    import duckdb
    import pyarrow.parquet as pq

    from curate.errors import FatalError
    from curate.query import sql_str
    from schemas import is_text

    try:
        names = pq.ParquetFile(path).schema_arrow.names
    except Exception as exc:                               # any unreadable file: this input only
        raise ShardError(f"{path}: not a readable Parquet file: {exc}") from exc
    pick = [next((c for c in cols if c in names), None) for cols in (_REPO_COLS, _PATH_COLS, _TEXT_COLS)]
    if None in pick:
        raise ShardError(f"{path}: needs repository, path and content columns; has {', '.join(names)}")
    schema = pq.ParquetFile(path).schema_arrow
    for column, binary_ok in zip(pick, (False, False, True)):
        if not is_text(schema.field(column).type, binary=binary_ok):
            # the input is wrong, not one file of it unlucky: the run stops here in one line
            raise FatalError(f"{path}: column {column} is {schema.field(column).type}, not text")
    con = duckdb.connect()
    sql = (f'SELECT "{pick[0]}" AS repo, "{pick[1]}" AS path, "{pick[2]}" AS content '
           f"FROM read_parquet(?) ORDER BY repo, path")
    current: Repository | None = None
    for batch in con.sql(sql.replace("?", sql_str(str(path)))).to_arrow_reader(2_000):
        for repo, rel, content in zip(*(batch.column(i).to_pylist() for i in range(3))):
            if current is None or repo != current.name:
                if current is not None:
                    yield current
                current = Repository(repo, str(path))
            data = content.encode("utf-8") if isinstance(content, str) else (content or b"")
            name = safe_member_name(rel or "")
            if name is None:
                current.refused.append((rel, F.UNSAFE_PATH, "absolute path or '..'"))
            elif len(data) > max_file_bytes:
                current.refused.append((name, F.TOO_LARGE, f"{len(data)} bytes"))
            else:
                current.files[name] = data
    if current is not None:
        yield current
    con.close()


def read_source(source: str, max_file_bytes: int = 1 << 20, max_repo_bytes: int = 512 << 20) -> Iterator[Repository]:
    """The repositories of one input: a folder, an archive, or a Parquet file."""
    for repo in _read(source, max_file_bytes, max_repo_bytes):
        # names that are not UTF-8 (folders, files, archive members) become readable labels here;
        # the bytes were read through the real names already
        repo.name, repo.source = readable(repo.name), readable(repo.source)
        repo.files = {readable(p): data for p, data in repo.files.items()}
        repo.refused = [tuple(readable(list(r))) for r in repo.refused]
        yield repo


def _read(source: str, max_file_bytes: int, max_repo_bytes: int) -> Iterator[Repository]:
    path = Path(source)
    if path.is_dir():
        yield read_folder(path, max_file_bytes, max_repo_bytes)
    elif source.endswith(".parquet"):
        yield from read_parquet_rows(path, max_file_bytes)
    elif source.endswith(".zip"):
        yield read_zip(path, max_file_bytes, max_repo_bytes)
    elif source.endswith(ARCHIVE_SUFFIXES):
        yield read_tar(path, max_file_bytes, max_repo_bytes)
    else:
        raise ShardError(f"{source}: not a folder, archive ({', '.join(ARCHIVE_SUFFIXES)}) or .parquet file")
