"""Scans made from real disclosures: each page rendered to a grey image at 150-200 dpi, turned by a small
skew, sprinkled with noise, JPEG-compressed and rebuilt into an image-only PDF (no text layer), as a
printed copy put through an office scanner comes out. The original's hand-verified gold cells are the
gold for the scan (tests/golden/corpus). Generated files are never stored in the repository.

    python -m tests.scan_fixtures SRC.pdf OUT.pdf [--pages 1,6,7] [--dpi 170] [--skew 1.5]
"""

from __future__ import annotations

import argparse
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image


@dataclass(frozen=True)
class ScanStyle:
    """How rough the scan is. Defaults: a clean office scanner, a sheet fed a little crooked."""

    dpi: int = 170
    skew: float = 1.5  # degrees, counter-clockwise; alternate pages get the opposite sign
    noise: float = 8.0  # standard deviation of grey-level noise (0-255)
    jpeg_quality: int = 70
    sideways: bool = True  # pages stored with /Rotate 90 are scanned as the sheet lies (text sideways)
    seed: int = 0


def scan_pdf(
    src: Path, dst: Path, pages: Sequence[int] | None = None, style: ScanStyle = ScanStyle()
) -> Path:
    """Write an image-only PDF of `pages` (1-based, default all) of `src` to `dst`."""
    rng = np.random.default_rng(style.seed)
    pdf = pdfium.PdfDocument(src)
    try:
        numbers = list(pages) if pages else list(range(1, len(pdf) + 1))
        images = [_scan_page(pdf[n - 1], k, style, rng) for k, n in enumerate(numbers)]
    finally:
        pdf.close()
    dst.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(dst, "PDF", resolution=float(style.dpi), save_all=True, append_images=images[1:])
    return dst


def page_map(pages: Sequence[int]) -> dict[int, int]:
    """Original page -> page of the scan made from `pages`."""
    return {n: i for i, n in enumerate(pages, 1)}


def _scan_page(page: pdfium.PdfPage, k: int, style: ScanStyle, rng: np.random.Generator) -> Image.Image:
    rotation = page.get_rotation()
    # pdfium draws a page as it is viewed (its /Rotate applied); turning it back gives the sheet as it
    # went through the scanner, with a landscape table lying sideways on a portrait image.
    undo = (360 - rotation) % 360 if style.sideways and rotation in (90, 270) else 0
    image = page.render(scale=style.dpi / 72, rotation=undo, grayscale=True).to_pil().convert("L")
    angle = style.skew if k % 2 == 0 else -style.skew
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    grey = np.asarray(image, dtype=np.float32) + rng.normal(0.0, style.noise, (image.height, image.width))
    image = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), mode="L")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=style.jpeg_quality)
    buffer.seek(0)
    return Image.open(buffer).convert("L")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", type=Path)
    parser.add_argument("dst", type=Path)
    parser.add_argument("--pages", default="", help="1-based pages, comma-separated (default all)")
    parser.add_argument("--dpi", type=int, default=ScanStyle.dpi)
    parser.add_argument("--skew", type=float, default=ScanStyle.skew)
    args = parser.parse_args(argv)
    pages = [int(p) for p in args.pages.split(",") if p]
    scan_pdf(args.src, args.dst, pages or None, ScanStyle(dpi=args.dpi, skew=args.skew))


if __name__ == "__main__":
    main()
