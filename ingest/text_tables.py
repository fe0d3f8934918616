"""FlatTables (tables flattened into text, blank cells gone) -> TableRecords and TableCells.

Without layout, which column a value sits in is known only from order and arithmetic: the first column
is the total of the others, a 301/303 经济分类 row is 人员经费 and a 302/310 row 公用经费, and a column
the document states empty (项目支出 未安排) is zero. Every assignment consistent with those rules is
enumerated; a value is stored under a column only when all of them agree. The rest are stored under
"列位置不明" rather than guessed.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from decimal import Decimal

from assistant.textnorm import code_kind, label_key, parse_amount, squash
from assistant.types import Fact, Provenance, TableCell, TableRecord
from ingest.model import FlatRow, FlatTable
from ingest.tables import classify_title

UNKNOWN_COLUMN = "列位置不明"
TOLERANCE = Decimal("0.011")

# Standard column sets of the usual disclosure tables, used when a flattened header can't be read.
# Tree: column index -> indices of the columns it totals.
_Layout = tuple[list[str], dict[int, list[int]]]
_STANDARD: dict[str, _Layout] = {
    "expenditure": (["合计", "基本支出", "项目支出"], {0: [1, 2]}),
    "general_budget_expenditure": (["小计", "基本支出", "项目支出"], {0: [1, 2]}),
    "government_fund": (["小计", "基本支出", "项目支出"], {0: [1, 2]}),
    "basic_expenditure": (["小计", "人员经费", "公用经费"], {0: [1, 2]}),
    "three_public": (
        [
            "合计",
            "因公出国（境）费",
            "公务用车购置及运行费/小计",
            "公务用车购置及运行费/公务用车购置费",
            "公务用车购置及运行费/公务用车运行费",
            "公务接待费",
        ],
        {0: [1, 2, 5], 2: [3, 4]},
    ),
    "income": (
        [
            "总计",
            "一般公共预算拨款",
            "政府性基金预算",
            "财政专户管理资金",
            "事业收入",
            "事业单位经营收入",
            "其他收入",
            "用事业基金弥补收支差额",
            "上年结余",
        ],
        {0: [1, 2, 3, 4, 5, 6, 7, 8]},
    ),
}
_SIDES: dict[str, list[_Layout]] = {
    "income_expense_summary": [(["收入/预算数"], {}), (["支出/预算数"], {})],
    "fiscal_summary": [
        (["财政拨款收入/合计"], {}),
        (["财政拨款支出/合计", "财政拨款支出/一般公共预算", "财政拨款支出/政府性基金预算"], {0: [1, 2]}),
    ],
}


_EMPTY_MEANS_ZERO = {"project_expenditure": "项目支出", "government_fund": "政府性基金预算"}


def _group_prefix(header: list[str]) -> str:
    """'项目支出预算' -> '支出预算': the spanning header over the value columns."""
    for line in header:
        if line.startswith("项目") and len(line) > 2:
            return line[2:]
    return ""


def _solutions(
    values: list[Decimal], n_cols: int, tree: dict[int, list[int]], zero: set[int]
) -> list[tuple[int, ...]]:
    found = []
    for cols in itertools.combinations(range(n_cols), len(values)):
        if set(cols) & zero:
            continue
        full = dict.fromkeys(range(n_cols), Decimal(0))
        full.update(zip(cols, values, strict=True))
        if all(
            abs(full[p] - sum(full[c] for c in kids)) <= TOLERANCE * len(kids) for p, kids in tree.items()
        ):
            found.append(cols)
    return found


def _assign(
    row: FlatRow, names: list[str], tree: dict[int, list[int]], zero: set[int]
) -> list[tuple[str, str]]:
    """(column name, raw) pairs for a row; blank columns come out as (name, '')."""
    if not row.values:
        return [(n, "") for n in names]
    if len(row.values) > len(names):
        return [(UNKNOWN_COLUMN, v) for v in row.values]
    values = [parse_amount(v) or Decimal(0) for v in row.values]
    sols = _solutions(values, len(names), tree, zero) or _solutions(values, len(names), tree, set())
    if not sols and len(values) == len(names):
        sols = [tuple(range(len(names)))]
    out: list[tuple[str, str]] = []
    for pos, raw in enumerate(row.values):
        cols = {s[pos] for s in sols}
        out.append((names[cols.pop()], raw) if len(cols) == 1 else (UNKNOWN_COLUMN, raw))
    if sols:
        for c, name in enumerate(names):
            if all(c not in s for s in sols):
                out.append((name, ""))
    return out


def _zero_columns(table_type: str, names: list[str], row: FlatRow, doc_zero: set[str]) -> set[int]:
    zero = {i for i, n in enumerate(names) if n.split("/")[-1] in doc_zero}
    if table_type == "basic_expenditure" and row.code and code_kind(row.code) == "economic":
        personnel = row.code[:3] in {"301", "303"}
        zero |= {i for i, n in enumerate(names) if n == ("公用经费" if personnel else "人员经费")}
    return zero


def _stated_zero(names: list[str], facts: Sequence[Fact]) -> set[str]:
    """Columns the narrative states as zero (“公务用车购置0万元”, “公务接待费0万元”)."""
    zero = set()
    for name in names:
        last = label_key(name.split("/")[-1])
        stem = last.removesuffix("费")
        for f in facts:
            subject = label_key(f.subject)
            if (
                f.value == 0
                and f.unit in {"元", "万元"}
                and len(stem) >= 4
                and (subject.endswith(last) or subject.endswith(stem))
            ):
                zero.add(name.split("/")[-1])
    return zero


def build_flat_tables(
    flats: list[FlatTable], doc_id: str, start_seq: int = 0, facts: Sequence[Fact] = ()
) -> tuple[list[TableRecord], list[TableCell]]:
    records: list[TableRecord] = []
    cells: list[TableCell] = []
    types = [classify_title(f.title) for f in flats]
    # What the document itself says is empty: a published-empty 项目支出 table means 项目支出 is 0.
    empty_types = {t for t, f in zip(types, flats, strict=True) if not any(r.values for r in f.rows)}
    doc_zero = {name for t, name in _EMPTY_MEANS_ZERO.items() if t in empty_types}
    stated_zero = _stated_zero([n for names, _ in _STANDARD.values() for n in names], facts)
    for k, (flat, table_type) in enumerate(zip(flats, types, strict=True)):
        seq = start_seq + k
        table_id = f"{doc_id}:t{seq}"
        rows = list(flat.rows)
        if not rows and flat.header and flat.header[-1] == "合计":
            rows = [FlatRow(code=None, label="合计", values=[])]
        layouts = _SIDES.get(table_type) or [_STANDARD.get(table_type, (["金额"], {}))]
        code_side = _code_side(rows)
        prefix = _group_prefix(flat.header) if table_type in _STANDARD else ""
        has_numbers = False
        for r, row in enumerate(rows):
            side = row.side if row.side < len(layouts) else len(layouts) - 1
            if len(layouts) > 1 and row.side == 0 and row.code and code_side:
                side = code_side
            names, tree = layouts[side]
            side_name = names[0].split("/")[0] if len(layouts) > 1 else ""
            zero = _zero_columns(table_type, names, row, doc_zero)
            assigned = _assign(row, names, tree, zero)
            if any(name == UNKNOWN_COLUMN for name, _ in assigned):
                # still ambiguous: the narrative's own “…0万元” statements decide
                assigned = _assign(
                    row, names, tree, zero | _zero_columns(table_type, names, row, stated_zero)
                )
            for c, (name, raw) in enumerate(assigned):
                value = parse_amount(raw) if raw else Decimal(0)
                has_numbers = has_numbers or bool(raw)
                col_label = f"{prefix}/{name}" if prefix and name != UNKNOWN_COLUMN else name
                cells.append(
                    TableCell(
                        cell_id=f"{table_id}:r{r}c{side}_{c}",
                        table_id=table_id,
                        row=r,
                        col=c,
                        row_label=squash(row.label),
                        code=row.code,
                        code_kind=code_kind(row.code),  # type: ignore[arg-type]
                        col_label=col_label,
                        side=side_name,
                        raw=raw,
                        value=value,
                        unit=flat.unit,
                        provenance=Provenance(doc_id=doc_id, page=None, section_path=flat.title),
                    )
                )
        records.append(
            TableRecord(
                table_id=table_id,
                doc_id=doc_id,
                seq=seq,
                title=flat.title,
                table_type=table_type,
                unit=flat.unit,
                empty=not has_numbers,
                note=flat.note,
            )
        )
    return records, cells


def _code_side(rows: list[FlatRow]) -> int:
    """In a two-sided table, the side whose rows carry 功能分类 codes (for lines with one side blank)."""
    sides = {r.side for r in rows if r.code and r.side > 0}
    return sides.pop() if len(sides) == 1 else 0
