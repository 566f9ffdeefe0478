"""Schemas of arXiv figure-caption pairs (``figures``) and the ArxivCap layout (``arxivcap``)."""

from __future__ import annotations

import pyarrow as pa

from schemas._base import field

FIGURES = pa.schema(
    [
        field("paper_id", pa.string(), "arXiv id from the file or folder name (e.g. 2312.14086)."),
        field("figure_index", pa.int32(), "Figure number in document order (0-based, after includes are inlined)."),
        field("subfigure_index", pa.int32(), "Image number inside the figure (0-based); null for a single-image figure."),
        field("label", pa.string(), "\\label of the figure (or of the subfigure when it has its own)."),
        field("caption", pa.string(), "Main caption as plain text, math as $...$ (the long form of \\caption[short]{long})."),
        field("sub_caption", pa.string(), "The subfigure's own caption, if any, cleaned the same way."),
        field("image_path", pa.string(), "Image name as written in \\includegraphics."),
        field("image_file", pa.string(), "File it resolved to inside the source (graphicspath, extension search, case)."),
        field("image_format", pa.string(), "Original format: pdf, eps, png, jpeg, gif, ..."),
        field("image", pa.binary(), "The image as PNG (PDF and EPS rendered at the configured DPI)."),
        field("width", pa.int32(), "PNG width in pixels."),
        field("height", pa.int32(), "PNG height in pixels."),
        field("tex_file", pa.string(), "Source file holding the figure (e.g. an \\input file)."),
        field("source", pa.string(), "Input the paper was read from."),
    ],
    metadata={"dataset": "figures", "description": "One row per figure image with its caption (ArxivCap method)."},
)

_PAIR = pa.struct([("sub_caption", pa.string()), ("image_file", pa.string()), ("image", pa.binary())])
ARXIVCAP = pa.schema(
    [
        field("arxiv_id", pa.string(), "arXiv id of the paper."),
        field("caption_images", pa.list_(pa.struct([("caption", pa.string()), ("cil_pairs", pa.list_(_PAIR))])),
              "ArxivCap layout: per figure its caption and (sub_caption, image_file, image) pairs."),
    ],
    metadata={"dataset": "arxivcap", "description": "One row per paper in ArxivCap's layout."},
)
