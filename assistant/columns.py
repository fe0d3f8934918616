"""Columns and tables of a disclosure as questions name them: a column's header levels, its measure
(预算数 / 决算数 …) and year, the table a question names by title, and a table's rank for a question."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from assistant.textnorm import label_key, squash, to_halfwidth
from assistant.types import TableCell, TableRecord

MEASURES = ("预算数", "决算数", "年初预算", "调整预算", "全年预算")


def levels(col_label: str) -> list[str]:
    """Header levels of a column, without a trailing 预算数/决算数 measure."""
    parts = [label_key(p) for p in col_label.split("/") if p]
    while parts and parts[-1] in MEASURES:
        parts.pop()
    return parts


YEAR_WORD = re.compile(r"(20\d{2})年度?")


def measure(col_label: str) -> str | None:
    """预算数 / 决算数 … of a column, from whichever header level names it (“预算数/合计”, “2025年预算数”)."""
    words = frame_lexicon()["column_year"]
    for level in reversed([label_key(p) for p in col_label.split("/") if p]):
        core = YEAR_WORD.sub("", level)
        for w in (*words["prior"], *words["current"]):
            core = core.removeprefix(w)
        core = core if core in MEASURES else core.removesuffix("数")  # 年初预算数 -> 年初预算
        if core in MEASURES:
            return core
    return None


def column_year(col_label: str, doc_year: int) -> int | None:
    """The year a column is for when its header says so: “2018年”, “2025年预算数”, “上年预算数”."""
    key = label_key(col_label)
    years = YEAR_WORD.findall(key)
    if years:
        return int(years[-1])
    words = frame_lexicon()["column_year"]
    if any(w in key for w in words["prior"]) and not any(w in key for w in words["not_a_year"]):
        return doc_year - 1
    return None


def cell_measure(cell: TableCell) -> str | None:
    """预算数 / 决算数 of a cell: from its column, or from its row when a table puts measures in rows
    (a 决算 三公 table with a 预算数 row and a 决算数 row)."""
    row = label_key(cell.row_label)
    return measure(cell.col_label) or (row if row in MEASURES else None)


def last_level(col: str) -> str:
    lv = levels(col)
    return lv[-1] if lv else ""


def total_row(row: str) -> bool:
    return row in {"合计", "总计", "本年支出合计", "支出合计", ""} or row.endswith("合计")


ASIDE = re.compile(r"[（(](?!境[)）])[^（）()]{2,}[)）]")


@cache
def frame_lexicon() -> dict:
    return tomllib.loads((Path(__file__).parent / "lexicon" / "frame.toml").read_text(encoding="utf-8"))


_TYPE_ORDER = [
    "income_expense_summary",
    "expenditure",
    "general_budget_expenditure",
    "basic_expenditure",
    "three_public",
    "income",
    "fiscal_summary",
    "fiscal_expenditure",
    "government_fund",
    "state_capital",
    "project_expenditure",
    "other",
]
_TITLE_WORDS = [
    "收支",
    "收入",
    "支出",
    "财政拨款",
    "一般公共预算",
    "基本支出",
    "政府性基金",
    "国有资本",
    "三公",
    "经济分类",
    "功能分类",
    "决算",
]


def table_rank(question: str, table: TableRecord, preferred: Sequence[str]) -> tuple[int, int]:
    q = squash(question)
    title = squash(table.title)
    overlap = sum(1 for w in _TITLE_WORDS if w in q and w in title)
    pref = list(preferred) + [t for t in _TYPE_ORDER if t not in preferred]
    order = pref.index(table.table_type) if table.table_type in pref else len(pref)
    return (-overlap, order) if not preferred or table.table_type in preferred else (1, order)


def title_key(text: str) -> str:
    return YEAR_WORD.sub("", label_key(ASIDE.sub("", to_halfwidth(text))))


def table_mention(question: str, tables: Sequence[TableRecord]) -> tuple[set[str], str]:
    """The table a question names (“一般公共预算基本支出表里的工资福利支出”): the ids of the tables whose
    title holds the longest run of the question's words ending in 表 (at least 5 characters), and the
    question with that run blanked, so a title's words (基本支出, 三公) are not read as what is asked."""
    q = title_key(question)
    titles = {t.table_id: title_key(t.title) for t in tables}
    best, span = 4, (0, 0)
    for end in (i + 1 for i, ch in enumerate(q) if ch == "表"):
        start = end - 1
        while start > 0 and any(q[start - 1 : end] in title for title in titles.values()):
            start -= 1
        if end - start > best and any(q[start:end] in title for title in titles.values()):
            best, span = end - start, (start, end)
    if span == (0, 0):
        return set(), question
    named = q[span[0] : span[1]]
    ids = {tid for tid, title in titles.items() if named in title}
    return ids, q[: span[0]] + "　" + q[span[1] :]


def in_year(cells: Sequence[TableCell], asked: int, doc_year: int) -> list[TableCell]:
    out = []
    for c in cells:
        year = column_year(c.col_label, doc_year)
        if year == asked or (year is None and asked == doc_year):
            out.append(c)
    return out
