"""Numbers in a language model's answer, checked against what the tools returned (数字核对).

A number passes when it equals, as a Decimal, a number that a tool result or the question contains:
as written (10.40 = 10.4, 1,234 = 1234), or as the same amount in another unit (10.4万元 = 104000元).
The model never does arithmetic here, so a number no source holds is one the model made up."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from assistant.textnorm import UNIT_FACTORS, convert, to_halfwidth

# A number not glued to a letter (c1, v2), with an optional unit right after it.
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.])(\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*(亿元|百万元|万元|千元|元|%|％)?"
)


@dataclass(frozen=True)
class Number:
    """One number as it appears in a text."""

    written: str
    value: Decimal
    unit: str | None


def find_numbers(text: str) -> list[Number]:
    """Every number in `text`, with its unit when one follows it."""
    out = []
    for m in _NUMBER.finditer(to_halfwidth(text)):
        try:
            value = Decimal(m.group(1).replace(",", "").replace("，", ""))
        except InvalidOperation:
            continue
        unit = "%" if m.group(2) in {"%", "％"} else m.group(2)
        out.append(Number(m.group(0).strip(), value, unit))
    return out


def check_numbers(text: str, tool_results: Iterable[str], question: str) -> list[str]:
    """The numbers of `text` that no tool result and not the question contains (empty: all check).

    Args:
        text: the model's answer.
        tool_results: the text of every tool result the model saw.
        question: the question as the person asked it.
    """
    plain: set[Decimal] = set()  # every source number
    bare: set[Decimal] = set()  # source numbers with no money unit (a JSON "value" field, a count)
    yuan: set[Decimal] = set()  # source amounts, in 元
    for source in [*tool_results, question]:
        for n in find_numbers(source):
            plain.add(n.value)
            if n.unit in UNIT_FACTORS:
                yuan.add(convert(n.value, n.unit, "元"))
            else:
                bare.add(n.value)
    bad = []
    for n in find_numbers(text):
        if n.unit in UNIT_FACTORS:
            # 10.4万元 is fine when a source says 104000元 or a bare 10.4, not when it says 10.4元.
            ok = convert(n.value, n.unit, "元") in yuan or n.value in bare
        else:
            ok = n.value in plain
        if not ok:
            bad.append(n.written)
    return list(dict.fromkeys(bad))


def states_value(text: str, value: Decimal, unit: str | None) -> bool:
    """Whether `text` states `value` (in `unit`, or the same amount in another money unit)."""
    for n in find_numbers(text):
        if n.value == value and (n.unit in {None, unit} or unit not in UNIT_FACTORS):
            return True
        money = unit in UNIT_FACTORS and n.unit in UNIT_FACTORS
        if money and convert(n.value, n.unit, "元") == convert(value, unit, "元"):
            return True
    return False
