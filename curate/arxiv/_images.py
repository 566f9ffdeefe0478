"""Finding a figure's image file as LaTeX would, and converting it to PNG.

Lookup: the name as written, relative to the including file's folder, the root
and each ``\\graphicspath`` folder, with LaTeX's extension search when the name
has none; then the same case-insensitively (``.png`` written, ``.PNG`` on disk).
Conversion: PDF (first page, pypdfium2) and EPS/PS (Ghostscript, ``-dSAFER``,
time-limited) are rendered at ``dpi``; PNG/JPEG/GIF/BMP/TIFF are decoded by Pillow
under a pixel limit (decompression bombs) and re-encoded as PNG.
"""

from __future__ import annotations

import io
import posixpath
import shutil
import subprocess
from dataclasses import dataclass

EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".eps", ".ps", ".gif", ".bmp", ".tif", ".tiff", ".svg")


class ImageError(Exception):
    """The image cannot be used; ``reason`` is the rejected-record reason."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass
class Png:
    data: bytes
    width: int
    height: int
    format: str          # the original format: pdf, eps, png, jpeg, ...


def resolve(name: str, tex_file: str | None, search: list[str], files) -> str | None:
    """The repository path of image ``name`` (None if it is not there)."""
    name = name.strip().strip('"')
    here = posixpath.dirname(tex_file or "")
    bases = [here, ""] + [posixpath.join(here, d) for d in search] + list(search)
    has_ext = posixpath.splitext(name)[1].lower() in EXTENSIONS
    candidates = []
    for base in bases:
        stem = posixpath.normpath(posixpath.join(base, name))
        candidates += [stem] if has_ext else [stem + e for e in EXTENSIONS] + [stem]
    for c in candidates:
        if c in files:
            return c
    lower = {p.lower(): p for p in files}
    for c in candidates:
        if c.lower() in lower:
            return lower[c.lower()]
    return None


def _kind(data: bytes) -> str:
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[:4] in (b"%!PS", b"\xc5\xd0\xd3\xc6"):
        return "eps"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if b"<svg" in data[:1000]:
        return "svg"
    return "unknown"


def _png(img, fmt: str, max_pixels: int) -> Png:
    if img.width * img.height > max_pixels:
        scale = (max_pixels / (img.width * img.height)) ** 0.5
        img = img.resize((max(1, int(img.width * scale)), max(1, int(img.height * scale))))
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    elif img.mode not in ("RGB", "RGBA", "L", "LA"):
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return Png(out.getvalue(), img.width, img.height, fmt)


def to_png(data: bytes, *, dpi: int = 100, max_pixels: int = 25_000_000, max_bytes: int = 50 << 20,
           timeout: float = 30.0) -> Png:
    """PNG bytes of an image file's content (see module docstring); raises :class:`ImageError`."""
    from PIL import Image

    if len(data) > max_bytes:
        raise ImageError("image_too_large", f"{len(data)} bytes > {max_bytes}")
    kind = _kind(data)
    if kind == "pdf":
        import pypdfium2 as pdfium

        try:
            pdf = pdfium.PdfDocument(data)
            page = pdf[0]
            w, h = page.get_size()
            scale = min(dpi / 72, (max_pixels / max(w * h * (dpi / 72) ** 2, 1)) ** 0.5 * dpi / 72)
            img = page.render(scale=scale).to_pil()
            pdf.close()
        except Exception as exc:                     # pdfium raises its own error types
            raise ImageError("image_unreadable", f"pdf: {exc}") from exc
        return _png(img, "pdf", max_pixels)
    if kind == "eps":
        gs = shutil.which("gs")
        if not gs:
            raise ImageError("no_ghostscript", "EPS/PS needs Ghostscript (gs) installed")
        if data[:4] == b"%!PS" and b"EPSF" not in data[:40] and b"%%BoundingBox:" in data[:2000]:
            # a PostScript file with a bounding box, included as a figure: cropped like an EPS
            data = b"%!PS-Adobe-3.0 EPSF-3.0" + data[data.find(b"\n"):]
        try:
            done = subprocess.run([gs, "-dSAFER", "-dBATCH", "-dNOPAUSE", "-dQUIET", "-dEPSCrop", "-sDEVICE=png16m",
                                   f"-r{dpi}", "-sOutputFile=-", "-"], input=data + b"\nshowpage\n", capture_output=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise ImageError("image_timeout", f"ghostscript took over {timeout}s") from exc
        if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
            raise ImageError("image_unreadable", f"ghostscript: {done.stderr.decode(errors='replace')[:200]}")
        # an EPS need not end with showpage (the including program prints it): one is added, and
        # only the first page is kept (the second is blank when the file had its own)
        data = done.stdout.split(b"IEND\xaeB`\x82", 1)[0] + b"IEND\xaeB`\x82"
        kind = "eps"
    elif kind in ("unknown", "svg"):
        raise ImageError("image_format", f"unsupported image format ({kind})")
    Image.MAX_IMAGE_PIXELS = max_pixels * 4          # Pillow raises DecompressionBombError beyond 2x this
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > max_pixels * 4:
                raise ImageError("image_bomb", f"{img.width}x{img.height} pixels")
            img.load()
            return _png(img.copy(), kind, max_pixels)
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageError("image_bomb", str(exc)) from exc
    except Exception as exc:
        raise ImageError("image_unreadable", f"{kind}: {exc}") from exc
