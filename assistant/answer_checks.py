"""Last checks of an answer against what the question asked: the unit family (an amount, a count, a
percentage), an operation asked but not done, another year asked but this year's figure found. A
mismatch turns the answer into a refusal: a wrong number with a source is the worst outcome."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from assistant.calc import fmt
from assistant.narrative import COUNT_UNITS, MONEY, expected_units
from assistant.question import CHANGE, asked_unit, asks_operation, asks_several, older_year, strip_names
from assistant.types import Answer, DocumentRecord

_OTHER_YEAR = re.compile(r"(?:比|较|与|和|同)(?:上年|去年|上一年|20\d{2}\s*年)")


def _family(unit: str | None) -> str:
    if unit in MONEY:
        return "金额"
    if unit == "%":
        return "比例"
    if unit in COUNT_UNITS:
        return "数量"
    return ""


def mismatch(q: str, answer: Answer, docs: Sequence[DocumentRecord]) -> str | None:
    """Why the answer does not answer the question, or None when it does."""
    if answer.status != "answered" or answer.value is None:
        return None
    asked = asked_unit(q)
    units = expected_units(q)
    wanted = _family(asked) or ("数量" if units and units <= COUNT_UNITS else "")
    got = _family(answer.unit)
    if wanted and got and wanted != got:
        found = fmt(Decimal(str(answer.value)), answer.unit)
        return f"问的是{wanted}，找到的却是{got}（{found}），不能据此回答。"
    if asks_several(q):
        return "这个问题同时问了几个数，请一次问一个。"
    named = strip_names(q, list(docs), keep="甲")  # “商务和工业信息化局…支出合计”: a name's 和 lists nothing
    if asks_operation(named) and answer.calculation is None and not _OTHER_YEAR.search(q):
        return "问题要求计算，但只找到一个数，没有找到计算所需的全部数。"
    compares = CHANGE.search(q) or "相比" in q
    if compares and any(older_year(q, d) for d in docs) and not CHANGE.search(answer.text):
        return "问的是与往年相比的变化，找到的只是本年的数，文件没有给出可比的数。"
    return None
