"""Excel (.xlsx, legacy .xls) and Word (.docx) -> the same ParsedDocument as a PDF.

A workbook's sheets are its pages (page = sheet index, 1-based): each sheet holding a table becomes one
Grid, the rows above its header (the title "…表", the "编制部门 … 单位：万元" line) becoming the grid's
`above` lines, exactly the lines a PDF page prints above a ruled table. Merged cells are spread over
their span with `origin` naming the span's first cell, as parse_pdf does from cell rectangles, so
ingest/tables.py reads both the same way. A Word file has no pages: its paragraphs are narrative lines
(headings kept as lines for the section splitter) and its tables are grids, with the paragraphs just
above a table as that table's `above` lines.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from xml.etree.ElementTree import iterparse

import docx
import openpyxl
import xlrd
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph
from openpyxl.utils import range_boundaries

from assistant.errors import ParseError
from assistant.textnorm import find_unit, is_amount, squash
from ingest.model import Grid, PageText, ParsedDocument
from ingest.tables import is_title

OFFICE_SUFFIXES = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".docx": "docx"}
MIN_TEXT_CHARS = 20
ABOVE_LINES = 6  # paragraphs before a Word table searched for its title and 单位 line
_FIXED_DECIMALS = re.compile(r"0\.(0+)")
_NOTE = re.compile(r"^(?:注|备注|说明)\s*[0-9一二三]*\s*[:：]")
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def office_format(path: Path) -> str | None:
    """'xlsx', 'xls' or 'docx' for a file this module reads, by its suffix; None otherwise."""
    return OFFICE_SUFFIXES.get(path.suffix.lower())


def parse_office(path: Path) -> ParsedDocument:
    """Read an .xlsx, .xls or .docx file. Raises ParseError for a file that is not one or has no text."""
    kind = office_format(path)
    if kind is None:
        raise ParseError(f"不是 Excel/Word 文件：{path.name}")
    # xlsx and docx are zip packages; xls is an OLE2 compound file
    with path.open("rb") as f:
        valid = f.read(8) == _OLE2 if kind == "xls" else zipfile.is_zipfile(f)
    if not valid:
        raise ParseError(f"{path.name} 不是有效的 {kind} 文件（已损坏，或扩展名不对）")
    parser = {"xlsx": parse_xlsx, "xls": parse_xls, "docx": parse_docx}[kind]
    try:
        doc = parser(path)
    except ParseError:
        raise
    except Exception as exc:  # openpyxl / python-docx raise many types for broken packages
        raise ParseError(f"{path.name} 读不出来（{type(exc).__name__}: {exc}）") from exc
    if len(squash(doc.all_text)) < MIN_TEXT_CHARS:
        raise ParseError("文件里几乎没有文字，不是预算公开文件")
    return doc


# ----- workbooks (xlsx, xls) ------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sheet:
    name: str
    texts: list[list[str]]  # each cell as printed
    merged: list[tuple[int, int, int, int]]  # (min_row, min_col, max_row, max_col), 0-based


def parse_xlsx(path: Path) -> ParsedDocument:
    """An .xlsx workbook, read-only with cached formula values (data_only)."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = [
            _Sheet(
                ws.title, [[_cell_text(c) for c in row] for row in ws.iter_rows()], _merged_ranges(book, ws)
            )
            for ws in book.worksheets
        ]
    finally:
        book.close()
    return _workbook(path, "xlsx", sheets)


def parse_xls(path: Path) -> ParsedDocument:
    """A legacy .xls workbook (BIFF) with xlrd; formatting_info gives merged cells and number formats."""
    book = xlrd.open_workbook(str(path), formatting_info=True, on_demand=True)
    try:
        sheets = []
        for ws in book.sheets():
            texts = [[_xls_text(book, ws.cell(r, c)) for c in range(ws.ncols)] for r in range(ws.nrows)]
            merged = [(r0, c0, r1 - 1, c1 - 1) for r0, r1, c0, c1 in ws.merged_cells]
            sheets.append(_Sheet(ws.name, texts, merged))
    finally:
        book.release_resources()
    return _workbook(path, "xls", sheets)


def _xls_text(book: Any, cell: Any) -> str:
    value: Any = cell.value
    if cell.ctype == xlrd.XL_CELL_DATE:
        value = xlrd.xldate_as_datetime(value, book.datemode)
    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        value = None
    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
        value = bool(value)
    fmt = book.format_map.get(book.xf_list[cell.xf_index].format_key) if cell.xf_index is not None else None
    return _cell_text(SimpleNamespace(value=value, number_format=fmt.format_str if fmt else "General"))


def _workbook(path: Path, fmt: str, sheets: list[_Sheet]) -> ParsedDocument:
    """Each sheet a page; a sheet with a title or figures is a table grid, any other sheet is text."""
    pages: list[PageText] = []
    grids: list[Grid] = []
    page_texts: list[str] = []
    for number, sheet in enumerate(sheets, 1):
        texts, origin = _spread(sheet.texts, sheet.merged)
        lines = [" ".join(dict.fromkeys(v for v in row if v)) for row in texts]
        page_texts.append("\n".join(ln for ln in lines if ln))
        grid, narrative = _sheet_grid(texts, origin, number, sheet.name)
        if grid is not None:
            grids.append(grid)
        pages.append(PageText(page=number, text="\n".join(narrative)))
    return ParsedDocument(
        path=str(path),
        format=fmt,
        pages=pages,
        grids=grids,
        page_count=len(page_texts),
        first_text="\n".join(page_texts[:2]),
        all_text="\n".join(page_texts),
        page_texts=page_texts,
    )


def _cell_text(cell: Any) -> str:
    """A cell as printed: numbers with the decimals of their number format (839 shown as 839.00)."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, int | float):
        fmt = getattr(cell, "number_format", "General") or "General"
        try:
            number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        except InvalidOperation:
            return str(value)
        percent = "%" in fmt
        if percent:
            number *= 100
        m = _FIXED_DECIMALS.search(fmt)
        places = len(m.group(1)) if m else None
        if places is not None:
            number = number.quantize(Decimal(1).scaleb(-places))
        text = f"{number:,f}" if "#,##" in fmt else f"{number:f}"
        if places is None and "." in text:
            text = text.rstrip("0").rstrip(".")
        return text + ("%" if percent else "")
    return str(value).strip()


def _merged_ranges(book: Any, sheet: Any) -> list[tuple[int, int, int, int]]:
    """(min_row, min_col, max_row, max_col), 0-based, of the sheet's merged cells.

    A read-only worksheet does not expose merged cells, so they are read from the sheet's own XML
    (<mergeCells>, after the cell data)."""
    source = getattr(sheet, "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if source is None or archive is None:
        return []
    out: list[tuple[int, int, int, int]] = []
    with archive.open(source) as f:
        for _, el in iterparse(f):
            if el.tag == f"{_SHEET_NS}mergeCell" and el.get("ref"):
                c0, r0, c1, r1 = range_boundaries(el.get("ref"))
                out.append((r0 - 1, c0 - 1, r1 - 1, c1 - 1))
            el.clear()
    return out


def _spread(
    texts: list[list[str]], merged: list[tuple[int, int, int, int]]
) -> tuple[list[list[str]], list[list[tuple[int, int]]]]:
    """A rectangular grid, blank edges trimmed, each merged cell's text repeated over its span."""
    n_cols = max((len(r) for r in texts), default=0)
    texts = [r + [""] * (n_cols - len(r)) for r in texts]
    origin = [[(r, c) for c in range(n_cols)] for r in range(len(texts))]
    for r0, c0, r1, c1 in merged:
        if r0 >= len(texts) or c0 >= n_cols:
            continue
        for r in range(r0, min(r1, len(texts) - 1) + 1):
            for c in range(c0, min(c1, n_cols - 1) + 1):
                texts[r][c] = texts[r0][c0]
                origin[r][c] = (r0, c0)
    used_rows = [r for r, row in enumerate(texts) if any(row)]
    used_cols = [c for c in range(n_cols) if any(row[c] for row in texts)]
    if not used_rows or not used_cols:
        return [], []
    rows = range(used_rows[0], used_rows[-1] + 1)
    cols = range(used_cols[0], used_cols[-1] + 1)
    trimmed = [[texts[r][c] for c in cols] for r in rows]
    moved = [[(origin[r][c][0] - rows[0], max(0, origin[r][c][1] - cols[0])) for c in cols] for r in rows]
    return trimmed, moved


def _is_caption_row(values: list[str]) -> bool:
    """A row above the header: the title, or a 编制部门/单位 line (one or two distinct texts)."""
    if not values or len(values) > 2 or any(is_amount(v) for v in values):
        return False
    joined = " ".join(values)
    return len(values) == 1 or bool(find_unit(joined)) or "编制" in joined or "填报" in joined


def _sheet_grid(
    texts: list[list[str]], origin: list[list[tuple[int, int]]], number: int, sheet_name: str
) -> tuple[Grid | None, list[str]]:
    """The sheet's table (None for a sheet of text only) and its narrative lines (captions, notes)."""
    rows = [list(dict.fromkeys(v for v in row if v)) for row in texts]
    head = 0
    while head < len(rows) and (not rows[head] or _is_caption_row(rows[head])):
        head += 1
    tail = len(rows)
    while tail > head and (
        not rows[tail - 1] or (len(rows[tail - 1]) == 1 and _NOTE.match(rows[tail - 1][0]))
    ):
        tail -= 1
    above = [" ".join(r) for r in rows[:head] if r]
    below = [" ".join(r) for r in rows[tail:] if r]  # 注：… lines under the table, as on a PDF page
    body_texts = texts[head:tail]
    body_origin = [[(r - head, c) for r, c in row] for row in origin[head:tail]]
    figures = any(is_amount(v) and not re.fullmatch(r"\d{1,2}", v) for row in body_texts for v in row)
    titled = any(is_title(ln) for ln in above)
    if not body_texts or (not figures and not titled) or len(body_texts[0]) < 2:
        return None, [" ".join(r) for r in rows if r]
    if not titled and is_title(sheet_name):  # a sheet named "表8 三公经费预算表" but no title row
        above = [sheet_name, *above]
    grid = Grid(page=number, texts=body_texts, origin=body_origin, above=above, below=below)
    return grid, above + below


# ----- docx ------------------------------------------------------------------------------------------
def parse_docx(path: Path) -> ParsedDocument:
    """Paragraphs as narrative lines in reading order; Word tables as grids."""
    document = docx.Document(str(path))
    lines: list[str] = []
    found: list[tuple[DocxTable, list[str], list[str]]] = []  # table, lines above it, lines below it
    since_table: list[str] = []
    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, Paragraph):
            new = [ln.strip() for ln in block.text.splitlines() if ln.strip()]
            lines += new
            since_table += new
            if found and len(found[-1][2]) < ABOVE_LINES:  # 注：… under a table belongs to it
                found[-1][2].extend(new)
            continue
        found.append((block, since_table[-ABOVE_LINES:], []))
        since_table = []
    grids = [g for t, above, below in found if (g := _docx_grid(t, above, below)) is not None]
    table_text = [ln for g in grids for ln in (" ".join(dict.fromkeys(v for v in r if v)) for r in g.texts)]
    whole = "\n".join(lines + table_text)
    return ParsedDocument(
        path=str(path),
        format="docx",
        pages=[PageText(page=None, text="\n".join(lines))],
        grids=grids,
        page_count=None,
        first_text="\n".join(lines[:40]),
        all_text=whole,
        page_texts=["\n".join(lines) + "\n" + "\n".join(table_text)],
    )


def _docx_grid(table: DocxTable, above: list[str], below: list[str]) -> Grid | None:
    """A Word table: python-docx repeats a merged cell (gridSpan, vMerge) over its span."""
    cells = [list(row.cells) for row in table.rows]
    n_cols = max((len(r) for r in cells), default=0)
    if not cells or n_cols < 2:
        return None
    texts = [["" for _ in range(n_cols)] for _ in cells]
    origin = [[(r, c) for c in range(n_cols)] for r in range(len(cells))]
    first: dict[int, tuple[int, int]] = {}
    for r, row in enumerate(cells):
        for c, cell in enumerate(row):
            key = id(cell._tc)
            start = first.setdefault(key, (r, c))
            texts[r][c] = cell.text.strip()
            origin[r][c] = start
    return Grid(page=None, texts=texts, origin=origin, above=above, below=below)
