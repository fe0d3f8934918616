"""Table assembly on layouts the corpus does not have: built as grids, so each rule is tested alone."""

from __future__ import annotations

from decimal import Decimal

from ingest.model import Grid
from ingest.tables import build_tables, classify_title


def grid(rows: list[list[str]], above: list[str] | None = None, page: int = 1) -> Grid:
    """A grid without merged cells (each cell its own origin)."""
    origin = [[(r, c) for c in range(len(rows[0]))] for r in range(len(rows))]
    return Grid(page=page, texts=rows, origin=origin, above=above or [], below=[])


def test_codes_in_one_cell_and_thousand_yuan_unit() -> None:
    g = grid(
        [
            ["科目编码", "科目名称", "合计", "基本支出", "项目支出"],
            ["2010301", "行政运行", "1234", "1234", ""],
            ["[2080505]机关事业单位基本养老保险缴费支出", "", "56.5", "56.5", "0"],
            ["", "合计", "1290.5", "1290.5", "0"],
        ],
        above=["表3 某区某局2027年一般公共预算支出预算表", "金额单位：千元"],
    )
    tables, cells = build_tables([g], "d")
    assert tables[0].unit == "千元" and tables[0].table_type == "general_budget_expenditure"
    assert tables[0].title == "某区某局2027年一般公共预算支出预算表"
    by = {(c.code, c.row_label, c.col_label): c for c in cells}
    assert by[("2010301", "行政运行", "基本支出")].value == Decimal("1234")
    assert (
        by[("2010301", "行政运行", "项目支出")].value == 0
        and by[("2010301", "行政运行", "项目支出")].raw == ""
    )
    pension = by[("2080505", "机关事业单位基本养老保险缴费支出", "合计")]
    assert pension.value == Decimal("56.5") and pension.code_kind == "function"


def test_index_row_and_continuation_with_repeated_header() -> None:
    first = grid(
        [["项目", "决算数", "预算数"], ["栏次", "1", "2"], ["一、财政拨款收入", "100.00", "90.00"]],
        above=["收入决算表", "单位：万元"],
    )
    cont = grid([["项目", "决算数", "预算数"], ["二、事业收入", "5.5", "6"]], page=2)
    tables, cells = build_tables([first, cont], "d")
    assert len(tables) == 1 and (tables[0].page_start, tables[0].page_end) == (1, 2)
    labels = {(c.row_label, c.col_label): c.value for c in cells}
    assert labels == {
        ("一、财政拨款收入", "决算数"): Decimal("100.00"),
        ("一、财政拨款收入", "预算数"): Decimal("90.00"),
        ("二、事业收入", "决算数"): Decimal("5.5"),
        ("二、事业收入", "预算数"): Decimal("6"),
    }


def test_two_sided_table_splits_into_sides() -> None:
    g = grid(
        [
            ["收入", "", "支出", ""],
            ["项目", "预算数", "项目", "预算数"],
            ["财政拨款", "10", "一般公共服务支出", "7"],
            ["", "", "教育支出", "3"],
            ["收入总计", "10", "支出总计", "10"],
        ],
        above=["部门收支总表", "单位：元"],
    )
    _, cells = build_tables([g], "d")
    sides = {(c.side, c.row_label): c.value for c in cells if c.value}
    assert sides[("收入", "财政拨款")] == 10 and sides[("支出", "教育支出")] == 3
    assert sides[("支出", "支出总计")] == 10 and ("收入", "教育支出") not in sides


def test_title_words_decide_the_table_type() -> None:
    assert classify_title("2027年部门“三公”经费支出预算表") == "three_public"
    assert classify_title("一般公共预算财政拨款基本支出决算表") == "basic_expenditure"
    assert classify_title("政府性基金预算支出表") == "government_fund"
    assert classify_title("部门收支总表") == "income_expense_summary"
    assert classify_title("项目支出绩效目标表") == "performance"
    # a part of 基本支出, not the 一般公共预算支出表 its words fit too; with 三公 it is the 三公 table
    assert classify_title("一般公共预算机关运行经费支出预算表") == "operating_expenses"
    assert classify_title("2026年部门“三公”经费和机关运行经费预算表") == "three_public"
