"""Helpers to declare documented pyarrow fields."""

from __future__ import annotations

import pyarrow as pa


def field(name: str, type_: pa.DataType, description: str, nullable: bool = True) -> pa.Field:
    """A pyarrow field whose metadata holds a human description."""
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def describe(schema: pa.Schema) -> dict[str, str]:
    """Column name -> description, for docs and DuckDB column comments."""
    out = {}
    for f in schema:
        meta = f.metadata or {}
        out[f.name] = meta.get(b"description", b"").decode()
    return out


def is_text(type_: pa.DataType, binary: bool = False) -> bool:
    """Whether a column of ``type_`` holds text: any Arrow string type, dictionary-encoded or not
    (``binary``: bytes count too, as a file's raw content). How inputs of the wrong type are told
    apart before a row is read."""
    while pa.types.is_dictionary(type_):
        type_ = type_.value_type
    return (pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_string_view(type_)
            or (binary and (pa.types.is_binary(type_) or pa.types.is_large_binary(type_))))
