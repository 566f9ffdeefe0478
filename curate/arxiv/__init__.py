"""Figure-caption pairs from arXiv LaTeX sources (ArxivCap method)."""

from curate.arxiv._caption import clean_caption
from curate.arxiv._figures import Figure, Image, find_figures
from curate.arxiv._images import ImageError, resolve, to_png
from curate.arxiv._paper import FigureSettings, arxivcap_row, extract
from curate.arxiv._source import Paper, from_bytes, read_papers
from curate.arxiv._tex import find_main, flatten, graphicspath, macros, strip_comments

__all__ = ["Figure", "FigureSettings", "Image", "ImageError", "Paper", "arxivcap_row", "clean_caption", "extract",
           "find_figures", "find_main", "flatten", "from_bytes", "graphicspath", "macros", "read_papers",
           "resolve", "strip_comments", "to_png"]
