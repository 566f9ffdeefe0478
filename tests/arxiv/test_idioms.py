"""Sub-figure and caption idioms of real papers (issue 21), each in a small hand-written source."""

import io

from PIL import Image

from curate.arxiv import FigureSettings, Paper, documents, extract, find_figures, find_mains
from curate.arxiv._macros import expand_figure_macros


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _figs(body: str):
    return find_figures(expand_figure_macros(body))


PREAMBLE = r"""\documentclass{article}
\let\subcaption\relax
\usepackage{graphicx,subcaption}
\captionsetup[subfigure]{labelformat=parens}
"""

PAPER = PREAMBLE + r"""\begin{document}
\input{sections/results}
\end{document}
"""

RESULTS = r"""\begin{figure}
  \centering
  \subfloat[Loss on the training set\label{fig:loss}]{
    \includegraphics[width=.3\linewidth]{figs/loss}}
  \subfloat[Accuracy]{\resizebox{.3\linewidth}{!}{\includegraphics{figs/acc}}}
  \includegraphics{figs/legend}
  \caption[Training]{Training curves of both models, with a shared legend.}
  \label{fig:curves}
\end{figure}
\begin{figure}
  \begin{subfigure}{.45\linewidth}
    \includegraphics{figs/a}\\
    \subcaption{Panel A}\label{fig:a}
  \end{subfigure}
  \begin{subfigure}{.45\linewidth}
    \includegraphics{figs/b}
    \caption{Panel B}
  \end{subfigure}
  \caption{Two panels.}
\end{figure}
"""

SUPPLEMENT = PREAMBLE + r"""\begin{document}
\begin{figure}
  \includegraphics{figs/loss}
  \caption{The same loss plot, again in the supplement.}
\end{figure}
\begin{figure}
  \includegraphics{figs/extra}
  \caption{Only in the supplement.}
\end{figure}
\end{document}
"""


def _paper() -> Paper:
    files = {"paper.tex": PAPER.encode(), "supplement.tex": SUPPLEMENT.encode(),
             "sections/results.tex": RESULTS.encode()}
    for name in ("loss", "acc", "legend", "a", "b", "extra"):
        files[f"figs/{name}.png"] = _png()
    return Paper("2401.00001", "test", files)


def test_two_top_level_documents_and_a_shared_image_once():
    paper = _paper()
    assert find_mains({p: d.decode() for p, d in paper.files.items() if p.endswith(".tex")}) == \
        ["supplement.tex", "paper.tex"]
    rows, rejected = extract(paper, FigureSettings())
    assert not rejected
    files = [r["image_file"] for r in rows]
    assert sorted(files) == sorted(set(files))            # figs/loss.png once, though both documents show it
    assert {r["tex_file"] for r in rows} == {"supplement.tex", "sections/results.tex"}
    assert len(rows) == 6 and "figs/extra.png" in files


def test_subfloat_label_in_caption_resizebox_legend_and_subcaption_after_linebreak():
    figs = _figs(RESULTS)
    curves, panels = figs
    assert [(i.path, i.sub_caption, i.sub_label) for i in curves.images] == [
        ("figs/loss", r"Loss on the training set\label{fig:loss}", "fig:loss"),
        ("figs/acc", "Accuracy", None),
        ("figs/legend", None, None)]                      # the legend belongs to the figure, not a panel
    assert (curves.short, curves.label) == ("Training", "fig:curves")
    assert [(p.caption, p.label) for p in panels.panels] == [("Panel A", "fig:a"), ("Panel B", None)]
    assert panels.caption == "Two panels."


def test_one_figure_per_caption_in_minipages_and_captionof():
    figs = _figs(r"""\begin{figure}
  \begin{minipage}{.5\linewidth}\caption{Above its image.}\includegraphics{x}\end{minipage}
  \begin{minipage}{.5\linewidth}\includegraphics{y}\caption*{Not listed.}\end{minipage}
\end{figure}
\begin{minipage}{\linewidth}\includegraphics{z}\captionof{figure}[Z]{A captionof figure.}\end{minipage}
""")
    assert [(f.caption, [i.path for i in f.images], f.short) for f in figs] == [
        ("Above its image.", ["x"], None), ("Not listed.", ["y"], ""), ("A captionof figure.", ["z"], "Z")]


def test_subcaptionbox_floatrow_and_old_subfigure():
    figs = _figs(r"""\begin{figure}
  \subcaptionbox{Box one\label{s1}}{\includegraphics{p1}}
  \subcaptionbox[list]{Box two}[.4\linewidth]{\scalebox{.5}{\includegraphics{p2}}}
  \caption{Subcaption boxes.}
\end{figure}
\begin{figure}
  \begin{subfloatrow}
    \ffigbox{\includegraphics{f1}}{\caption{Row one}}
    \ffigbox{\includegraphics{f2}}{\caption{Row two}}
  \end{subfloatrow}
  \caption{Floatrow.}
\end{figure}
\begin{figure}\subfigure[Old style]{\includegraphics{o1}}\caption{Old subfigure package.}\end{figure}
""")
    assert [[(p.caption, p.short, p.images) for p in f.panels] for f in figs] == [
        [(r"Box one\label{s1}", None, ["p1"]), ("Box two", "list", ["p2"])],
        [("Row one", None, ["f1"]), ("Row two", None, ["f2"])],
        [("Old style", None, ["o1"])]]
    assert [f.caption for f in figs] == ["Subcaption boxes.", "Floatrow.", "Old subfigure package."]


def test_figure_macros_aliases_verbatim_and_bare_input():
    text = r"""\documentclass{article}
\newcommand{\fig}[3][width=\linewidth]{\begin{figure}\includegraphics[#1]{#2}\caption{#3}\end{figure}}
\let\subfig\subfloat
\renewcommand{\leftpagecontent}{\begin{figure}\includegraphics{hook}\caption{In a package hook.}\end{figure}}
\begin{document}
\fig{one}{Made by a macro.}
\fig[scale=2]{two}{Made by a macro, with an option.}
\begin{figure}\subfig[Aliased]{\includegraphics{three}}\caption{Let alias.}\end{figure}
\begin{verbatim}
\begin{figure}\includegraphics{nope}\caption{Shown as code only.}\end{figure}
\end{verbatim}
\iffalse \begin{figure}\includegraphics{off}\caption{Switched off.}\end{figure} \fi
\begin{sidewaysfigure}\includegraphics{side}\caption{Rotated \verb|\caption|.}\end{sidewaysfigure}
\input more
\end{document}
"""
    paper = Paper("p", "test", {"main.tex": text.encode(), "more.tex": rb"\begin{figure}\includegraphics{m}"
                                rb"\caption{From a bare input.}\end{figure}"})
    (doc,) = documents(paper)
    got = [(f.caption, [i.path for i in f.images]) for f in doc.figures]
    assert got == [("In a package hook.", ["hook"]), ("Made by a macro.", ["one"]),
                   ("Made by a macro, with an option.", ["two"]), ("Let alias.", ["three"]),
                   (r"Rotated \texttt{\textbackslash{}caption}.", ["side"]), ("From a bare input.", ["m"])]
    assert doc.figures[3].panels[0].caption == "Aliased"


def test_figure_commands_of_the_papers_own_package():
    main = rb"""\documentclass{article}\usepackage{graphicx,mymacros}
\begin{document}\onefig{plot}{Defined in the paper's own style file.}\end{document}"""
    sty = rb"\ProvidesPackage{mymacros}\newcommand{\onefig}[2]{\begin{figure}\includegraphics{#1}\caption{#2}\end{figure}}"
    (doc,) = documents(Paper("p", "test", {"main.tex": main, "sty/mymacros.sty": sty}))
    assert [(f.caption, [i.path for i in f.images]) for f in doc.figures] == [
        ("Defined in the paper's own style file.", ["plot"])]


def test_postscript_figure_without_showpage_or_epsf_header_is_cropped_to_its_box():
    import shutil

    import pytest

    from curate.arxiv import to_png

    if not shutil.which("gs"):
        pytest.skip("Ghostscript not installed")
    # as in REVTeX's samples: a PS header without EPSF, a bounding box, and no showpage
    ps = b"%!PS-Adobe-3.0\n%%BoundingBox: 0 0 100 100\n0 0 moveto 100 100 lineto stroke\n%%EOF\n"
    png = to_png(ps, dpi=72)
    assert (png.width, png.height, png.format) == (100, 100, "eps")


def test_nothing_after_end_document_is_read():
    main = (rb"\documentclass{article}\begin{document}\begin{figure}\includegraphics{a}\caption{Kept.}\end{figure}"
            rb"\end{document}\begin{figure}\includegraphics{b}\caption{An old draft after the end.}\end{figure}")
    (doc,) = documents(Paper("p", "test", {"main.tex": main}))
    assert [f.caption for f in doc.figures] == ["Kept."]
