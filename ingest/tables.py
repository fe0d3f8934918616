"""Raw grids -> TableRecords and long-format TableCells, by structure: titles, 单位 lines, header rows,
label vs value columns, classification codes. Nothing here knows any particular document's layout."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from assistant.textnorm import (
    code_kind,
    find_unit,
    is_amount,
    normalize_code,
    parse_amount,
    squash,
    to_halfwidth,
)
from assistant.types import Provenance, TableCell, TableRecord
from ingest.model import Grid

_BUDGET_WORDS = re.compile(r"预算|决算|收支|收入|支出|经费|拨款|资金|资产|采购")
_NUMBERING = re.compile(
    r"^(?:附表|表)\s*[0-9一二三四五六七八九十]*(?:-\d+)?\s*[:：、.．]?\s*|^[0-9]{1,2}\s*[.．、]\s*(?!\d)"
)
_CONTINUED = re.compile(r"[（(]?续(?:表)?[)）]?$")
_LABEL_HEADER = re.compile(
    r"(?:科目|名称|编码|代码)$|^(?:项目|项\s*目|类|款|项|序号|备注|说明|单位名称|单位|部门|收入|支出|栏次)$"
)
_NOTE = re.compile(r"^(?:注|备注|说明)\s*[0-9一二三]*\s*[:：]")
_EMPTY_NOTE = re.compile(r"空表|无数据|无相关数据|未安排|没有|无此项|不涉及|无.{0,8}(?:收支|支出|收入)")
_CODE_IN_LABEL = re.compile(r"^[\[【]?(\d{3}(?:\s?\d{2}){0,2})[\]】]?\s*(?=[\u4e00-\u9fff])(.*)$")

# Order matters: the first rule whose words all appear in the title wins.
TABLE_TYPES: list[tuple[str, tuple[str, ...]]] = [
    ("three_public", ("三公",)),
    ("operating_expenses", ("机关运行经费",)),  # a part of 基本支出, never where a 科目's amount is read
    ("government_fund", ("政府性基金",)),
    ("state_capital", ("国有资本经营",)),
    ("basic_expenditure", ("基本支出",)),
    ("performance", ("绩效",)),
    ("project_expenditure", ("项目支出",)),
    ("fiscal_summary", ("财政拨款收支",)),
    ("fiscal_summary", ("财政拨款收入支出",)),
    ("fiscal_expenditure", ("财政拨款支出",)),
    ("general_budget_expenditure", ("一般公共预算", "支出")),
    ("income_expense_summary", ("收支",)),
    ("income_expense_summary", ("收入支出",)),
    ("income", ("收入",)),
    ("expenditure", ("支出",)),
    ("government_procurement", ("采购",)),
    ("assets", ("资产",)),
    ("performance", ("绩效",)),
]


def classify_title(title: str) -> str:
    """Normalised table type of a printed title (收支总表 -> income_expense_summary …)."""
    t = squash(title)
    for name, words in TABLE_TYPES:
        if all(w in t for w in words):
            return name
    return "other"


def is_title(line: str) -> bool:
    t = squash(to_halfwidth(line))
    if not t or len(t) > 70 or t.endswith(("。", "；", "，")) or (find_unit(t) and len(t) < 12):
        return False
    if re.match(r"^第[一二三四五六七八九十]+部分", t):
        return False
    if t.startswith(("编制部门", "编制单位", "填报部门", "预算主管部门", "单位名称", "注", "备注")):
        return False
    core = re.sub(r"[（(][^（()）]{1,12}[)）]$", "", t)  # "一般公共预算支出预算表（功能科目）"
    return ("表" in core[-6:] and bool(_BUDGET_WORDS.search(t))) or bool(_CONTINUED.search(t) and "表" in t)


def clean_title(line: str) -> str:
    t = squash(to_halfwidth(line))
    t = _NUMBERING.sub("", t)
    return _CONTINUED.sub("", t)


@dataclass
class _Table:
    title: str
    unit: str | None
    pieces: list[Grid] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def group_grids(grids: list[Grid]) -> list[_Table]:
    """Attach each grid to a title: its own (lines above it) or, with none, the table it continues."""
    tables: list[_Table] = []
    for grid in grids:
        title_idx = next((i for i in range(len(grid.above) - 1, -1, -1) if is_title(grid.above[i])), None)
        continued = title_idx is not None and bool(_CONTINUED.search(squash(grid.above[title_idx])))
        rows_to_drop = 0
        if title_idx is None:
            rows_to_drop, inner_title, inner_unit = _title_inside(grid)
            if inner_title:
                tables.append(_Table(title=clean_title(inner_title), unit=inner_unit))
        else:
            unit = find_unit("\n".join(grid.above[title_idx:])) or find_unit(_first_rows_text(grid))
            if not continued or not tables:
                tables.append(_Table(title=clean_title(grid.above[title_idx]), unit=unit))
        if not tables:  # a grid before any title: keep it under the nearest line above
            tables.append(_Table(title=clean_title(grid.above[-1]) if grid.above else "", unit=None))
        if rows_to_drop:
            grid = Grid(
                page=grid.page,
                texts=grid.texts[rows_to_drop:],
                origin=[[(r - rows_to_drop, c) for r, c in row] for row in grid.origin[rows_to_drop:]],
                above=grid.above,
                below=grid.below,
            )
        tables[-1].pieces.append(grid)
        tables[-1].notes.extend(ln for ln in grid.below if _NOTE.match(squash(ln)))
    return [t for t in tables if t.pieces]


def _first_rows_text(grid: Grid) -> str:
    return "\n".join(" ".join(dict.fromkeys(row)) for row in grid.texts[:3])


def _title_inside(grid: Grid) -> tuple[int, str, str | None]:
    """White cell rectangles can pull the title and 单位 line inside the grid: find them there."""
    title, unit, drop = "", None, 0
    for r, row in enumerate(grid.texts[:3]):
        values = [v for v in dict.fromkeys(row) if v.strip()]
        joined = " ".join(values)
        first_line = values[0].strip().splitlines()[0] if values else ""  # "收入预算总表\n部门：… 单位：万元"
        if len(values) <= 2 and is_title(first_line):
            title, drop = first_line, r + 1
            unit = find_unit(joined) or unit
        elif title and len(values) <= 3 and (find_unit(joined) or "编制" in joined):
            unit, drop = find_unit(joined) or unit, r + 1
        elif title:
            break
    return drop, title, unit


_SENTENCE = re.compile(r"[，。；]")


def is_prose_grid(rows: list[list[str | None]]) -> bool:
    """Ruled lines around running text (a boxed paragraph) are found as a "table": its cells are sentence
    fragments, and hardly any cell is a whole amount. A real table's cells are labels and amounts."""
    flat = [squash(c) for r in rows for c in r if squash(c)]
    prose = sum(len(c) >= 6 and bool(_SENTENCE.search(c)) for c in flat)
    amounts = sum(is_amount(c) and not re.fullmatch(r"\d{1,4}", c) for c in flat)
    return prose >= max(2, len(flat) // 3) and amounts < 2


# ----- cells ----------------------------------------------------------------------------------------
def _is_index_row(row: list[str]) -> bool:
    """A 栏次 row (1 2 3 …) or a header row of column numbers is not data."""
    vals = [squash(v) for v in dict.fromkeys(row) if squash(v)]
    if any(v in {"栏次", "行次"} for v in vals):
        return True
    nums = [v for v in vals if v.isdigit()]
    return len(nums) >= 2 and nums == [str(i) for i in range(int(nums[0]), int(nums[0]) + len(nums))]


def _row_has_data(row: list[str], label_cols: set[int]) -> bool:
    return any(is_amount(v) for c, v in enumerate(row) if c not in label_cols) and not _is_index_row(row)


def _header_count(grid: Grid) -> int:
    """Header rows are the rows above the first row carrying an amount (or a code in a label cell)."""
    for r, row in enumerate(grid.texts):
        if _is_index_row(row):
            continue
        cells = [squash(v) for v in row]
        if any(is_amount(v) for v in cells):
            return r
        if (
            cells
            and (normalize_code(cells[0]) or _CODE_IN_LABEL.match(cells[0]))
            and any(is_amount(v) for v in cells[1:])
        ):
            return r
    # No amounts at all (an empty table): header is whatever has header words before the first blank row.
    for r, row in enumerate(grid.texts):
        if not any(squash(v) for v in row):
            return r
    return len(grid.texts)


def _column_paths(grid: Grid, n_header: int) -> list[list[str]]:
    paths: list[list[str]] = []
    for c in range(grid.n_cols):
        path: list[str] = []
        for r in range(n_header):
            text = squash(grid.texts[r][c])
            if text and (not path or path[-1] != text) and not _is_index_row(grid.texts[r]):
                path.append(text)
        paths.append(path)
    return paths


def _label_columns(grid: Grid, paths: list[list[str]], n_header: int) -> set[int]:
    labels: set[int] = set()
    for c, path in enumerate(paths):
        if path and _LABEL_HEADER.search(path[-1]):
            labels.add(c)
            continue
        data = [squash(row[c]) for row in grid.texts[n_header:] if squash(row[c])]
        if path and data and all(is_amount(v) for v in data):
            continue
        # Headerless (continuation or flattened) column: decide by its contents.
        if data and sum(is_amount(v) and not re.fullmatch(r"\d{2,3}", v) for v in data) < len(data) / 2:
            labels.add(c)
    return labels


def _groups(n_cols: int, label_cols: set[int]) -> list[tuple[list[int], list[int]]]:
    """(label columns, value columns) per side: a new side starts where a label column follows values."""
    groups: list[tuple[list[int], list[int]]] = []
    for c in range(n_cols):
        if c in label_cols:
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].append(c)
        else:
            if not groups:
                groups.append(([], []))
            groups[-1][1].append(c)
    return groups


@dataclass
class _Layout:
    n_header: int
    paths: list[list[str]]
    groups: list[tuple[list[int], list[int]]]
    sides: list[str]
    header_keys: set[str]


def _layout(grid: Grid) -> _Layout:
    n_header = _header_count(grid)
    paths = _column_paths(grid, n_header)
    label_cols = _label_columns(grid, paths, n_header)
    groups = _groups(grid.n_cols, label_cols)
    tops = [paths[(g[0] or g[1])[0]][0] if paths[(g[0] or g[1])[0]] else "" for g in groups]
    sides = (
        tops
        if len(groups) > 1 and len(set(tops)) == len(tops)
        else ([str(i + 1) for i in range(len(groups))] if len(groups) > 1 else [""])
    )
    header_keys = {squash(v) for row in grid.texts[:n_header] for v in row if squash(v)}
    return _Layout(n_header, paths, groups, sides, header_keys)


def _split_label(texts: list[str], levels: list[str | None]) -> tuple[str | None, str]:
    """Code and name of a row from its label cells; `levels` carries 类/款/项 parts down the rows.

    A second classification printed beside the first (部门预算经济分类 301 01 | 政府预算经济分类 501 01)
    starts where a new 类 code follows the first one's name: the row is read from the first block only.
    """
    code_parts: list[tuple[int, str]] = []
    names: list[str] = []
    for i, raw in enumerate(texts):
        t = squash(to_halfwidth(raw))
        if not t or t in {"类", "款", "项"}:
            continue
        if re.fullmatch(r"\d{1,7}", t) or normalize_code(t):
            if code_parts and names and len(t) == 3:
                break  # a second classification block begins
            # a 款/项 printed without its leading zero ("2" for "02") is still two digits wide
            code_parts.append((i, t.zfill(2) if i > 0 and len(t) == 1 else t))
            continue
        m = _CODE_IN_LABEL.match(t)
        if m and normalize_code(m.group(1)):
            code_parts.append((i, squash(m.group(1))))
            t = m.group(2)
        if t not in names:
            names.append(t)
    code: str | None = None
    if len(code_parts) == 1 and len(code_parts[0][1]) in (5, 7) and normalize_code(code_parts[0][1]):
        code = normalize_code(code_parts[0][1])
    elif code_parts:
        # split 类/款/项 cells ("201 | 06 | 01", or "| 06 |" under its 类): a blank leading level
        # inherits from the rows above, and every level below the last printed one is cleared
        slots: list[str | None] = [None] * len(texts)
        for i, t in code_parts:
            slots[i] = t
        first = next(i for i, s in enumerate(slots) if s)
        for i in range(first):
            if i < len(levels) and levels[i]:
                slots[i] = levels[i]
        for i, s in enumerate(slots):
            if i < len(levels):
                levels[i] = s if s else (levels[i] if i < first else None)
        digits = "".join(s for s in slots if s)
        code = normalize_code(digits)
    return code, "".join(names)


def build_cells(table: _Table, table_id: str, doc_id: str) -> tuple[list[TableCell], bool]:
    """Cells of one table (all its pieces). Returns (cells, has_numbers)."""
    first = table.pieces[0]
    layout = _layout(first)
    cells: list[TableCell] = []
    row_no = 0
    has_numbers = False
    levels_by_group: list[list[str | None]] = []
    for p, grid in enumerate(table.pieces):
        start = layout.n_header if p == 0 else _repeated_header_rows(grid, layout)
        if grid.n_cols != first.n_cols and grid.col_bounds and first.col_bounds:
            grid = grid.resample(first.col_bounds)
        lay = layout if grid.n_cols == first.n_cols else _layout(grid)
        # 类/款 printed on the page before carry over to a continuation page ("| | 02 事业单位医疗")
        if p == 0 or len(levels_by_group) != len(lay.groups):
            levels_by_group = [[None] * 3 for _ in lay.groups]
        for r in range(start, grid.n_rows):
            row = grid.texts[r]
            joined = squash("".join(dict.fromkeys(row)))
            if not joined or _is_index_row(row):
                continue
            if _NOTE.match(joined):
                table.notes.append(joined)
                continue
            for g, (label_cols, value_cols) in enumerate(lay.groups):
                label_texts = [
                    row[c] if grid.is_span_start(r, c) or c == label_cols[0] else "" for c in label_cols
                ]
                code, name = _split_label(label_texts, levels_by_group[g])
                values = [
                    (c, row[c])
                    for c in value_cols
                    if grid.is_span_start(r, c) or grid.origin[r][c][1] not in value_cols
                ]
                if not name and not code and not any(squash(v) for _, v in values):
                    continue
                for c, raw in values:
                    raw_clean = squash(raw)
                    if raw_clean in lay.header_keys and not is_amount(raw_clean):
                        continue
                    value = parse_amount(raw_clean) if raw_clean else Decimal(0)
                    has_numbers = has_numbers or (raw_clean != "" and value is not None)
                    col_label = "/".join(lay.paths[c]) if c < len(lay.paths) else ""
                    cells.append(
                        TableCell(
                            cell_id=f"{table_id}:r{row_no}c{c}",
                            table_id=table_id,
                            row=row_no,
                            col=c,
                            row_label=name,
                            code=code,
                            code_kind=code_kind(code),  # type: ignore[arg-type]
                            col_label=col_label,
                            side=lay.sides[g] if g < len(lay.sides) else "",
                            raw=raw_clean,
                            value=value,
                            unit=_column_unit(col_label) or table.unit,
                            provenance=Provenance(doc_id=doc_id, page=grid.page, section_path=table.title),
                        )
                    )
            row_no += 1
    return cells, has_numbers


def _repeated_header_rows(grid: Grid, layout: _Layout) -> int:
    """Continuation pieces may repeat the header: skip leading rows made of header words."""
    n = 0
    for row in grid.texts:
        vals = {squash(v) for v in row if squash(v)}
        if vals and vals <= layout.header_keys | {"类", "款", "项"} and not any(is_amount(v) for v in vals):
            n += 1
        elif not vals and n < len(grid.texts) - 1:
            n += 1 if n else 0
            if n == 0:
                break
        else:
            break
    return n


def _column_unit(col_label: str) -> str | None:
    m = re.search(r"[（(](亿元|万元|千元|元)[)）]", col_label)
    return m.group(1) if m else None


def build_tables(grids: list[Grid], doc_id: str) -> tuple[list[TableRecord], list[TableCell]]:
    """All tables of a document and their cells."""
    records: list[TableRecord] = []
    all_cells: list[TableCell] = []
    for seq, table in enumerate(group_grids(grids)):
        table_id = f"{doc_id}:t{seq}"
        cells, has_numbers = build_cells(table, table_id, doc_id)
        pages = [g.page for g in table.pieces if g.page is not None]
        note = " ".join(dict.fromkeys(table.notes))
        records.append(
            TableRecord(
                table_id=table_id,
                doc_id=doc_id,
                seq=seq,
                title=table.title,
                table_type=classify_title(table.title),
                unit=table.unit,
                page_start=min(pages) if pages else None,
                page_end=max(pages) if pages else None,
                empty=not has_numbers,
                note=note,
            )
        )
        all_cells.extend(cells)
    return records, all_cells
