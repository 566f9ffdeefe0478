"""Reading paper sources: a folder, arXiv's per-paper file (gzipped tar or gzipped .tex,
detected by content), or a bulk tar of per-paper ``.gz`` files; never extracted to disk.

Tar members with absolute paths or ``..``, links and devices are refused with a
reason; decompression stops at ``max_bytes`` (bombs), and so does a paper's total.
"""

from __future__ import annotations

import io
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from curate.errors import ShardError
from curate.io import read_tree, safe_member_name


@dataclass
class Paper:
    paper_id: str
    source: str
    files: dict[str, bytes] = field(default_factory=dict)
    refused: list[tuple[str, str, str]] = field(default_factory=list)     # (member, reason, detail)


def _gunzip(data: bytes, max_bytes: int) -> bytes:
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = d.decompress(data, max_bytes + 1)
    if len(out) > max_bytes:
        raise ShardError(f"decompresses beyond {max_bytes} bytes (bomb?)")
    return out


def _paper_id(name: str) -> str:
    base = Path(name).name
    for suffix in (".tar.gz", ".tgz", ".gz", ".tar", ".tex"):
        if base.endswith(suffix):
            return base[: -len(suffix)]
    return base


def from_bytes(paper_id: str, source: str, data: bytes, max_bytes: int) -> Paper:
    """A paper from arXiv's per-paper file: gzip (of a tar or of one .tex), a tar, or plain TeX."""
    paper = Paper(paper_id, source)
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, max_bytes)
    if len(data) > 262 and data[257:262] == b"ustar" or _is_tar(data):
        total = 0
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            for m in tar:
                if m.isdir():
                    continue
                name = safe_member_name(m.name)
                if name is None:
                    paper.refused.append((m.name, "unsafe_path", "absolute path or '..'"))
                elif not m.isfile():
                    paper.refused.append((name, "unsafe_path", "link or special file"))
                elif total + m.size > max_bytes:
                    paper.refused.append((name, "paper_too_large", f"beyond {max_bytes} bytes"))
                else:
                    paper.files[name] = tar.extractfile(m).read()
                    total += m.size
    else:
        paper.files["main.tex"] = data
    return paper


def _is_tar(data: bytes) -> bool:
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
            return tar.next() is not None
    except (tarfile.TarError, EOFError):
        return False


def from_folder(path: Path, max_bytes: int) -> Paper:
    files, refused = read_tree(path, max_file_bytes=max_bytes, max_total_bytes=max_bytes, skip_dirs=(),
                               total_reason="paper_too_large")
    return Paper(path.name, str(path), files, refused)


def read_papers(source: str, max_bytes: int = 200 << 20) -> Iterator[Paper]:
    """The papers of one input (see module docstring); URLs are read through curate.io."""
    path = Path(source)
    if path.is_dir():
        yield from_folder(path, max_bytes)
        return
    if "://" in source:
        from curate.io import open_source

        with open_source(source) as fh:
            data = fh.read(max_bytes + 1)
    else:
        data = path.read_bytes() if path.stat().st_size <= max_bytes * 4 else b""
        if not data:
            raise ShardError(f"{source}: larger than {max_bytes * 4} bytes")
    name = source.rstrip("/").rsplit("/", 1)[-1]
    if data[:2] != b"\x1f\x8b" and _is_tar(data) and name.startswith("arXiv_src_"):
        yield from _bulk(source, data, max_bytes)          # a bulk tar of per-paper .gz files
        return
    try:
        yield from_bytes(_paper_id(name), source, data, max_bytes)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ShardError(f"{source}: unreadable paper source: {exc}") from exc


def _bulk(source: str, data: bytes, max_bytes: int) -> Iterator[Paper]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for m in tar:
            if not m.isfile() or not m.name.endswith(".gz"):
                continue
            name = safe_member_name(m.name)
            if name is None:
                continue
            pid = _paper_id(name)
            try:
                yield from_bytes(pid, f"{source}#{name}", tar.extractfile(m).read(), max_bytes)
            except (ShardError, tarfile.TarError, EOFError, zlib.error, OSError) as exc:
                bad = Paper(pid, f"{source}#{name}")
                bad.refused.append((name, "unreadable_source", str(exc)))
                yield bad
