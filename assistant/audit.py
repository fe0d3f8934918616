"""Self-consistency audit of one disclosure: do its tables add up, and does its 说明 agree with its tables
and with itself? Every finding cites what disagrees. Exact Decimal arithmetic; tolerance is one cent of
the printed precision per summed value (rounding in the source)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from assistant.audit_base import Finding
from assistant.audit_stated import stated_vs_tables
from assistant.audit_text import blank_amounts, part_whole, wrong_year
from assistant.calc import fmt, quantize
from assistant.citations import cite_cell, cite_fact
from assistant.columns import levels
from assistant.textnorm import convert, label_key
from assistant.types import DocumentRecord, Fact, TableCell, TableRecord

__all__ = ["Finding", "audit"]

CENT = Decimal("0.01")
_ITEM = re.compile(
    r"(?P<cls_name>[\u4e00-\u9fff、]{2,20}?)（(?P<cls>\d{3})?类）"
    r"(?P<kuan_name>[\u4e00-\u9fff、]{2,20}?)（(?P<kuan>\d{2})?款）"
    r"(?P<xiang_name>[\u4e00-\u9fff、（）()]{2,30}?)（(?P<xiang>\d{2})?项）[”\"]?\s*(?P<amount>\d+(?:\.\d+)?)\s*万元"
)
# The same payments under both classifications (功能分类 项 ↔ 经济分类 款): usually equal in a budget.
_SAME_PAYMENT = {"2080505": "30108", "2080506": "30109", "2210201": "30113"}
_LEAD = '0123456789、. “"'
# Summary tables and the detail tables that cover the same money (all funds / 财政拨款 only).
_SAME_SCOPE = {
    "income_expense_summary": {"expenditure"},
    "fiscal_summary": {"fiscal_expenditure", "general_budget_expenditure"},
}
_EXEC = re.compile(
    r"执行数为\s*(?P<a>\d+(?:\.\d+)?)\s*万元[^。]*?预算安排\s*(?P<b>\d+(?:\.\d+)?)\s*万元[^。]*?"
    r"(?P<dir>增加|减少|持平)(?:\s*(?P<pct>\d+(?:\.\d+)?)\s*%)?"
)
_SAME_YEAR = re.compile(
    r"比(?P<year>20\d{2})\s*年(?:预算|预算数)?(?P<dir>增加|减少)\s*(?P<num>\d+(?:\.\d+)?)\s*万元"
)


def _tol(n: int, unit: str | None) -> Decimal:
    return CENT * max(n, 1) if unit != "元" else Decimal(1) * max(n, 1)


def _first_value_col(cells: Sequence[TableCell]) -> dict[tuple[str, int, str], TableCell]:
    """Each printed row's first value column (合计/小计/预算数), per table, row and side."""
    out: dict[tuple[str, int, str], TableCell] = {}
    for c in sorted(cells, key=lambda c: c.col):
        if c.value is not None and "列位置不明" not in c.col_label:
            out.setdefault((c.table_id, c.row, c.side), c)
    return out


def table_sums(
    doc: DocumentRecord, tables: Sequence[TableRecord], cells: Sequence[TableCell]
) -> list[Finding]:
    """功能分类 类 = Σ 款 and 款 = Σ 项 (first value column), per table; 三公 and 基本支出 splits."""
    findings: list[Finding] = []
    by_table: dict[str, list[TableCell]] = defaultdict(list)
    for c in cells:
        by_table[c.table_id].append(c)
    for t in tables:
        rows = _first_value_col(by_table[t.table_id])
        coded = {c.code: c for c in rows.values() if c.code and c.code_kind == "function"}
        for code, parent in coded.items():
            if len(code) not in (3, 5):
                continue
            kids = [c for k, c in coded.items() if len(k) == len(code) + 2 and k.startswith(code)]
            if not kids:
                continue
            total = sum((k.value or Decimal(0) for k in kids), Decimal(0))
            if abs(total - (parent.value or 0)) > _tol(len(kids), t.unit):
                findings.append(
                    Finding(
                        "sum",
                        (
                            f"《{t.title}》中{code} {parent.row_label}为"
                            f"{fmt(parent.value or Decimal(0), t.unit)}，"
                            f"其下级科目合计为{fmt(total, t.unit)}，两者不一致。"
                        ),
                        (cite_cell(parent, t, doc),),
                    )
                )
        if t.table_type == "three_public":
            findings += _three_public(doc, t, by_table[t.table_id])
    return findings


def _three_public(doc: DocumentRecord, t: TableRecord, cells: Sequence[TableCell]) -> list[Finding]:
    def pick(pred: Callable[[list[str]], bool]) -> TableCell | None:
        found = [
            c
            for c in cells
            if c.value is not None
            and "机关运行" not in c.col_label
            and pred(levels(c.col_label))
            and not c.col_label.endswith("决算数")
        ]
        return found[0] if found else None

    total = pick(lambda lv: lv and lv[-1] == "合计")
    abroad = pick(lambda lv: any("出国" in x for x in lv))
    car = pick(
        lambda lv: any("公务用车购置及运行" in x for x in lv) and lv[-1] in {"小计", "公务用车购置及运行费"}
    )
    reception = pick(lambda lv: any("公务接待" in x for x in lv))
    parts = [p for p in (abroad, car, reception) if p is not None]
    if total is None or len(parts) != 3:
        return []
    added = sum((p.value or Decimal(0) for p in parts), Decimal(0))
    if abs(added - (total.value or 0)) > _tol(3, t.unit):
        return [
            Finding(
                "split",
                f"《{t.title}》“三公”经费合计{fmt(total.value or Decimal(0), t.unit)}，"
                f"而三项之和为{fmt(added, t.unit)}。",
                (cite_cell(total, t, doc),),
            )
        ]
    return []


def narrative_items(
    doc: DocumentRecord,
    text: str,
    facts: Sequence[Fact],
    tables: Sequence[TableRecord],
    cells: Sequence[TableCell],
) -> list[Finding]:
    """The 编制说明 items (“…（类）…（款）…（项）X万元”) against the tables and against themselves."""
    findings: list[Finding] = []
    table_of = {t.table_id: t for t in tables}
    spend = [t for t in tables if t.table_type in {"general_budget_expenditure", "expenditure"}]
    first = _first_value_col([c for c in cells if c.table_id in {t.table_id for t in spend}])
    by_code = {c.code: c for c in first.values() if c.code}
    class_names = {c.code: c.row_label for c in cells if c.code and len(c.code) == 3}

    def fact_at(pos: int) -> Fact | None:
        near = [
            f
            for f in facts
            if (f.provenance.char_start or 0) >= pos - 200 and (f.provenance.char_start or 0) <= pos + 200
        ]
        return min(near, key=lambda f: abs((f.provenance.char_start or 0) - pos), default=None)

    for m in _ITEM.finditer(text):
        code = _item_code(m, first.values())
        if code is None:
            continue
        amount = Decimal(m.group("amount"))
        fact = fact_at(m.start())
        cite = (cite_fact(fact, doc),) if fact else ()
        label = f"{m.group('xiang_name')}（{code}）"
        cell = by_code.get(code)
        if cell is not None and cell.unit in {"元", "万元", "千元"}:
            in_wan = quantize(convert(cell.value or Decimal(0), cell.unit, "万元"), 2)
            if abs(in_wan - amount) > CENT:
                findings.append(
                    Finding(
                        "narrative_table",
                        (f"说明中{label}为{fmt(amount, '万元')}，表中为{fmt(in_wan, '万元')}，两者不一致。"),
                        (*cite, cite_cell(cell, table_of[cell.table_id], doc)),
                    )
                )
        stated_name, table_name = (
            m.group("cls_name").lstrip(_LEAD),
            class_names.get(code[:3]),
        )
        if table_name and label_key(stated_name) != label_key(table_name):
            findings.append(
                Finding(
                    "name",
                    f"说明中{code[:3]}类科目称“{stated_name}”，预算表中为“{table_name}”，科目名称不一致。",
                    cite,
                )
            )
        e = _EXEC.search(text, m.end(), m.end() + 220)
        if e is None:
            continue
        before, planned = Decimal(e.group("a")), Decimal(e.group("b"))
        if planned != amount:
            findings.append(
                Finding(
                    "narrative_self",
                    (
                        f"说明中{label}先写{m.group('amount')}万元，"
                        f"后写“预算安排{e.group('b')}万元”，前后不一致。"
                    ),
                    cite,
                )
            )
        if e.group("pct") and before:
            actual = quantize((planned - before) / before * 100, 2)
            stated = Decimal(e.group("pct"))
            word_ok = (e.group("dir") == "增加") == (planned > before)
            if abs(abs(actual) - stated) > Decimal("0.06") or not word_ok:
                trend = "增加" if actual > 0 else "减少"
                findings.append(
                    Finding(
                        "percent",
                        (
                            f"说明称{label}比上年预算执行数{e.group('dir')}{stated}%，但按其列出的数字"
                            f"（执行数{e.group('a')}万元，预算安排{e.group('b')}万元）"
                            f"实际{trend}{abs(actual)}%，不一致。"
                        ),
                        cite,
                    )
                )
    for m in _SAME_YEAR.finditer(text):
        if doc.kind == "budget" and int(m.group("year")) == doc.year:
            fact = fact_at(m.start())
            findings.append(
                Finding(
                    "comparison_year",
                    (
                        f"文中“比{m.group('year')}年预算{m.group('dir')}{m.group('num')}万元”：{doc.year}年预算应与上年"
                        f"（{doc.year - 1}年）比较，比较年份有误。"
                    ),
                    (cite_fact(fact, doc),) if fact else (),
                )
            )
    return findings


def _item_code(m: re.Match[str], rows: Iterable[TableCell]) -> str | None:
    """The 7-digit code of a 说明 item: printed in brackets (204类/06款/99项), or found by its names."""
    if m.group("cls") and m.group("kuan") and m.group("xiang"):
        return m.group("cls") + m.group("kuan") + m.group("xiang")
    listed = list(rows)
    labels = {c.code: label_key(c.row_label) for c in listed if c.code}
    name, kuan = label_key(m.group("xiang_name")), label_key(m.group("kuan_name"))
    cls = label_key(m.group("cls_name").lstrip(_LEAD))
    for c in listed:
        code = c.code or ""
        if (
            len(code) == 7
            and label_key(c.row_label) == name
            and labels.get(code[:5]) == kuan
            and labels.get(code[:3]) in (None, cls)
        ):
            return code
    return None


def cross_tables(
    doc: DocumentRecord, tables: Sequence[TableRecord], cells: Sequence[TableCell]
) -> list[Finding]:
    """A 类 in the 收支总表 against the same 类 in the 功能分类 tables, and one payment under both
    classifications."""
    findings: list[Finding] = []
    table_of = {t.table_id: t for t in tables}
    kind_of = {t.table_id: t.table_type for t in tables}
    wanted = set(_SAME_SCOPE) | {k for ks in _SAME_SCOPE.values() for k in ks}
    firsts = _first_value_col([c for c in cells if kind_of.get(c.table_id) in wanted])
    by_label: dict[tuple[str, str], list[TableCell]] = defaultdict(list)
    for c in firsts.values():
        if kind_of[c.table_id] in _SAME_SCOPE and c.value:
            by_label[(kind_of[c.table_id], label_key(c.row_label))].append(c)
    for c in firsts.values():
        if not c.code or len(c.code) != 3 or c.value is None:
            continue
        summaries = [s for s, details in _SAME_SCOPE.items() if kind_of[c.table_id] in details]
        for other in (o for s in summaries for o in by_label.get((s, label_key(c.row_label)), [])):
            # the same quantity printed twice in one unit must be the same number: no rounding slack
            if other.unit == c.unit and other.value != c.value:
                here, there = table_of[c.table_id], table_of[other.table_id]
                message = (
                    f"{c.code}类“{c.row_label}”在《{here.title}》中为{fmt(c.value, c.unit)}，"
                    f"在《{there.title}》中为{fmt(other.value or Decimal(0), other.unit)}。"
                )
                findings.append(
                    Finding("cross_table", message, (cite_cell(c, here, doc), cite_cell(other, there, doc)))
                )
    by_code = {c.code: c for c in _first_value_col(cells).values() if c.code}
    for function_code, economic_code in _SAME_PAYMENT.items():
        f, e = by_code.get(function_code), by_code.get(economic_code)
        if f and e and f.unit == e.unit and f.value != e.value:
            message = (
                f"功能分类{function_code}“{f.row_label}”为{fmt(f.value or Decimal(0), f.unit)}，"
                f"经济分类{economic_code}“{e.row_label}”为{fmt(e.value or Decimal(0), e.unit)}，"
                "同一笔支出在两种分类下通常应一致。"
            )
            cites = (cite_cell(f, table_of[f.table_id], doc), cite_cell(e, table_of[e.table_id], doc))
            findings.append(Finding("cross_table", message, cites))
    return findings


def audit(
    doc: DocumentRecord,
    text: str,
    tables: Sequence[TableRecord],
    cells: Sequence[TableCell],
    facts: Sequence[Fact],
) -> list[Finding]:
    """All findings for one document (tables, tables against each other, then the 说明), each once."""
    items = [m.span() for m in _ITEM.finditer(text)]
    found = [
        *table_sums(doc, tables, cells),
        *cross_tables(doc, tables, cells),
        *narrative_items(doc, text, facts, tables, cells),
        *stated_vs_tables(doc, text, facts, tables, cells, skip=items),
        *wrong_year(doc, text, facts, tables, cells),
        *part_whole(doc, text, facts),
        *blank_amounts(doc, text, facts),
    ]
    return list({f.message: f for f in found}.values())
