"""OCR of PDF pages without a usable text layer (scans): render with pypdfium2, turn sideways pages
upright, straighten small skews, recognise with RapidOCR, and find the ruled tables in the image.

RapidOCR (`rapidocr-onnxruntime`, Apache-2.0) runs the PP-OCRv4 Chinese detection and recognition models
that ship inside its wheel on onnxruntime: nothing is downloaded at run time. The result (`OcrPage`)
holds words with their boxes and the table cells, in PDF points, and is pickled to the parse workers;
`ingest.ocr_layout` turns it into the text lines and Grids that text pages give.
"""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pypdfium2 as pdfium
from rapidocr_onnxruntime import RapidOCR

from assistant.textnorm import squash, to_halfwidth
from ingest.ocr_rulings import Table, Word, find_tables

LEXICON = Path(__file__).parent / "lexicon" / "ocr.toml"
DPI = 200  # scans are published at 150-300 dpi; 200 reads 9 pt table digits reliably
SCALE = DPI / 72
MIN_TEXT_CHARS = 20  # a page with fewer text-layer characters has no text layer
READABLE = 0.6  # share of readable characters below which a text layer is garbage (broken font maps)
SCAN_SHARE = 0.5  # a document is a scan when at least this share of its pages has no usable text layer
MAX_SKEW = 5.0  # degrees searched when straightening
BLANK_INK = 0.002  # share of dark pixels below which a page is blank and not recognised
UPRIGHT_SAMPLE = 6  # text lines read both ways to tell which way up a page is
UPSIDE_DOWN_MARGIN = 0.15  # mean score gain a 180° turn needs before a page is taken as upside down

_READABLE_CHAR = re.compile(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef0-9A-Za-z.,:;%()\-\s“”‘’、《》·—…]")
_NUMBER_GAP = re.compile(r"(?<=\d[,.])\s+(?=\d)|(?<=\d)\s+(?=[,.]\d)")  # "49,567. 45" -> "49,567.45"
_NUMBER_COMMA = re.compile(r"(?<=\d)，(?=\d{3}(?!\d))")  # "1，234.00"
_NUMBER_POINT = re.compile(r"(?<=\d)[。．](?=\d)")  # "1,234。00"
_DIGITS_WITH_O = re.compile(r"(?=.*\d)[\dOo,.]+")  # "1O" in a code column is 10


@dataclass(frozen=True)
class OcrPage:
    """What OCR read on one page: words outside tables, tables, and how the image was straightened."""

    page: int
    width: float
    height: float
    words: tuple[Word, ...]
    tables: tuple[Table, ...]
    turned: int = 0  # degrees the image was turned clockwise to stand upright (0, 90, 180, 270)
    skew: float = 0.0  # degrees of skew removed
    seconds: float = 0.0

    @property
    def text(self) -> str:
        """All recognised text in reading order (tables included), for metadata and the scan check."""
        words = [*self.words, *(w for t in self.tables for c in t.cells for w in c.words)]
        return "\n".join(w.text for w in sorted(words, key=lambda w: (round(w.top / 6), w.x0)))


def usable_text(text: str) -> bool:
    """A text layer worth reading: enough characters, mostly readable (not a broken font's codes)."""
    chars = squash(text)
    if len(chars) < MIN_TEXT_CHARS:
        return False
    return len(_READABLE_CHAR.findall(chars)) >= READABLE * len(chars)


def pages_to_ocr(texts: list[str]) -> list[int]:
    """1-based pages to recognise: in a scan, every page without a usable text layer; none in a text
    PDF, whose text-less pages are covers, stamps and separators (measured: 32 such pages in 14 of the
    corpus's text PDFs, 91 in 46 of the bench's), so text PDFs ingest as fast and as before."""
    missing = [i for i, t in enumerate(texts, 1) if not usable_text(t)]
    return missing if texts and len(missing) >= SCAN_SHARE * len(texts) else []


@cache
def _confusions() -> dict[str, str]:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))["confusions"]


@cache
def _engine() -> RapidOCR:
    return RapidOCR(print_verbose=False)


def recognise_page(pdf: pdfium.PdfDocument, number: int) -> OcrPage:
    """Render page `number` (1-based), straighten it and recognise its words and ruled tables."""
    started = time.perf_counter()
    gray = pdf[number - 1].render(scale=SCALE, grayscale=True).to_numpy()
    gray = np.ascontiguousarray(gray[:, :, 0] if gray.ndim == 3 else gray)
    ink = gray < 128
    if ink.mean() < BLANK_INK:
        h, w = gray.shape
        return OcrPage(number, w / SCALE, h / SCALE, (), (), seconds=time.perf_counter() - started)
    turned = _upright_turn(gray)
    gray = np.ascontiguousarray(np.rot90(gray, k=-turned // 90)) if turned else gray
    skew = _skew_angle(gray)
    if abs(skew) >= 0.05:
        gray = _rotate(gray, skew)
    words = _recognise(gray)
    tables, outside = find_tables(gray, words, SCALE, _reread)
    h, w = gray.shape
    return OcrPage(
        page=number,
        width=w / SCALE,
        height=h / SCALE,
        words=tuple(outside),
        tables=tuple(tables),
        turned=turned,
        skew=skew,
        seconds=time.perf_counter() - started,
    )


def _recognise(gray: np.ndarray) -> list[Word]:
    """Words in PDF points; boxes are axis-aligned (the page is already straight)."""
    result, _ = _engine()(cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR), use_cls=False)
    words = []
    for box, text, score in result or []:
        pts = np.asarray(box, dtype=float)
        cleaned = clean_text(text)
        if cleaned:
            x0, y0 = pts.min(axis=0) / SCALE
            x1, y1 = pts.max(axis=0) / SCALE
            words.append(Word(cleaned, x0, y0, x1, y1, float(score)))
    return words


def _reread(gray: np.ndarray, box: tuple[int, int, int, int]) -> tuple[str, float]:
    """Recognise one crop (pixels x0, y0, x1, y1) as a single text line: a piece of a detected box
    that crossed a cell wall."""
    x0, y0, x1, y1 = box
    crop = gray[max(y0, 0) : y1, max(x0, 0) : x1]
    if crop.size == 0 or (crop < 128).mean() < 0.01:
        return "", 0.0
    crop = cv2.copyMakeBorder(crop, 6, 6, 6, 6, cv2.BORDER_CONSTANT, value=255)
    result, _ = _engine()(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False)
    if not result:
        return "", 0.0
    text, score = result[0]
    return clean_text(text), float(score)


def clean_text(text: str) -> str:
    """Half-width digits, and a number written as printed: no spaces inside it, and the full-width
    comma or point the recogniser sometimes reads between its digits made ASCII."""
    text = to_halfwidth(text).strip()
    for wrong, right in _confusions().items():
        text = text.replace(wrong, right)
    text = _NUMBER_COMMA.sub(",", _NUMBER_POINT.sub(".", text))
    text = _NUMBER_GAP.sub("", text)
    return text.replace("O", "0").replace("o", "0") if _DIGITS_WITH_O.fullmatch(text) else text


def _upright_turn(gray: np.ndarray) -> int:
    """Clockwise turn (0/90/180/270) that makes the text upright. Text lines of a sideways page are
    tall boxes; which way up is decided by how well the recogniser reads its longest lines each way.
    (RapidOCR's own per-box 180° classifier is off: it turns short figures over, "99" -> "66".)"""
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    boxes, _ = _engine()(cv2.cvtColor(small, cv2.COLOR_GRAY2BGR), use_cls=False, use_rec=False)
    if not boxes:
        return 0
    quads = [np.asarray(b, dtype=float) * 2 for b in boxes]
    sizes = [np.ptp(q, axis=0) for q in quads]
    wide = [q for q, (w, h) in zip(quads, sizes, strict=True) if w > 2 * h]
    tall = [q for q, (w, h) in zip(quads, sizes, strict=True) if h > 2 * w]
    sideways = len(tall) > max(len(wide), 3)
    longest = sorted(tall if sideways else wide, key=lambda q: -np.ptp(q, axis=0).max())[:UPRIGHT_SAMPLE]

    def score(k: int) -> float:
        """Mean recognition score of the sample lines turned by k x 90° counter-clockwise."""
        total = 0.0
        for q in longest:
            (x0, y0), (x1, y1) = q.min(axis=0).astype(int), q.max(axis=0).astype(int)
            crop = np.ascontiguousarray(np.rot90(gray[y0:y1, x0:x1], k=k))
            if crop.size:
                result, _ = _engine()(cv2.cvtColor(crop, cv2.COLOR_GRAY2BGR), use_det=False, use_cls=False)
                total += float(result[0][1]) if result else 0.0
        return total / max(len(longest), 1)

    # np.rot90 with k=1 turns counter-clockwise: a clockwise turn of 270.
    if sideways:
        return 270 if score(1) > score(-1) else 90
    return 180 if longest and score(2) > score(0) + UPSIDE_DOWN_MARGIN else 0


def _skew_angle(gray: np.ndarray) -> float:
    """Skew in degrees by projection profile: the angle at which row sums of ink are sharpest (text
    lines and rulings line up). Coarse search over ±MAX_SKEW, then a fine one around the best."""
    scale = 800 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.uint8) * 255

    def sharpness(angle: float) -> float:
        rows = _rotate(ink, angle, fill=0).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    coarse = max(np.arange(-MAX_SKEW, MAX_SKEW + 0.01, 0.25), key=sharpness)
    fine = max(np.arange(coarse - 0.25, coarse + 0.26, 0.05), key=sharpness)
    return round(float(fine), 2)


def _rotate(img: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    """The image turned by `angle` degrees (counter-clockwise positive, as cv2), same size."""
    h, w = img.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR, borderValue=fill)


def read_scan(
    pdf: pdfium.PdfDocument, pages: list[int], on_page: Callable[[int, int], None] | None = None
) -> dict[int, OcrPage]:
    """Recognise `pages` (1-based); `on_page(done, total)` is called after each page."""
    out: dict[int, OcrPage] = {}
    for i, number in enumerate(pages, 1):
        out[number] = recognise_page(pdf, number)
        if on_page is not None:
            on_page(i, len(pages))
    return out
