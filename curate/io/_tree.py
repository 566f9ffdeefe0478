"""Reading a source folder into memory with the same refusals as an archive."""

from __future__ import annotations

import os
from pathlib import Path


def read_tree(path: Path, *, max_file_bytes: int, max_total_bytes: int, skip_dirs=(".git",),
              total_reason: str = "too_large") -> tuple[dict[str, bytes], list[tuple[str, str, str]]]:
    """(posix path -> bytes, refused (path, reason, detail)); links are never followed."""
    files: dict[str, bytes] = {}
    refused: list[tuple[str, str, str]] = []
    total = 0
    for root, dirs, names in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in skip_dirs)
        for name in sorted(names):
            full = Path(root) / name
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                refused.append((rel, "unsafe_path", "symbolic link"))
                continue
            size = full.stat().st_size
            if size > max_file_bytes:
                refused.append((rel, "file_too_large", f"{size} bytes"))
            elif total + size > max_total_bytes:
                refused.append((rel, total_reason, f"beyond {max_total_bytes} bytes in all"))
            else:
                files[rel] = full.read_bytes()
                total += len(files[rel])
    return files, refused
