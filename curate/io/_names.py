"""File names that are not UTF-8.

Linux names are bytes; Python carries the bytes that are not UTF-8 as lone surrogates
(``os.fsdecode``'s surrogateescape), which open the file fine but cannot be encoded as UTF-8:
Parquet, JSON readers and hashes refuse them. Paths stay as Python gives them for opening files;
what is recorded (rows, completion records, labels) goes through :func:`readable`, and what is
hashed is encoded with ``surrogateescape`` (the name's own bytes).
"""

from __future__ import annotations


def readable(value):
    """``value`` with every string valid UTF-8: each byte that was not shown as ``\\xNN``
    (recursively through dicts, lists and tuples; other values as they are)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {readable(k): readable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [readable(v) for v in value]
    return value

