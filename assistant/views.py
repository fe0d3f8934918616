"""What the UI shows, computed from the store: tables as grids, a cited cell or sentence in context,
chart series, example questions. Pure functions of stored data; no UI library here."""

from __future__ import annotations

import csv
import html
import io
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant import calc
from assistant.citations import doc_label, row_name
from assistant.columns import levels
from assistant.textnorm import UNIT_FACTORS, convert, label_key
from assistant.types import Answer, Citation, DocumentRecord, TableCell, TableRecord


@dataclass(frozen=True)
class Grid:
    """A stored table laid out again: one row per printed row (and side), one column per header path."""

    title: str
    unit: str | None
    headers: list[str]
    rows: list[list[str]]
    cell_ids: list[list[str | None]]  # the cell behind each value, for highlighting


def table_grid(table: TableRecord, cells: Sequence[TableCell]) -> Grid:
    columns: list[str] = []
    for c in sorted(cells, key=lambda c: c.col):
        if c.col_label not in columns:
            columns.append(c.col_label)
    two_sided = len({c.side for c in cells}) > 1
    headers = (["栏"] if two_sided else []) + ["编码", "项目"] + [col or "金额" for col in columns]
    grouped: dict[tuple[int, str], list[TableCell]] = defaultdict(list)
    for c in cells:
        grouped[(c.row, c.side)].append(c)
    rows, ids = [], []
    for (_, side), group in sorted(grouped.items(), key=lambda kv: (kv[0][1] if two_sided else "", kv[0][0])):
        first = group[0]
        values: list[str] = [""] * len(columns)
        cell_ids: list[str | None] = [None] * len(columns)
        for c in group:
            i = columns.index(c.col_label)
            values[i] = c.raw
            cell_ids[i] = c.cell_id
        prefix = [side] if two_sided else []
        rows.append([*prefix, first.code or "", first.row_label, *values])
        ids.append([None] * (len(prefix) + 2) + cell_ids)
    return Grid(title=table.title, unit=table.unit, headers=headers, rows=rows, cell_ids=ids)


def grid_html(grid: Grid, highlight: str | None = None) -> str:
    """The table as HTML, the cited cell marked (class="cited")."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in grid.headers)
    body = []
    for row, ids in zip(grid.rows, grid.cell_ids, strict=True):
        tds = []
        for value, cid in zip(row, ids, strict=True):
            cls = ' class="cited" id="cited-cell"' if highlight and cid == highlight else ""
            tds.append(f"<td{cls}>{html.escape(value)}</td>")
        body.append(f"<tr>{''.join(tds)}</tr>")
    unit = f"（单位：{html.escape(grid.unit)}）" if grid.unit else "（未标明单位）"
    return (
        f'<div class="bqa-table"><h4>{html.escape(grid.title)} {unit}</h4>'
        f"<table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def grid_csv(grid: Grid) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([f"{grid.title}（单位：{grid.unit or '未标明'}）"])
    writer.writerow(grid.headers)
    writer.writerows(grid.rows)
    return out.getvalue()


def text_context_html(text: str, quote: str, width: int = 300) -> str:
    """The passage around a quoted sentence, the sentence marked."""
    pos = text.find(quote)
    if pos < 0:
        return f"<div class='bqa-text'><mark>{html.escape(quote)}</mark></div>"
    start, end = max(0, pos - width), min(len(text), pos + len(quote) + width)
    before, after = html.escape(text[start:pos]), html.escape(text[pos + len(quote) : end])
    return (
        f"<div class='bqa-text'>{'…' if start else ''}{before}"
        f"<mark id='cited-text'>{html.escape(quote)}</mark>"
        f"{after}{'…' if end < len(text) else ''}</div>"
    ).replace("\n", "<br>")


def answer_markdown(answer: Answer) -> str:
    """An answer as people read it in the chat: text, the number, the formula, the sources."""
    lines = [answer.text]
    if answer.value is not None:
        lines.append(
            f"\n**数值：{calc.fmt(Decimal(str(answer.value)), answer.unit)}**"
            + ("（推算）" if answer.derived else "")
        )
    if answer.calculation:
        lines.append(f"\n计算：`{answer.calculation}`")
    if answer.citations:
        lines.append("\n来源：")
        lines += [
            f"- {html.escape(citation_label(c))}：“{html.escape(c.quote[:80])}”" for c in answer.citations
        ]
    return "\n".join(lines)


def citation_label(c: Citation) -> str:
    parts = [
        f"{c.department}{c.year}",
        f"第{c.page}页" if c.page else "",
        c.table or c.section or "",
        c.row or "",
        c.column or "",
    ]
    return f"[{c.key}] " + " · ".join(p for p in parts if p)


# ----- charts -------------------------------------------------------------------------------------
CHART_UNIT = "万元"
# Below this share of the largest bar a bar is a sliver: say so rather than let it read as zero.
_SLIVER = Decimal("0.01")


@dataclass(frozen=True)
class Series:
    """One bar chart: every value in `unit` (万元 unless the table states no unit), drawn from zero.

    Quantities of different magnitude (三公 in tens of 万元, 基本支出 in tens of thousands) are separate
    series, never bars on one axis."""

    title: str
    unit: str
    labels: list[str]
    values: list[float]
    note: str = ""


def _series(
    title: str, unit: str | None, labels: list[str], values: list[Decimal], source: str = ""
) -> Series:
    """A series in 万元 (converted from the table's 元/千元/亿元), with a note on how to read it."""
    notes = [f"数据来源：{source}" if source else ""]
    if unit is not None and unit in UNIT_FACTORS:
        if unit != CHART_UNIT:
            notes.append(f"原表单位为{unit}，已换算为{CHART_UNIT}")
        values, unit = [convert(v, unit, CHART_UNIT) for v in values], CHART_UNIT
    else:
        unit = "单位未标明"
        notes.append("原表未标明单位")
    top = max(values, default=Decimal(0))
    if top > 0 and any(0 < v < top * _SLIVER for v in values):
        notes.append("有的项目不到最大项的1%，柱子很短，准确数值请看悬停提示或“表格”页")
    return Series(title, unit, labels, [float(v) for v in values], "；".join(n for n in notes if n))


def _first_column(cells: Sequence[TableCell]) -> list[TableCell]:
    by_row: dict[tuple[int, str], TableCell] = {}
    for c in sorted(cells, key=lambda c: c.col):
        by_row.setdefault((c.row, c.side), c)
    return list(by_row.values())


def charts(
    tables: Sequence[TableRecord], cells: Sequence[TableCell], split: dict[str, Decimal] | None = None
) -> list[Series]:
    """Where the document has them: 基本支出 as 人员经费 vs 公用经费 (`split`, in 万元) and its largest
    经济分类 items, 支出 by 功能分类 类, and the 三公 items; every series in 万元."""
    out: list[Series] = []
    if split and len(split) == 2:
        out.append(_series("基本支出：人员经费与公用经费", CHART_UNIT, list(split), list(split.values())))
    by_type = {t.table_type: t for t in reversed(tables)}

    def table_cells(kind: str) -> tuple[list[TableCell], str]:
        t = by_type.get(kind)
        found = [c for c in cells if t and c.table_id == t.table_id and c.value is not None]
        return found, f"《{t.title}》" if t else ""

    basic, source = table_cells("basic_expenditure")
    rows = sorted(
        (c for c in _first_column(basic) if c.code and len(c.code) == 5 and c.value),
        key=lambda c: -(c.value or 0),
    )
    if rows:
        top, rest = rows[:10], rows[10:]
        labels = [row_name(c) for c in top] + ([f"其余{len(rest)}项"] if rest else [])
        values = [c.value or Decimal(0) for c in top] + ([sum(c.value or 0 for c in rest)] if rest else [])
        out.append(_series("基本支出最大的10个经济分类科目", rows[0].unit, labels, values, source))
    spend, source = table_cells("expenditure")
    if not spend:
        spend, source = table_cells("general_budget_expenditure")
    rows = [c for c in _first_column(spend) if c.code and len(c.code) == 3 and c.value]
    if rows:
        out.append(
            _series(
                "支出按功能分类（类）",
                rows[0].unit,
                [row_name(c) for c in rows],
                [c.value or Decimal(0) for c in rows],
                source,
            )
        )
    three, source = table_cells("three_public")
    items = [
        c
        for c in three
        if "机关运行" not in c.col_label
        and levels(c.col_label)
        and levels(c.col_label)[-1] not in {"合计", "小计"}
        and not c.col_label.endswith("决算数")
    ]
    if items:
        out.append(
            _series(
                "“三公”经费构成",
                items[0].unit,
                [levels(c.col_label)[-1] for c in items],
                [c.value or Decimal(0) for c in items],
                source,
            )
        )
    return out


def year_over_year(docs: Sequence[DocumentRecord], totals: dict[str, dict[str, Decimal]]) -> list[Series]:
    """Headline figures of one department across the years in the store ({doc_id: {metric: 万元 value}}):
    one series per metric, since 三公 (tens of 万元) beside 基本支出 (thousands) would flatten it."""
    by_metric: dict[str, tuple[list[str], list[Decimal]]] = {}
    for d in sorted(docs, key=lambda d: d.year):
        for metric, value in totals.get(d.doc_id, {}).items():
            labels, values = by_metric.setdefault(metric, ([], []))
            label = f"{d.year}年"
            if label in labels:  # two disclosures of one year (部门 and 单位): keep both bars apart
                label += f"（{d.scope_label or d.doc_id[:6]}）"
            labels.append(label)
            values.append(value)
    name = docs[0].department if docs else ""
    return [
        _series(f"{name} 历年{metric}", CHART_UNIT, labels, values)
        for metric, (labels, values) in by_metric.items()
        if len(labels) >= 2
    ]


def example_questions(doc: DocumentRecord | None, tables: Sequence[TableRecord]) -> list[str]:
    if doc is None:
        return ["哪些部门的公开文件在库里？", "三公经费是多少？"]
    name = re.sub(r"^(?:上海市|重庆市|北京市)", "", doc.department)
    label = f"{name}{doc.year}年"
    types = {t.table_type for t in tables}
    qs = [f"{label}“三公”经费是多少？"] if "three_public" in types else [f"{label}收入总计是多少？"]
    if "basic_expenditure" in types:
        qs.append(f"{label}人员经费占基本支出的比例是多少？")
    qs += [f"{label}项目支出是多少万元？", f"{label}机关运行经费是多少？", f"{name}的主要职能有哪些？"]
    return qs


# Uploads are kept in the store as `<sha256[:16]>_<original name>`: show the original name.
_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{16}_")


def docs_label(doc: DocumentRecord) -> str:
    name = _UPLOAD_PREFIX.sub("", doc.source_file.replace("\\", "/").split("/")[-1])
    return f"{doc_label(doc)}（{label_key(name)[:30]}）"
