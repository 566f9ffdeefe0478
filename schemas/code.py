"""Schemas of the repository-level code corpus: ``code_samples`` and ``code_files``."""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

CODE_SAMPLES = pa.schema(
    [
        field("id", pa.string(), "Sample id: 16 hex digits of sha1(repo, first path, component)."),
        field("repo", pa.string(), "Repository name (folder or archive name, or the repository column of a Parquet input)."),
        field("component", pa.int32(), "Connected component of the dependency graph (0-based); 0 when one sample per repository."),
        field("language", pa.string(), "Most common language among the sample's files."),
        field("paths", pa.list_(pa.string()), "Files of the sample in dependency order (dependencies first, except inside cycles)."),
        field("n_files", pa.int32(), "Number of files in the sample."),
        field("n_chars", pa.int64(), "Characters of text."),
        field("text", pa.string(), "The files concatenated in order, each preceded by a comment with its path."),
        field("fim_text", pa.string(), "text after the fill-in-the-middle transformation, null when the sample was not transformed."),
        field("fim_mode", pa.string(), "psm, spm, or null (not transformed)."),
        field("source", pa.string(), "Input the repository was read from (folder, archive, Parquet file)."),
    ],
    metadata={"dataset": "code_samples", "description": "Repository-level code samples ordered by file dependencies, with FIM."},
)

CODE_FILES = pa.schema(
    [
        field("repo", pa.string(), "Repository name."),
        field("path", pa.string(), "File path inside the repository."),
        field("language", pa.string(), "Language by file extension."),
        field("sample_id", pa.string(), "The code_samples row holding this file."),
        field("component", pa.int32(), "Component (sample) number in the repository."),
        field("position", pa.int32(), "Position of the file in its sample (0 = first)."),
        field("n_chars", pa.int64(), "Characters of the file."),
        field("sha1", pa.string(), "sha1 of the file's text."),
        field("dependencies", pa.list_(pa.string()), "Repository files this file imports (resolved; external imports are not listed)."),
        field("source", pa.string(), "Input the repository was read from."),
    ],
    metadata={"dataset": "code_files", "description": "Every kept file of the code corpus with its resolved dependencies."},
)
