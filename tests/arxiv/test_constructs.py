"""Hand-written papers: every figure construct, include form and image format; hostile sources."""

import gzip
import shutil
import io
import tarfile

import pytest
from PIL import Image

from curate.arxiv import FigureSettings, Paper, clean_caption, extract, from_bytes, read_papers
from curate.errors import ShardError
from pipelines.arxiv import ArxivConfig, run


def _img(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt)
    return out.getvalue()


EPS = (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 72 36\n"
       b"newpath 0 0 moveto 72 36 lineto stroke\nshowpage\n")

MAIN = r"""\documentclass{article}
\usepackage{graphicx,subcaption,wrapfig,sidecap}
\graphicspath{
  {img/}
  {more/}}
\newcommand{\method}{\textsc{Fast}Net}
\def\dataset{ImageNet}
\newcommand{\pair}[2]{#1 versus #2}
\begin{document}
% \input{commented-out}
\input{sections/intro}
\include{sections/body.tex}
\subfile{sections/extra}
\import{chapters/}{appendix}
\begin{figure*}[t]
  \includegraphics{wide}
  \caption[Short]{The long caption of \method{} on \dataset, 50\% better: $\alpha_1 < \beta$.}\label{fig:wide}
\end{figure*}
\begin{wrapfigure}{r}{0.4\textwidth}
  \includegraphics[width=\linewidth]{Photo.JPG}
  \caption{A wrapped figure, \pair{ours}{theirs}, see Fig.~\ref{fig:wide} and \cite{knuth}.}
\end{wrapfigure}
\begin{SCfigure}
  \includegraphics{side.gif}
  \caption{A side caption figure with an \emph{emphasised} word and caf\'e.}
\end{SCfigure}
\noindent\begin{minipage}{.5\textwidth}
  \includegraphics{mini}
  \captionof{figure}{A figure set in a minipage with captionof.}\label{fig:mini}
\end{minipage}
\begin{figure}
  \begin{subfigure}{.5\textwidth}\includegraphics{a}\caption{Left part}\label{fig:sub-a}\end{subfigure}
  \begin{subfigure}{.5\textwidth}\includegraphics{b}\caption{Right part}\end{subfigure}
  \caption{Two subfigures from the subcaption package.}\label{fig:subs}
\end{figure}
\begin{figure}
  \subcaptionbox{Box one\label{fig:box1}}{\includegraphics{a}}
  \subcaptionbox{Box two}[.4\textwidth]{\includegraphics{b}}
  \caption{Two subcaption boxes side by side.}
\end{figure}
\begin{figure}
  \subfloat[First float]{\includegraphics{a}}
  \subfloat[][Second float]{\includegraphics{b}}
  \caption{Two subfloats from the subfig package.}
\end{figure}
\begin{figure}
  \subfigure[Old style one]{\includegraphics{a}}
  \subfigure[Old style two]{\includegraphics{b}}
  \caption{The old subfigure package.}
\end{figure}
\begin{figure}
  \includegraphics{a}\includegraphics{b}\includegraphics{vector}
  \caption{Three images and no subcaptions.}
\end{figure}
\begin{figure}\includegraphics{missing}\caption{This image is not in the source.}\end{figure}
\begin{figure}\includegraphics{a}\caption{}\end{figure}
\begin{figure}\includegraphics{a}\caption{Tiny}\end{figure}
\end{document}
"""


def paper_files() -> dict[str, bytes]:
    return {
        "main.tex": MAIN.encode(),
        "sections/intro.tex": rb"\begin{figure}\includegraphics{intro}\caption{Figure from an input file.}\end{figure}",
        "sections/body.tex": rb"\input{loop}",
        "sections/loop.tex": rb"\input{body}",                      # an include loop
        "sections/extra.tex": rb"\begin{figure}\includegraphics{extra}\caption{From a subfile, no extension.}\end{figure}",
        "chapters/appendix.tex": rb"\begin{figure}\includegraphics{app}\caption{From an imported chapter file.}\end{figure}",
        "img/wide.pdf": _img("PDF", (144, 72)),
        "img/photo.jpg": _img("JPEG"),
        "img/side.gif": _img("GIF"),
        "more/mini.png": _img("PNG"),
        "img/a.png": _img("PNG", (10, 10)),
        "img/b.png": _img("PNG", (20, 10)),
        "img/vector.eps": EPS,
        "img/intro.png": _img("PNG"),
        "img/extra.png": _img("PNG"),
        "img/app.png": _img("PNG"),
    }


@pytest.fixture(scope="module")
def result():
    return extract(Paper("2401.00001", "mem", paper_files()), FigureSettings())


def test_every_construct(result):
    rows, rejected = result
    by_fig: dict = {}
    for r in rows:
        by_fig.setdefault(r["caption"], []).append(r)
    caps = list(by_fig)
    assert caps[:4] == ["Figure from an input file.", "From a subfile, no extension.", "From an imported chapter file.",
                        "The long caption of FastNet on ImageNet, 50% better: $\\alpha_1 < \\beta$."]
    wide = by_fig[caps[3]][0]
    assert (wide["image_format"], wide["width"], wide["height"], wide["label"]) == ("pdf", 200, 100, "fig:wide")
    wrapped = by_fig["A wrapped figure, ours versus theirs, see Fig. [ref] and [cite]."][0]
    assert (wrapped["image_file"], wrapped["image_format"]) == ("img/photo.jpg", "jpeg")   # Photo.JPG, case-insensitive
    assert by_fig["A side caption figure with an emphasised word and café."][0]["image_format"] == "gif"
    mini = by_fig["A figure set in a minipage with captionof."][0]
    assert (mini["image_file"], mini["label"]) == ("more/mini.png", "fig:mini")           # second graphicspath folder
    for caption, subs in (("Two subfigures from the subcaption package.", ["Left part", "Right part"]),
                          ("Two subcaption boxes side by side.", ["Box one", "Box two"]),
                          ("Two subfloats from the subfig package.", ["First float", "Second float"]),
                          ("The old subfigure package.", ["Old style one", "Old style two"])):
        got = by_fig[caption]
        assert [r["sub_caption"] for r in got] == subs and [r["subfigure_index"] for r in got] == [0, 1]
        assert [r["image_file"] for r in got] == ["img/a.png", "img/b.png"]
    assert by_fig["Two subfigures from the subcaption package."][0]["label"] == "fig:sub-a"
    assert by_fig["Two subcaption boxes side by side."][0]["label"] == "fig:box1"
    three = by_fig["Three images and no subcaptions."]
    reasons = sorted(reason for _, reason, _ in rejected)
    expected = ["empty_caption", "include_problem", "missing_image", "short_caption"]
    if shutil.which("gs"):
        assert [(r["subfigure_index"], r["sub_caption"], r["image_format"]) for r in three] == [
            (0, None, "png"), (1, None, "png"), (2, None, "eps")]
        assert (three[2]["width"], three[2]["height"]) == (100, 50)                         # EPS at 100 dpi
    else:                                  # the README's test command installs Ghostscript; without it:
        expected = sorted(expected + ["no_ghostscript"])
    assert reasons == expected
    assert any("include loop" in detail for _, reason, detail in rejected if reason == "include_problem")


def test_caption_cleaning():
    assert clean_caption(r"Accuracy \textbf{vs.} size\footnote{note} \(x^2\) and $$\sum_i y_i$$ \% done") == \
        "Accuracy vs. size $x^2$ and $$\\sum_i y_i$$ % done"
    assert clean_caption(r"\caption-free \'{e}l\`eve \v{s} \& co --- ok") == "-free élève š & co — ok"


def _targz(members: dict[str, bytes], extra=None) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra or []:
            tar.addfile(info)
    return gzip.compress(raw.getvalue())


def test_arxiv_source_formats_bulk_tar_and_pipeline(tmp_path):
    files = paper_files()
    (tmp_path / "2401.00001").write_bytes(_targz(files))           # arXiv serves it without an extension
    single = rb"\documentclass{article}\begin{document}\begin{figure}\includegraphics{x}\caption{Only text here.}\end{figure}\end{document}"
    (tmp_path / "2401.00002.gz").write_bytes(gzip.compress(single))
    bulk = io.BytesIO()
    with tarfile.open(fileobj=bulk, mode="w") as tar:
        for name in ("2401.00001", "2401.00002.gz"):
            data = (tmp_path / name).read_bytes()
            info = tarfile.TarInfo(f"2401/{name if name.endswith('.gz') else name + '.gz'}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    (tmp_path / "arXiv_src_2401_001.tar").write_bytes(bulk.getvalue())
    p1 = next(read_papers(str(tmp_path / "2401.00001")))
    assert p1.paper_id == "2401.00001" and "main.tex" in p1.files and len(p1.files) == len(files)
    p2 = next(read_papers(str(tmp_path / "2401.00002.gz")))
    assert list(p2.files) == ["main.tex"]                          # a gzipped .tex, found by content
    papers = list(read_papers(str(tmp_path / "arXiv_src_2401_001.tar")))
    assert [p.paper_id for p in papers] == ["2401.00001", "2401.00002"]
    out = tmp_path / "out"
    summary = run(ArxivConfig(sources=(str(tmp_path / "arXiv_src_2401_001.tar"),), out=str(out), arxivcap=True))
    images = 18 if shutil.which("gs") else 17             # one EPS among them
    assert summary.papers == 2 and summary.figures == images and summary.rejected["missing_image"] == 2
    from curate.query import connect

    con = connect(out)
    assert con.execute("SELECT count(*) FROM figures WHERE paper_id = '2401.00001'").fetchall()[0][0] == images
    cap = con.execute("SELECT len(caption_images) FROM arxivcap WHERE arxiv_id = '2401.00001'").fetchall()[0][0]
    assert cap == 12
    again = run(ArxivConfig(sources=(str(tmp_path / "arXiv_src_2401_001.tar"),), out=str(out), arxivcap=True))
    assert again.inputs == 0 and again.skipped == 1


def test_hostile_sources_are_refused_without_writing_outside(tmp_path):
    link = tarfile.TarInfo("evil-link")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    dev = tarfile.TarInfo("dev")
    dev.type = tarfile.CHRTYPE
    data = _targz({"main.tex": paper_files()["main.tex"], "../../escape.tex": b"x", "/abs/x.png": b"y"}, [link, dev])
    before = set(tmp_path.parent.rglob("*"))
    paper = from_bytes("bad", "mem", data, max_bytes=10 << 20)
    assert set(tmp_path.parent.rglob("*")) == before
    assert list(paper.files) == ["main.tex"]
    assert sorted(r for _, r, _ in paper.refused) == ["unsafe_path"] * 4
    bomb = gzip.compress(b"\0" * (30 << 20))                       # 30 MB of zeros, about 30 KB gzipped
    (tmp_path / "bomb.gz").write_bytes(bomb)
    with pytest.raises(ShardError, match="bomb"):
        next(read_papers(str(tmp_path / "bomb.gz"), max_bytes=1 << 20))
    out = tmp_path / "out"
    summary = run(ArxivConfig(sources=(str(tmp_path / "bomb.gz"),), out=str(out), max_paper_bytes=1 << 20))
    assert summary.failed and "bomb" in summary.failed[0][1]
    png = io.BytesIO()
    Image.new("L", (6000, 6000)).save(png, format="PNG")          # 36 Mpx that compresses to almost nothing
    rows, rejected = extract(Paper("p", "mem", {"m.tex": rb"\documentclass{x}\begin{document}\begin{figure}"
                                                 rb"\includegraphics{big}\caption{A very large image.}\end{figure}"
                                                 rb"\end{document}", "big.png": png.getvalue()}),
                             FigureSettings(max_pixels=1_000_000))
    assert not rows and rejected[0][1] == "image_bomb"


def test_paper_over_http_from_a_loopback_server(tmp_path):
    from tests.http_server import CCServer

    with CCServer("CC-MAIN-2024-10", []) as server:
        server.files["/src/2401.00001"] = _targz(paper_files())
        out = tmp_path / "out"
        summary = run(ArxivConfig(sources=(f"{server.url}/src/2401.00001",), out=str(out)))
    assert summary.papers == 1 and summary.figures == (18 if shutil.which("gs") else 17) and not summary.failed
