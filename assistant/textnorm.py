"""Text and number normalisation shared by ingestion and answering (one copy of each rule)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

UNIT_FACTORS: dict[str, Decimal] = {
    "元": Decimal(1),
    "千元": Decimal(1000),
    "万元": Decimal(10000),
    "百万元": Decimal(1000000),
    "亿元": Decimal(100000000),
}

_SPACES = re.compile(r"\s+")
_ENUM_PREFIX = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十]+[)）、.．]|[（(]\d+[)）]|\d+[.．、](?!\d)|其中[:：]?|[-—－])+"
)
_AMOUNT = re.compile(r"^[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[-−]?\d+(?:\.\d+)?$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "：": ":"})


_HALFWIDTH = {
    **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},  # ０-９
    **{cp: cp - 0xFEE0 for cp in range(0xFF21, 0xFF3B)},  # Ａ-Ｚ
    **{cp: cp - 0xFEE0 for cp in range(0xFF41, 0xFF5B)},  # ａ-ｚ
    ord("．"): ".",
    ord("％"): "%",
    ord("－"): "-",
    ord("／"): "/",
    ord("\u3000"): " ",
    ord("\xa0"): " ",
}


def to_halfwidth(text: str) -> str:
    """Full-width digits and letters to half-width (１２３ -> 123). Chinese punctuation (，：（）) is kept,
    so quotes stay as printed."""
    return text.translate(_HALFWIDTH)


def squash(text: str | None) -> str:
    """Remove all whitespace: justified spacing ("合 计") and wrapped labels come out whole."""
    return _SPACES.sub("", text or "")


def label_key(label: str) -> str:
    """Matching key of a row/column label: no whitespace, enumeration prefix, quotes or brackets style."""
    key = squash(to_halfwidth(label)).translate(_QUOTES)
    key = _ENUM_PREFIX.sub("", key)
    return key.replace('"', "").replace("'", "")


def parse_amount(raw: str | None) -> Decimal | None:
    """Exact value of a printed amount ('156,211,123', '0.00', '1 234.5'); None if not a number."""
    text = squash(to_halfwidth(raw or "")).replace("，", ",")
    if text in {"", "-", "—", "--", "－"}:
        return None
    if not _AMOUNT.match(text):
        return None
    try:
        return Decimal(text.replace(",", "").replace("−", "-"))
    except InvalidOperation:
        return None


def is_amount(raw: str | None) -> bool:
    return parse_amount(raw) is not None


def normalize_code(raw: str) -> str | None:
    """'201 03 01' / '2010301' / '[30201]' -> digits; None when it is not a 3/5/7-digit code."""
    digits = re.sub(r"[\s\[\]【】]", "", to_halfwidth(raw))
    if re.fullmatch(r"\d{3}(?:\d{2}){0,2}", digits):
        return digits
    return None


def code_kind(code: str | None) -> str | None:
    """功能分类 codes start with 2 (201…232), 经济分类 codes with 3 (301…399, 501…)."""
    if not code:
        return None
    if code[0] == "2":
        return "function"
    if code[0] in "35":
        return "economic"
    return None


def convert(value: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """Exact conversion between 元/千元/万元/亿元."""
    return value * UNIT_FACTORS[from_unit] / UNIT_FACTORS[to_unit]


def find_unit(text: str) -> str | None:
    """Unit of a '单位：万元' / '金额单位:元' line; None when the text states none."""
    m = re.search(r"单\s*位\s*[:：]?\s*(亿元|百万元|万元|千元|元)", to_halfwidth(text).replace(":", "："))
    return m.group(1) if m else None


_CN_DIGITS = dict(zip("零一二两三四五六七八九", (0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9), strict=True))
CN_NUMERAL = "零一二两三四五六七八九十百"


def cn_number(text: str) -> int | None:
    """A Chinese numeral up to 999 as an int: 十 -> 10, 两 -> 2, 二十三 -> 23, 一百零五 -> 105."""
    if not text or any(ch not in CN_NUMERAL for ch in text):
        return None
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current
