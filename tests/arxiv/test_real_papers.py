"""The two real arXiv sources of ../shared/data/arxiv."""

import pytest

from curate.arxiv import FigureSettings, extract, read_papers


@pytest.fixture(scope="module")
def rk(shared):
    rows, rejected = extract(next(read_papers(str(shared / "arxiv" / "rk-bfr-preprint"))), FigureSettings())
    return rows, rejected


@pytest.fixture(scope="module")
def plasma(shared):
    rows, rejected = extract(next(read_papers(str(shared / "arxiv" / "plasma-partition"))), FigureSettings())
    return rows, rejected


def test_rk_bfr_figures_subfigures_input_and_graphicspath(rk):
    rows, rejected = rk
    assert not rejected
    assert len({r["figure_index"] for r in rows}) == 17 and len(rows) == 21
    assert all(r["image_format"] == "pdf" and r["image_file"].startswith("figures/") for r in rows)
    # extension-less names found through the multi-line \graphicspath{{./},{./figures}}
    first = rows[0]
    assert (first["image_path"], first["image_file"], first["label"]) == ("reg_rkhs", "figures/reg_rkhs.pdf",
                                                                          "fig:reg_rkhs")
    assert first["caption"].startswith("Mean and standard error of RMSE of predictors (lower is better)")
    # the supplement comes in through \input{paper-supplement.tex}
    assert {r["tex_file"] for r in rows} == {"paper.tex", "paper-supplement.tex"}
    assert sum(r["tex_file"] == "paper-supplement.tex" for r in rows) == 15
    # five subcaption subfigures of one figure, paired with its main caption
    trace = [r for r in rows if r["label"] == "fig:trace-plot"]
    assert [r["subfigure_index"] for r in trace] == [0, 1, 2, 3, 4]
    assert [r["image_path"] for r in trace] == [f"reg_analysis_trace_{i}" for i in range(1, 6)]
    assert trace[0]["caption"] == ("Posterior distribution (left) and trace (right) of all the $\\beta_j^*$, "
                                   "combined for all $p$.")
    assert all(r["sub_caption"] is None for r in trace)
    # PDF first pages rendered at 100 dpi
    assert (first["width"], first["height"]) == (1332, 808)
    assert all(r["image"][:8] == b"\x89PNG\r\n\x1a\n" for r in rows)


def test_plasma_partition_png_case_and_captions(plasma):
    rows, rejected = plasma
    assert not rejected and len(rows) == 8
    assert [r["subfigure_index"] for r in rows] == [None] * 8
    by_label = {r["label"]: r for r in rows}
    chem = by_label["fig:chemicalpotential"]
    assert (chem["image_path"], chem["image_file"]) == ("plots/ChemicalPotential_06.png", "plots/ChemicalPotential_06.PNG")
    assert sum(r["image_file"].endswith(".PNG") for r in rows) == 3
    schematic = by_label["fig:schematic"]
    assert (schematic["width"], schematic["height"], schematic["image_format"]) == (1284, 451, "png")
    assert by_label["fig:densityratio"]["image_format"] == "jpeg"
    assert by_label["fig:densityratio"]["caption"] == (
        "Number density of electron $e^{-}$ and positron $e^{+}$ to baryon ratio $n_{e^{\\pm}}/n_{B}$ as a function "
        "of photon temperature in the universe. See text in Sect. [ref] for further details.")   # \\rsec expanded
    assert by_label["fig:magnet"]["caption"].startswith("The magnetization ${\\mathfrak M}$, with $g=2$")
