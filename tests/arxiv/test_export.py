"""``curate arxiv export`` and the report's thumbnails, on a real paper of ../shared/data/arxiv."""

import json
import subprocess
import sys

import pytest
from PIL import Image

from curate.arxiv import image_name


@pytest.fixture(scope="module")
def figs(shared, tmp_path_factory):
    root = tmp_path_factory.mktemp("figs")
    cli = [sys.executable, "-m", "curate"]
    subprocess.run(cli + ["arxiv", str(shared / "arxiv" / "plasma-partition"), "--out", str(root / "figs"), "-q"],
                   check=True, capture_output=True)
    return root, cli


def test_export_writes_pngs_and_jsonl_and_rewrites_identically(figs):
    root, cli = figs
    out = root / "png"
    done = subprocess.run(cli + ["arxiv", "export", str(root / "figs"), "--out", str(out)], capture_output=True,
                          text=True, check=True)
    assert "exported 8 figure images of 1 papers" in done.stdout
    lines = [json.loads(line) for line in (out / "figures.jsonl").read_text().splitlines()]
    assert len(lines) == 8 and {line["paper_id"] for line in lines} == {"plasma-partition"}
    assert {"image", "caption", "sub_caption", "paper_id"} <= set(lines[0])
    chem = next(line for line in lines if line["label"] == "fig:chemicalpotential")
    with Image.open(out / chem["image"]) as img:             # the PNG named in the line, at the recorded size
        assert (img.format, img.width, img.height) == ("PNG", chem["width"], chem["height"])
    assert {p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()} == {0o644}   # for others to read
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    subprocess.run(cli + ["arxiv", "export", str(root / "figs"), "--out", str(out)], check=True, capture_output=True)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_export_of_a_root_without_figures_is_one_line_exit_2(tmp_path, figs):
    _, cli = figs
    (tmp_path / "empty" / "_ledger").mkdir(parents=True)
    done = subprocess.run(cli + ["arxiv", "export", str(tmp_path / "empty"), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1 and "no figures" in done.stderr


def test_image_names_stay_inside_the_output():
    assert image_name("hep-th/9901001", 3, 1) == "images/hep-th_9901001/3-1.png"
    for hostile in ("../../etc", "/abs", "..", "a/../../b"):
        name = image_name(hostile, 0, None)
        assert name.count("/") == 2 and ".." not in name.split("/")


def test_stats_html_shows_figure_thumbnails(figs):
    root, cli = figs
    report = root / "report.html"
    subprocess.run(cli + ["stats", "--root", str(root / "figs"), "--html", str(report)], check=True,
                   capture_output=True)
    text = report.read_text()
    assert text.count("<figure><img src=\"data:image/png;base64,") == 6
    assert "plasma-partition</b>: Number density of electron" in text
