"""PDF -> ParsedDocument with pdfplumber: narrative lines outside tables, and ruled table grids."""

from __future__ import annotations

import re
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
from ingest.tables import is_title

# Characters of the text layer a page needs before we call it text (scanned pages have none).
MIN_TEXT_CHARS = 20

# Why pdfium could not open a file, by its error code (PdfiumError.err_code), in the words people read.
ENCRYPTED_OR_BROKEN = {
    FPDF_ERR_PASSWORD: "PDF 已加密，无法读取（需要密码才能打开，请导入未加密的文件）",
    FPDF_ERR_SECURITY: "PDF 已加密，无法读取（加密方式不受支持，请导入未加密的文件）",
    FPDF_ERR_FORMAT: "PDF 文件已损坏或不完整（可能没有下载完），无法读取",
    FPDF_ERR_FILE: "PDF 文件打不开（文件读取出错）",
}


class PdfParser(Protocol):
    def __call__(self, path: Path) -> ParsedDocument: ...


def read_text_layer(path: Path, max_pages: int | None = None) -> list[str]:
    """Every page's text layer, tables included, with pdfium (hundreds of pages a second): enough to
    read the metadata and to turn away scans and non-disclosures before the slow table pass.

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
    finally:
        pdf.close()
    if sum(len(squash(t)) for t in texts) < MIN_TEXT_CHARS:
        raise ParseError("PDF 没有文字层（可能是扫描件），需要先做文字识别")
    return texts


def _load_failure(exc: pdfium.PdfiumError) -> str:
    known = ENCRYPTED_OR_BROKEN.get(exc.err_code) if exc.err_code is not None else None
    return known or f"PDF 文件已损坏或格式不受支持，无法读取（{exc}）"


def parse_pdf(path: Path, page_texts: list[str] | None = None) -> ParsedDocument:
    """Read a PDF's text layer and ruled tables. Raises ParseError for unreadable files."""
    page_texts = page_texts if page_texts is not None else read_text_layer(path)
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
                text, page_grids = _read_page(page, number)
                pages.append(PageText(page=number, text=text))
                grids.extend(page_grids)
        except Exception as exc:
            raise ParseError(f"PDF 第 {len(pages) + 1} 页读不出来（{type(exc).__name__}）") from exc
        page_count = len(pdf.pages)
    total = sum(len(p.text) for p in pages) + sum(len("".join(map("".join, g.texts))) for g in grids)
    if total < MIN_TEXT_CHARS:
        raise ParseError("PDF 没有文字层（可能是扫描件），需要先做文字识别")
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
    )


def _read_page(page: Any, number: int) -> tuple[str, list[Grid]]:
    tables = sorted(page.find_tables(), key=lambda t: t.bbox[1])
    # Numbers set in another font sit a few points off the baseline of their sentence (seen in ONLYOFFICE
    # exports): cluster lines with a tolerance relative to the text size, not pdfplumber's fixed 3 pt.
    sizes = sorted(c["size"] for c in page.chars) or [10.0]
    tolerance = max(3.0, 0.45 * sizes[len(sizes) // 2])
    lines = page.extract_text_lines(strip=True, return_chars=False, y_tolerance=tolerance)
    tables = [t for t in tables if _is_real_table(t)]
    boxes = [t.bbox for t in tables]

    def inside(line: dict[str, Any]) -> bool:
        cy = (line["top"] + line["bottom"]) / 2
        cx = (line["x0"] + line["x1"]) / 2
        return any(b[0] - 2 <= cx <= b[2] + 2 and b[1] - 2 <= cy <= b[3] + 2 for b in boxes)

    outside = [ln for ln in lines if not inside(ln)]
    grids: list[Grid] = []
    listed: list[tuple[float, str]] = []  # rows of figure-free, untitled tables (unit lists): narrative
    for i, table in enumerate(tables):
        top, bottom = table.bbox[1], table.bbox[3]
        prev_bottom = tables[i - 1].bbox[3] if i else 0
        next_top = tables[i + 1].bbox[1] if i + 1 < len(tables) else page.height
        above = [ln["text"] for ln in outside if prev_bottom <= ln["top"] and ln["bottom"] <= top + 1]
        below = [ln["text"] for ln in outside if bottom - 1 <= ln["top"] and ln["bottom"] <= next_top]
        grid = _grid(table, number, above, below)
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
    flat = [c for r in rows for c in r if c]
    # Dotted leaders of a contents page are found as a "table" by line-based detection.
    return not (flat and sum("……" in c or "…" * 3 in c for c in flat) >= max(1, len(flat) // 3))


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
