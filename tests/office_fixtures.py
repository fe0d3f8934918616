"""Write corpus disclosures as real .xlsx / .docx files at test time (nothing generated is committed).

Narrative: the corpus's own text file. Table values: the hand-verified gold JSON
(tests/golden/corpus/*.json), never parser output. Each gold table is laid out as a disclosure table is
printed: a title row, an 编制部门 / 单位 row, nested header rows with merged cells, then the data rows
(a 科目编码 column when the rows have codes; two sides, 收入 | 支出, when the gold columns say so).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import docx
import openpyxl
import xlwt
from openpyxl.utils import get_column_letter

from tests.gold import CORPUS, title_matches

Value = str | Decimal | None  # text, a number, or a blank cell
CHANGJI = "00_changji_swgxj_2020_budget"
_PAGE_NO = re.compile(r"^[-—]\s*\d+\s*[-—]$")
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、)")


@dataclass
class TableLayout:
    """A gold table as printed: header rows (merged cells as rectangles), then data rows."""

    title: str
    unit: str | None
    rows: list[list[Value]]
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # r0, c0, r1, c1 (0-based)
    n_header: int = 0


def corpus_text_lines(folder: str = CHANGJI) -> list[str]:
    """The disclosure's text file, one stripped line each, page numbers dropped."""
    text = (CORPUS / folder / "disclosure.txt").read_text(encoding="utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not _PAGE_NO.match(ln.strip())]


def split_at_tables(lines: list[str]) -> tuple[list[str], str, list[str]]:
    """(narrative before the tables part, the tables part's heading, narrative after it)."""
    start = next(i for i, ln in enumerate(lines) if re.match(r"^第二部分.*公开表", ln))
    end = next(i for i, ln in enumerate(lines) if i > start and re.match(r"^第三部分", ln))
    return lines[:start], lines[start], lines[end:]


def table_layouts(gold: dict) -> list[TableLayout]:
    """Every gold table that has gold cells, laid out."""
    out = []
    for table in gold["tables"]:
        cells = [c for c in gold["cells"] if title_matches(c["table"], table["title"])]
        if cells:
            out.append(_layout(table["title"], table.get("unit"), cells))
    return out


def _layout(title: str, unit: str | None, cells: list[dict]) -> TableLayout:
    tops = list(dict.fromkeys(c["column"][0] for c in cells))
    keys_by_top = [{_row_key(c) for c in cells if c["column"][0] == t} for t in tops]
    two_sided = (
        len(tops) >= 2
        and all(len(c["column"]) >= 2 for c in cells)
        and sum(map(len, keys_by_top)) == len(set().union(*keys_by_top))
    )
    sides = [[c for c in cells if c["column"][0] == t] for t in tops] if two_sided else [cells]
    paths: list[list[str]] = []
    columns: list[list[list[Value]]] = []  # per column: its data values, row by row
    for s, side in enumerate(sides):
        keys = list(dict.fromkeys(_row_key(c) for c in side))
        prefix = [tops[s]] if two_sided else []
        if any(k[1] for k in keys):
            paths.append([*prefix, "科目编码"])
            columns.append([[k[1]] for k in keys])
        if any(k[0] for k in keys):
            paths.append([*prefix, "科目名称" if any(k[1] for k in keys) else "项目"])
            columns.append([[k[0]] for k in keys])
        for col in dict.fromkeys(tuple(c["column"]) for c in side):
            by_key = {_row_key(c): _value(c) for c in side if tuple(c["column"]) == col}
            paths.append(list(col))
            columns.append([[by_key.get(k)] for k in keys])
    depth = max(len(p) for p in paths)
    n_data = max(len(col) for col in columns)
    header = [[p[min(r, len(p) - 1)] for p in paths] for r in range(depth)]
    data = [[col[r][0] if r < len(col) else None for col in columns] for r in range(n_data)]
    return TableLayout(
        title=title, unit=unit, rows=[*header, *data], merges=_header_merges(paths, depth), n_header=depth
    )


def _row_key(cell: dict) -> tuple[str, str]:
    return (cell.get("row") or "", cell.get("code") or "")


def _value(cell: dict) -> Decimal | None:
    return None if cell.get("blank") else Decimal(cell["value"])


def _header_merges(paths: list[list[str]], depth: int) -> list[tuple[int, int, int, int]]:
    """Rectangles of equal header prefixes: a parent over its children, a short path down to the data."""
    key = [[tuple(p[: min(r, len(p) - 1) + 1]) for p in paths] for r in range(depth)]
    done: set[tuple[int, int]] = set()
    merges = []
    for r in range(depth):
        for c in range(len(paths)):
            if (r, c) in done:
                continue
            c1 = c
            while c1 + 1 < len(paths) and key[r][c1 + 1] == key[r][c] and (r, c1 + 1) not in done:
                c1 += 1
            r1 = r
            while r1 + 1 < depth and all(key[r1 + 1][x] == key[r][c] for x in range(c, c1 + 1)):
                r1 += 1
            done |= {(y, x) for y in range(r, r1 + 1) for x in range(c, c1 + 1)}
            if (r1, c1) != (r, c):
                merges.append((r, c, r1, c1))
    return merges


def _caption(department: str, unit: str | None) -> list[str]:
    return [f"编制部门：{department}", f"单位：{unit}" if unit else ""]


# ----- xlsx ------------------------------------------------------------------------------------------
def corpus_note(text: str, folder: str = CHANGJI) -> str:
    """The 备注 line the text file prints under a table (the first one mentioning `text`)."""
    return next(ln for ln in corpus_text_lines(folder) if ln.startswith(("备注", "注：")) and text in ln)


def write_xlsx(path: Path, gold: dict, cover: list[str], notes: dict[str, str] | None = None) -> list[str]:
    """A workbook: a cover sheet with `cover` lines, then one sheet per gold table, `notes` (table title
    -> 备注 line) printed under their tables. Returns the titles in sheet order (sheet = 2 + position)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "封面"
    for line in cover:
        sheet.append([line])
    layouts = table_layouts(gold)
    for n, layout in enumerate(layouts, 1):
        ws = book.create_sheet(f"表{n}")
        width = len(layout.rows[0])
        ws.append([layout.title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(width, 2))
        ws.append(_caption(gold["department"], layout.unit))
        for row in layout.rows:
            ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
            for c, v in enumerate(row, 1):
                if isinstance(v, Decimal):
                    places = -int(v.as_tuple().exponent)
                    ws.cell(ws.max_row, c).number_format = "0." + "0" * places if places > 0 else "0"
        for r0, c0, r1, c1 in layout.merges:
            ws.merge_cells(f"{get_column_letter(c0 + 1)}{r0 + 3}:{get_column_letter(c1 + 1)}{r1 + 3}")
        if notes and layout.title in notes:
            ws.append([notes[layout.title]])
    book.save(path)
    return [t.title for t in layouts]


def write_xls(path: Path, gold: dict, cover: list[str]) -> list[str]:
    """The same workbook as write_xlsx, in the legacy .xls format (xlwt)."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("封面")
    for r, line in enumerate(cover):
        sheet.write(r, 0, line)
    layouts = table_layouts(gold)
    for n, layout in enumerate(layouts, 1):
        ws = book.add_sheet(f"表{n}")
        width = len(layout.rows[0])
        ws.write_merge(0, 0, 0, max(width, 2) - 1, layout.title)
        for c, text in enumerate(_caption(gold["department"], layout.unit)):
            ws.write(1, c, text)
        starts = {(r0, c0): (r1, c1) for r0, c0, r1, c1 in layout.merges}
        covered = {
            (y, x) for r0, c0, r1, c1 in layout.merges for y in range(r0, r1 + 1) for x in range(c0, c1 + 1)
        }
        for r, row in enumerate(layout.rows):
            for c, v in enumerate(row):
                if (r, c) in starts:
                    r1, c1 = starts[(r, c)]
                    ws.write_merge(r + 2, r1 + 2, c, c1, v)
                elif (r, c) in covered:
                    continue
                elif isinstance(v, Decimal):
                    places = -int(v.as_tuple().exponent)
                    style = xlwt.easyxf(num_format_str="0." + "0" * places if places > 0 else "0")
                    ws.write(r + 2, c, float(v), style)
                elif v is not None:
                    ws.write(r + 2, c, v)
    book.save(str(path))
    return [t.title for t in layouts]


# ----- docx ------------------------------------------------------------------------------------------
def write_docx(
    path: Path,
    before: list[str],
    after: list[str],
    gold: dict | None = None,
    notes: dict[str, str] | None = None,
) -> None:
    """A Word file: the narrative lines (一、/第X部分 lines as headings), and, with `gold`, the tables
    part in between as Word tables with merged header cells, `notes` as paragraphs under them."""
    document = docx.Document()
    _paragraphs(document, before)
    if gold is not None:
        for layout in table_layouts(gold):
            document.add_paragraph(layout.title)
            document.add_paragraph(" ".join(_caption(gold["department"], layout.unit)))
            table = document.add_table(rows=len(layout.rows), cols=len(layout.rows[0]))
            for r, row in enumerate(layout.rows):
                for c, v in enumerate(row):
                    if v is not None:
                        table.cell(r, c).text = str(v)
            for r0, c0, r1, c1 in layout.merges:
                text = table.cell(r0, c0).text
                merged = table.cell(r0, c0).merge(table.cell(r1, c1))
                merged.text = text
            if notes and layout.title in notes:
                document.add_paragraph(notes[layout.title])
    _paragraphs(document, after)
    document.save(str(path))


def _paragraphs(document: docx.document.Document, lines: list[str]) -> None:
    for line in lines:
        if _HEADING.match(line) and len(line) <= 40:
            document.add_heading(line, level=1 if line.startswith("第") else 2)
        else:
            document.add_paragraph(line)
