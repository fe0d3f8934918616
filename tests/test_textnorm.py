from decimal import Decimal

import pytest

from assistant.textnorm import convert, find_unit, label_key, normalize_code, parse_amount, to_halfwidth


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("156,211,123", Decimal("156211123")),
        ("0.00", Decimal("0.00")),
        ("2,940.05", Decimal("2940.05")),
        ("１２３．４", Decimal("123.4")),
        ("658.02", Decimal("658.02")),
    ],
)
def test_parse_amount_is_exact(raw: str, value: Decimal) -> None:
    assert parse_amount(raw) == value


@pytest.mark.parametrize("raw", ["", "-", "2024年", "合计", "1.2.3", "12,34"])
def test_parse_amount_rejects_non_numbers(raw: str) -> None:
    assert parse_amount(raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("201 03 01", "2010301"),
        ("2010301", "2010301"),
        ("[30201]", "30201"),
        ("302 01", "30201"),
        ("201", "201"),
        ("2010", None),
        ("abc", None),
    ],
)
def test_normalize_code_both_spellings(raw: str, code: str | None) -> None:
    assert normalize_code(raw) == code


def test_label_key_drops_spacing_numbering_and_bracket_style() -> None:
    assert label_key("合 计") == "合计"
    assert label_key("一、一般公共服务支出") == "一般公共服务支出"
    assert label_key("（一）因公出国（境）费") == label_key("因公出国(境)费")
    assert label_key("部门“三公”经费") == "部门三公经费"


def test_find_unit_both_colons_and_prefixes() -> None:
    assert find_unit("编制部门：某局 单位：元") == "元"
    assert find_unit("单位:万元") == "万元"
    assert find_unit("金额单位：千元") == "千元"
    assert find_unit("收入预算总表") is None


def test_convert_is_exact() -> None:
    assert convert(Decimal("10.4"), "万元", "元") == Decimal("104000")
    assert convert(Decimal("156211123"), "元", "万元") == Decimal("15621.1123")
    assert convert(Decimal("1"), "亿元", "万元") == Decimal("10000")


def test_halfwidth_keeps_chinese_punctuation() -> None:
    assert to_halfwidth("２０２４年，（一）：") == "2024年，（一）："


def test_chinese_numerals_become_counts() -> None:
    from assistant.textnorm import cn_number
    from ingest.chunk import _CN_FIGURE

    assert [cn_number(x) for x in ("十", "两", "二十三", "一百零五", "四")] == [10, 2, 23, 105, 4]
    assert cn_number("十三五") == 15 and cn_number("3") is None
    found = [(m["num"], m["unit"]) for m in _CN_FIGURE.finditer("内设十个机构，共有两辆车，第一个，一次性")]
    assert found == [("十", "个"), ("两", "辆")]
