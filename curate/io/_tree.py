"""Reading a source folder into memory with the same refusals as an archive.

A folder is hostile input like an archive: nothing it contains may make us read a
file outside it. So no link is followed, whatever its kind:

- symbolic links to files and to folders are refused (each with a row);
- a hard link is a second name of one file, and nothing says where the other names
  are: a file with more names than the folder holds is refused (a hard link to
  ``/etc/passwd`` has two names, one outside), while files linked only to each
  other inside the folder (``cp -al``, pnpm stores) are read;
- FIFOs, sockets and devices are refused (reading a FIFO would block forever);
- each file is opened without following links and checked to be the very file
  that was listed, so a swap between listing and reading is caught.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path

UNSAFE = "unsafe_path"


def safe_member_name(name: str) -> str | None:
    """An archive member's or a listed file's path, normalised, or None when it would leave
    the folder it is unpacked into (absolute, ``..``, a drive letter)."""
    import posixpath

    norm = posixpath.normpath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or norm.startswith("../") or norm == ".." or ":" in norm.split("/")[0]:
        return None
    return norm.lstrip("./") if norm != "." else None


def _listing(path: Path, skip_dirs, refused: list) -> list[tuple[str, Path, os.stat_result]]:
    """(relative path, full path, lstat) of every regular file; refusals appended to ``refused``."""
    found = []
    for root, dirs, names in os.walk(path, followlinks=False):
        kept = []
        for d in sorted(dirs):
            if d in skip_dirs:
                continue
            full = Path(root) / d
            if full.is_symlink():
                refused.append((full.relative_to(path).as_posix(), UNSAFE, "symbolic link to a folder"))
            else:
                kept.append(d)
        dirs[:] = kept
        for name in sorted(names):
            full = Path(root) / name
            rel = full.relative_to(path).as_posix()
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                refused.append((rel, UNSAFE, "symbolic link"))
            elif not stat.S_ISREG(info.st_mode):
                refused.append((rel, UNSAFE, "not a regular file"))
            else:
                found.append((rel, full, info))
    return found


def _read(full: Path, listed: os.stat_result) -> bytes | None:
    """The file's bytes, or None when it is no longer the file that was listed."""
    try:
        fd = os.open(full, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (listed.st_dev, listed.st_ino) or not stat.S_ISREG(now.st_mode):
            return None
        return fh.read()


def read_tree(path: Path, *, max_file_bytes: int, max_total_bytes: int, skip_dirs=(".git",),
              total_reason: str = "too_large") -> tuple[dict[str, bytes], list[tuple[str, str, str]]]:
    """(posix path -> bytes, refused (path, reason, detail)); links are never followed."""
    files: dict[str, bytes] = {}
    refused: list[tuple[str, str, str]] = []
    listing = _listing(path, skip_dirs, refused)
    names_inside = Counter((info.st_dev, info.st_ino) for _, _, info in listing if info.st_nlink > 1)
    total = 0
    for rel, full, info in listing:
        if info.st_nlink > names_inside.get((info.st_dev, info.st_ino), 1):
            refused.append((rel, UNSAFE, f"hard link: the file has {info.st_nlink} names, "
                                         f"{names_inside[(info.st_dev, info.st_ino)]} in this folder"))
        elif info.st_size > max_file_bytes:
            refused.append((rel, "file_too_large", f"{info.st_size} bytes"))
        elif total + info.st_size > max_total_bytes:
            refused.append((rel, total_reason, f"beyond {max_total_bytes} bytes in all"))
        elif (data := _read(full, info)) is None:
            refused.append((rel, UNSAFE, "changed while it was read (replaced by a link?)"))
        elif len(data) > max_file_bytes:          # it grew after it was listed
            refused.append((rel, "file_too_large", f"{len(data)} bytes"))
        else:
            files[rel] = data
            total += len(data)
    return files, refused
