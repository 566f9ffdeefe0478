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
