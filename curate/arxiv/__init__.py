"""Figure-caption pairs from arXiv LaTeX sources (ArxivCap method)."""

from curate.arxiv._caption import clean_caption
from curate.arxiv._export import ExportSummary, export, image_name
from curate.arxiv._figures import Figure, Image, find_figures
from curate.arxiv._images import ImageError, resolve, to_png
from curate.arxiv._paper import Document, FigureSettings, arxivcap_row, documents, extract
from curate.arxiv._source import Paper, from_bytes, read_papers
from curate.arxiv._macros import expand_figure_macros, macros
from curate.arxiv._tex import find_main, find_mains, flatten, graphicspath, strip_comments

__all__ = ["Document", "ExportSummary", "Figure", "FigureSettings", "Image", "ImageError", "Paper", "arxivcap_row",
           "clean_caption", "documents", "expand_figure_macros", "export", "extract", "find_figures", "find_main",
           "find_mains", "flatten", "from_bytes", "graphicspath", "image_name", "macros", "read_papers", "resolve",
           "strip_comments", "to_png"]
