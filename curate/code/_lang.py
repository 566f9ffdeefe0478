"""Languages by file extension, and each language's line-comment syntax."""

from __future__ import annotations

EXTENSIONS = {
    ".py": "python", ".pyi": "python",
    ".java": "java",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".c++": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".cs": "csharp",
    ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".go": "go",
    ".rs": "rust",
    ".rb": "ruby", ".php": "php", ".kt": "kotlin", ".scala": "scala", ".swift": "swift", ".lua": "lua",
    ".sh": "shell", ".bash": "shell", ".sql": "sql", ".r": "r", ".jl": "julia", ".hs": "haskell",
    ".html": "html", ".htm": "html", ".xml": "xml", ".xsl": "xml", ".xslt": "xml", ".css": "css", ".md": "markdown", ".rst": "rst",
    ".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".txt": "text",
}

#: languages whose imports we resolve to files of the same repository
DEPENDENCY_LANGUAGES = ("python", "java", "c", "cpp", "csharp", "javascript", "typescript", "go", "rust")

_COMMENT = {
    "python": ("# ", ""), "ruby": ("# ", ""), "shell": ("# ", ""), "r": ("# ", ""), "julia": ("# ", ""),
    "toml": ("# ", ""), "yaml": ("# ", ""), "text": ("# ", ""),
    "sql": ("-- ", ""), "lua": ("-- ", ""), "haskell": ("-- ", ""),
    "html": ("<!-- ", " -->"), "xml": ("<!-- ", " -->"), "markdown": ("<!-- ", " -->"),
    "css": ("/* ", " */"), "rst": (".. ", ""), "json": ("// ", ""),
}


def language_of(path: str) -> str | None:
    """Language of a repository path by extension (None: not a source or text file we know)."""
    name = path.rpartition("/")[2].lower()
    if name in ("makefile", "dockerfile", "cmakelists.txt"):
        return "shell" if name != "cmakelists.txt" else "text"
    dot = name.rfind(".")
    return EXTENSIONS.get(name[dot:]) if dot > 0 else None


def path_comment(path: str, language: str | None) -> str:
    """The line that precedes a file in a concatenated sample: its path as a comment."""
    start, end = _COMMENT.get(language or "", ("// ", ""))
    return f"{start}{path}{end}"
