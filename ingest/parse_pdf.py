"""PDF -> ParsedDocument with pdfplumber: narrative lines outside tables, and ruled table grids."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pdfplumber
import pypdfium2 as pdfium
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException
from pypdfium2.raw import FPDF_ERR_FILE, FPDF_ERR_FORMAT, FPDF_ERR_PASSWORD, FPDF_ERR_SECURITY

from assistant.errors import ParseError
from assistant.textnorm import is_amount, squash
from ingest.model import Grid, PageText, ParsedDocument
from ingest.ocr import OcrPage, pages_to_ocr, read_scan
from ingest.ocr_layout import doubtful_texts, lift_context_rows, table_grid, text_lines
from ingest.tables import is_prose_grid, is_title

# Characters of the text layer a page needs before we call it text (scanned pages have none).
MIN_TEXT_CHARS = 20
NO_TEXT = "PDF 没有文字层（可能是扫描件），需要先做文字识别"
NO_TEXT_AFTER_OCR = "PDF 没有文字层（可能是扫描件），文字识别也没有读出文字（空白页或图片）"

# Why pdfium could not open a file, by its error code (PdfiumError.err_code), in the words people read.
ENCRYPTED_OR_BROKEN = {
    FPDF_ERR_PASSWORD: "PDF 已加密，无法读取（需要密码才能打开，请导入未加密的文件）",
    FPDF_ERR_SECURITY: "PDF 已加密，无法读取（加密方式不受支持，请导入未加密的文件）",
    FPDF_ERR_FORMAT: "PDF 文件已损坏或不完整（可能没有下载完），无法读取",
    FPDF_ERR_FILE: "PDF 文件打不开（文件读取出错）",
}


class PdfParser(Protocol):
    def __call__(self, path: Path) -> ParsedDocument: ...


OnPage = Callable[[int, int], None]  # (pages done, pages to do), after each OCRed page
# A table region of a page: its bbox and what builds its Grid from the lines above and below it.
Region = tuple[tuple[float, float, float, float], Callable[[list[str], list[str]], Grid | None]]


@dataclass(frozen=True)
class PdfText:
    """Each page's text (its text layer, or what OCR read on it) and the OCR pages themselves."""

    texts: list[str]
    ocr: dict[int, OcrPage] = field(default_factory=dict)  # 1-based page -> what OCR read


def read_text_layer(path: Path, max_pages: int | None = None) -> list[str]:
    """Every page's text: see read_pdf_text."""
    return read_pdf_text(path, max_pages).texts


def read_pdf_text(path: Path, max_pages: int | None = None, on_page: OnPage | None = None) -> PdfText:
    """Every page's text layer, tables included, with pdfium (hundreds of pages a second): enough to
    read the metadata and to turn away non-disclosures before the slow table pass. A scan's pages
    without a usable text layer are recognised by OCR (seconds a page; `on_page` reports each).

    Args:
        max_pages: a PDF declaring more pages fails before any page is read (None: no limit)."""
    try:
        pdf = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        raise ParseError(_load_failure(exc)) from exc
    try:
        if max_pages is not None and len(pdf) > max_pages:
            raise ParseError(f"{path.name} 有 {len(pdf):,} 页，超过上限 {max_pages:,} 页，未读取")
        texts = []
        for i in range(len(pdf)):
            try:
                texts.append(pdf[i].get_textpage().get_text_bounded())
            except pdfium.PdfiumError as exc:
                raise ParseError(f"{ENCRYPTED_OR_BROKEN[FPDF_ERR_FORMAT]}：第 {i + 1} 页读不出来") from exc
        ocr = read_scan(pdf, pages_to_ocr(texts), on_page)
    finally:
        pdf.close()
    texts = [ocr[i].text if i in ocr else t for i, t in enumerate(texts, 1)]
    if sum(len(squash(t)) for t in texts) < MIN_TEXT_CHARS:
        raise ParseError(NO_TEXT if not ocr else NO_TEXT_AFTER_OCR)
    return PdfText(texts=texts, ocr=ocr)


def _load_failure(exc: pdfium.PdfiumError) -> str:
    known = ENCRYPTED_OR_BROKEN.get(exc.err_code) if exc.err_code is not None else None
    return known or f"PDF 文件已损坏或格式不受支持，无法读取（{exc}）"


def parse_pdf(
    path: Path, page_texts: list[str] | None = None, ocr: dict[int, OcrPage] | None = None
) -> ParsedDocument:
    """Read a PDF's text layer and ruled tables; pages in `ocr` (what read_pdf_text recognised) are
    read from their OCR words and image tables instead. Raises ParseError for unreadable files."""
    if page_texts is None:
        layer = read_pdf_text(path)
        page_texts, ocr = layer.texts, layer.ocr
    ocr = ocr or {}
    try:
        pdf = pdfplumber.open(path)
    except (PDFSyntaxError, Exception) as exc:  # pdfminer raises a zoo of types for broken files
        # pdfplumber wraps pdfminer's error, whose message is empty for a password: name the cause.
        cause = exc.args[0] if isinstance(exc, PdfminerException) and exc.args else exc
        if isinstance(cause, PDFPasswordIncorrect):
            raise ParseError(ENCRYPTED_OR_BROKEN[FPDF_ERR_PASSWORD]) from exc
        raise ParseError(f"不是可读的 PDF 文件（{type(cause).__name__}: {cause}）") from exc
    pages: list[PageText] = []
    grids: list[Grid] = []
    with pdf:
        try:
            for number, page in enumerate(pdf.pages, 1):
                scanned = ocr.get(number)
                text, page_grids = _read_ocr_page(scanned) if scanned else _read_page(page, number)
                pages.append(PageText(page=number, text=text))
                grids.extend(page_grids)
        except Exception as exc:
            raise ParseError(f"PDF 第 {len(pages) + 1} 页读不出来（{type(exc).__name__}）") from exc
        page_count = len(pdf.pages)
    total = sum(len(p.text) for p in pages) + sum(len("".join(map("".join, g.texts))) for g in grids)
    if total < MIN_TEXT_CHARS:
        raise ParseError(NO_TEXT)
    first = "\n".join(p.text for p in pages[:2])
    all_text = "\n".join([p.text for p in pages] + [ln for g in grids for ln in g.above])
    return ParsedDocument(
        path=str(path),
        format="pdf",
        pages=pages,
        grids=grids,
        page_count=page_count,
        first_text=first,
        all_text=all_text,
        page_texts=page_texts,
        ocr_pages=sorted(ocr),
        ocr_doubts=sorted((n, t) for n, p in ocr.items() for t in doubtful_texts(p)),
    )


def _read_page(page: Any, number: int) -> tuple[str, list[Grid]]:
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    # Numbers set in another font sit a few points off the baseline of their sentence (seen in ONLYOFFICE
    # exports): cluster lines with a tolerance relative to the text size, not pdfplumber's fixed 3 pt.
    sizes = sorted(c["size"] for c in page.chars) or [10.0]
    tolerance = max(3.0, 0.45 * sizes[len(sizes) // 2])
    lines = page.extract_text_lines(strip=True, return_chars=False, y_tolerance=tolerance)
    tables = [t for t in tables if _is_real_table(t)]
    tables = [t for t in tables if not _in_running_text(t, page.chars, [u.bbox for u in tables])]
    regions = [(t.bbox, functools.partial(_grid, t, number)) for t in tables]
    return _assemble(lines, regions, page.height)


def _read_ocr_page(scan: OcrPage) -> tuple[str, list[Grid]]:
    """A scanned page from its OCR words and the ruled tables found in its image."""
    grids = [(t.bbox, table_grid(t, scan.page)) for t in scan.tables]
    regions: list[Region] = [
        (bbox, functools.partial(_with_context, g))
        for bbox, g in grids
        if g.n_cols >= 2 and not _dotted([c for row in g.texts for c in row]) and not is_prose_grid(g.texts)
    ]
    return _assemble(text_lines(scan), regions, scan.height)


def _with_context(grid: Grid, above: list[str], below: list[str]) -> Grid:
    return lift_context_rows(dataclasses.replace(grid, above=above, below=below))


def _assemble(lines: list[dict[str, Any]], regions: list[Region], height: float) -> tuple[str, list[Grid]]:
    """Narrative text and grids of a page from its text lines and table regions (bbox, grid builder):
    the lines between two tables are the later table's context (title, 单位)."""
    boxes = [bbox for bbox, _ in regions]

    def inside(line: dict[str, Any]) -> bool:
        cy = (line["top"] + line["bottom"]) / 2
        cx = (line["x0"] + line["x1"]) / 2
        return any(b[0] - 2 <= cx <= b[2] + 2 and b[1] - 2 <= cy <= b[3] + 2 for b in boxes)

    outside = [ln for ln in lines if not inside(ln)]
    grids: list[Grid] = []
    listed: list[tuple[float, str]] = []  # rows of figure-free, untitled tables (unit lists): narrative
    for i, (bbox, build) in enumerate(regions):
        top, bottom = bbox[1], bbox[3]
        prev_bottom = boxes[i - 1][3] if i else 0
        next_top = boxes[i + 1][1] if i + 1 < len(boxes) else height
        above = [ln["text"] for ln in outside if prev_bottom <= ln["top"] and ln["bottom"] <= top + 1]
        below = [ln["text"] for ln in outside if bottom - 1 <= ln["top"] and ln["bottom"] <= next_top]
        grid = build(above, below)
        if grid is None:
            continue
        figures = any(
            is_amount(c) and not re.fullmatch(r"\d{1,2}", squash(c)) for row in grid.texts for c in row
        )
        if not figures and not any(is_title(ln) for ln in above):  # 序号 1, 2 … are not figures
            rows = [" ".join(dict.fromkeys(squash(c) for c in row if squash(c))) for row in grid.texts]
            listed.extend((top + k * 0.01, r) for k, r in enumerate(rows) if r)
            continue
        grids.append(grid)
    placed = sorted([(ln["top"], ln["text"]) for ln in outside] + listed)
    text = "\n".join(t for _, t in placed)
    return text, grids


def _is_real_table(table: Any) -> bool:
    rows = table.extract()
    if len(rows) < 1 or not rows[0] or len(rows[0]) < 2:
        return False
    return not _dotted([c for r in rows for c in r]) and not is_prose_grid(rows)


_SENTENCE_MARK = re.compile(r"[，。；]+")
_DECIMAL = re.compile(r"-?[\d,]+\.\d+%?")


def _in_running_text(table: Any, chars: list[dict[str, Any]], boxes: list[tuple[float, ...]]) -> bool:
    """Ruled marks inside a paragraph (underlined figures) are found as a one- or two-row "table" that
    cuts a sentence apart (“28398.” | “17”): its line of text goes on outside it. A table's rows hold
    nothing but the table."""
    if len(table.rows) > 2:
        return False
    top, bottom = table.bbox[1], table.bbox[3]

    def elsewhere(c: dict[str, Any]) -> bool:
        cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        return not any(b[0] - 1 <= cx <= b[2] + 1 and b[1] - 1 <= cy <= b[3] + 1 for b in boxes)

    beside = (c for c in chars if top <= (c["top"] + c["bottom"]) / 2 <= bottom and c["text"].strip())
    if sum(1 for c in beside if elsewhere(c)) >= 2:
        return True
    cells = [[squash(c) for c in row if squash(c)] for row in table.extract()]
    flat = [c for row in cells for c in row]
    if any(_SENTENCE_MARK.fullmatch(c) for c in flat):  # a cell holding only “，” or “。”
        return True
    if any(
        re.search(r"\d\.$", a) and re.match(r"\d", b) for row in cells for a, b in itertools.pairwise(row)
    ):
        return True  # “68632.” | “12”: one number cut in two
    # “万元，主要是” | “单位”: sentence pieces, and no amount (a 备注 may hold a sentence)
    return any(_SENTENCE_MARK.search(c) for c in flat) and not any(_DECIMAL.fullmatch(c) for c in flat)


def _dotted(cells: list[str | None]) -> bool:
    """Dotted leaders of a contents page, found as a "table" by line-based detection."""
    flat = [c for c in cells if c]
    return bool(flat) and sum("……" in c or "…" * 3 in c for c in flat) >= max(1, len(flat) // 3)


def _grid(table: Any, page: int, above: list[str], below: list[str]) -> Grid | None:
    """Fill merged cells over their span using the cell rectangles, so headers nest correctly."""
    raw = table.extract()
    rows = table.rows
    n_rows, n_cols = len(raw), max(len(r) for r in raw)
    if n_rows == 0 or n_cols == 0:
        return None
    # A row's own band is its shortest cell: a tall merged cell must not stretch the row.
    row_spans = [
        (min(b[1] for b in r.cells if b), min(b[3] for b in r.cells if b)) if any(r.cells) else r.bbox[1::2]
        for r in rows
    ]
    col_x: list[tuple[float, float]] = []
    for c in range(n_cols):
        xs = [r.cells[c] for r in rows if c < len(r.cells) and r.cells[c] is not None]
        if xs:
            col_x.append((min(b[0] for b in xs), min(b[2] for b in xs)))
        else:
            col_x.append(col_x[-1] if col_x else (0.0, 0.0))
    texts = [["" for _ in range(n_cols)] for _ in range(n_rows)]
    origin = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    for r, row in enumerate(rows):
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            text = raw[r][c] or ""
            for rr in range(r, n_rows):
                cy = (row_spans[rr][0] + row_spans[rr][1]) / 2
                if not bbox[1] - 1 <= cy <= bbox[3] + 1:
                    break
                for cc in range(c, n_cols):
                    cx = (col_x[cc][0] + col_x[cc][1]) / 2
                    if not bbox[0] - 1 <= cx <= bbox[2] + 1:
                        break
                    texts[rr][cc] = text
                    origin[rr][cc] = (r, c)
    return Grid(page=page, texts=texts, origin=origin, above=above, below=below, col_bounds=col_x)
