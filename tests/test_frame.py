"""Reading a question into its frame, layer by layer, without a store: operations and their operands,
the year asked, the year and measure a column is for, and the last check of an answer against what
was asked (unit family, operation, year)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from assistant.answer_checks import mismatch
from assistant.columns import column_year, measure
from assistant.question import (
    SHARE,
    ask_clauses,
    asked_unit,
    asked_year,
    asks_operation,
    counted_noun_asked,
    duty_asked,
    listed_items,
    operand_phrases,
    other_side,
    pair_coverage,
    scope_missing,
)
from assistant.types import Answer

DOC = SimpleNamespace(year=2026, department="长春市信访局")


@pytest.mark.parametrize(
    ("key", "frame"),
    [
        ("驻京经费比信访接待中心运行费多多少万元？", ("difference", ["驻京经费", "信访接待中心运行费"])),
        (
            "信访专项经费、信访接待中心运行费和驻京经费三项加起来是多少？",
            ("sum", ["信访专项经费", "信访接待中心运行费", "驻京经费"]),
        ),
        ("收入预算比上年增加了多少？", None),  # a change, not a difference of two items
        ("公务接待费比上年多多少？", None),
        ("行政运行的决算比年初预算多了多少万元？", ("measures", ["行政运行的决算", "年初预算"])),
        ("三公经费是多少？", None),
    ],
)
def test_operand_phrases(key: str, frame: tuple[str, list[str]] | None) -> None:
    assert operand_phrases(key) == frame


@pytest.mark.parametrize(
    "q",
    ["基本支出中，人员经费占多少？", "人员经费是基本支出的百分之几？", "人员经费占基本支出的多少"],
)
def test_share_wordings(q: str) -> None:
    assert SHARE.search(q) and asks_operation(q)


def test_a_date_is_not_an_older_year() -> None:
    from assistant.question import older_year

    assert not older_year("截至2025年底一共有多少辆车？", DOC)
    assert older_year("2025年三公经费预算数是多少？", DOC) and older_year("比2025年增加多少？", DOC)


def test_asked_year_is_the_one_year_named_else_the_documents() -> None:
    assert asked_year("2025年三公经费预算数是多少？", DOC) == 2025
    assert asked_year("三公经费预算数是多少？", DOC) == 2026
    assert asked_year("2026年比2025年增加多少？", DOC) == 2026  # two years: a change, the document's own


@pytest.mark.parametrize(
    ("col", "year", "what"),
    [
        ("2018年/一般公共预算拨款安排的“三公”经费预算/公务接待费", 2018, None),
        ("2025年预算数/合计", 2025, "预算数"),
        ("上年预算数/合计", 2025, "预算数"),
        ("收入/上年结转", None, None),  # this year's money carried over, not last year's column
        ("预算数/因公出国（境）费", None, "预算数"),  # the measure from an upper header level
        ("决算数/公务用车购置及运行维护费/小计", None, "决算数"),
    ],
)
def test_column_year_and_measure_from_any_header_level(col: str, year: int | None, what: str | None) -> None:
    assert column_year(col, 2026) == year
    assert measure(col) == what


def _answer(value: float, unit: str, text: str = "", calculation: str | None = None) -> Answer:
    return Answer(question="q", status="answered", text=text, value=value, unit=unit, calculation=calculation)


@pytest.mark.parametrize(
    ("q", "answer", "refused"),
    [
        ("单位价值100万元以上的设备有多少台？", _answer(100, "万元"), True),  # a count asked, money found
        ("完成了年初预算的百分之几？", _answer(240.29, "万元"), True),
        ("驻京经费比接待中心运行费多多少？", _answer(116, "万元"), True),  # an operation, one number
        ("驻京经费比接待中心运行费多多少？", _answer(196, "万元", calculation="312 − 116 = 196万元"), False),
        ("三公经费预算和2024年相比有变化吗？", _answer(458.5, "万元", text="三公经费为458.50万元"), True),
        ("三公经费是多少？", _answer(458.5, "万元"), False),
        ("安排了多少项目支出？", _answer(4614000, "元"), False),  # 项目 is not the count unit 项
    ],
)
def test_mismatch_refuses_what_was_not_asked(q: str, answer: Answer, refused: bool) -> None:
    docs = [SimpleNamespace(year=2025, department="x")]
    assert (mismatch(q, answer, docs) is not None) is refused  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("q", "what"),
    [
        ("湖州市财政局负责全市政府采购监督管理吗？", "全市政府采购监督管理"),
        ("福州市医疗保障局负不负责异地就医的费用结算？", "异地就医的费用结算"),
        ("湖州市财政局负责哪些工作？", None),  # a list, not yes/no
        ("三公经费是多少？", None),
    ],
)
def test_duty_asked(q: str, what: str | None) -> None:
    assert duty_asked(q) == what


def test_pair_coverage_of_a_duty_clause() -> None:
    assert pair_coverage("全市政府采购监督管理", "5.负责全市政府采购监督管理") == 1
    assert pair_coverage("全市干部保健工作", "负责全市财政收支管理") < 0.6


def test_the_lexicon_versions_are_part_of_the_answer_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant import vocab
    from assistant.settings import Settings

    settings = Settings()
    before = vocab.answer_hash(settings)
    assert vocab.versions()["frame"] >= 1 and before != settings.index_fingerprint()
    bumped = {**vocab.versions(), "frame": 999}
    monkeypatch.setattr(vocab, "versions", lambda: bumped)
    assert vocab.answer_hash(settings) != before


def test_a_count_asked_of_a_list() -> None:
    assert counted_noun_asked("纳入烟台市财政局2026年部门预算的二级预算单位有几个？") == "二级预算单位"
    assert counted_noun_asked("部门预算一共包括几个预算单位？") == "预算单位"
    assert listed_items("\n1.烟台市财政局\n2.烟台市财政集中支付中心\n第二部分") == [
        "烟台市财政局",
        "烟台市财政集中支付中心",
    ]
    assert listed_items("办公室、人事处和财务处。其他") == ["办公室", "人事处", "财务处"]
    assert listed_items("本部门无下属单位。") == []


def test_several_asks_are_split_into_clauses_keeping_the_subject_words() -> None:
    assert ask_clauses("截至2022年底人员编制多少、实有多少人？") == ["截至2022年底人员编制多少", "实有多少人"]
    assert ask_clauses("有几个内设机构、几个城区大队？") == ["有几个内设机构", "几个城区大队"]
    assert ask_clauses("三公经费是多少？") == ["三公经费是多少"]


def test_sides_and_scopes_of_a_stated_figure() -> None:
    assert other_side("财政拨款收入有多少", "一般公共预算财政拨款支出年初预算")
    assert not other_side("收入总计是多少", "2022年度收入总计、支出总计均为")
    assert scope_missing("一般公共预算财政拨款收入有多少", "其中：财政拨款收入")
    assert not scope_missing("财政拨款收入有多少", "其中：财政拨款收入")


def test_the_unit_asked_can_be_said_before_the_question() -> None:
    assert asked_unit("以万元为单位，部门支出预算总表中合计是多少？") == "万元"
    assert asked_unit("合计是多少元？") == "元"
    assert asked_unit("合计是多少？") is None


def test_the_and_inside_a_department_name_lists_no_operands() -> None:
    docs = [SimpleNamespace(year=2020, department="昌吉市商务和工业信息化局")]
    total = _answer(658.02, "万元")
    assert mismatch("昌吉市商务和工业信息化局2020年支出合计多少万元？", total, docs) is None  # type: ignore[arg-type]
    two = "昌吉市商务和工业信息化局2020年与万里街道2024年的公务接待费合计多少万元？"
    assert mismatch(two, total, docs) is not None  # type: ignore[arg-type]
