"""Repository-level code corpus: file filters, dependency resolution, ordering, FIM."""

from curate.code._fim import DEEPSEEK, MIN_FIM_CHARS, FimResult, fim
from curate.code._lang import language_of, path_comment
from curate.code._order import components, order, violations
from curate.code._repo import Repository, read_source
from curate.code._samples import SampleSettings, build, dependencies, keep_files

__all__ = ["DEEPSEEK", "FimResult", "MIN_FIM_CHARS", "Repository", "SampleSettings", "build", "components", "dependencies", "fim",
           "keep_files", "language_of", "order", "path_comment", "read_source", "violations"]
