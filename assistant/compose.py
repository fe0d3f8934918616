"""Evidence for a number, and how answers point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from assistant import calc
from assistant.citations import row_name
from assistant.columns import frame_lexicon
from assistant.lookup import Target
from assistant.types import Answer, Citation, DocumentRecord, TableCell


@dataclass
class Evidence:
    value: Decimal
    unit: str
    label: str
    citations: list[Citation] = field(default_factory=list)
    doc: DocumentRecord | None = None


def same_unit(ev: Evidence, unit: str) -> Decimal:
    return calc.in_unit(ev.value, ev.unit, unit)


def cell_label(cell: TableCell, target: Target) -> str:
    if target.concept:
        return target.concept.name
    return row_name(cell) or target.label


def where(c: Citation) -> str:
    page = f"第{c.page}页" if c.page else ""
    if c.kind == "table":
        loc = "，".join(
            x
            for x in [
                c.table and f"《{c.table}》",
                page,
                c.row and f"行“{c.row}”",
                c.column and f"列“{c.column}”",
            ]
            if x
        )
        return f"（来源：{loc}）"
    return f"（来源：{'，'.join(x for x in [c.section, page] if x)}）"


def yes_no_answer(question: str, answer: Answer) -> Answer:
    """A yes/no question about an amount (“有没有政府性基金预算支出？”) says 有 or 没有 first; the
    amount and its source follow. Other answers are returned as they are."""
    lex = frame_lexicon()
    q = question.rstrip("？?。 ")
    asks = any(w in q for w in lex["yes_no"]) or any(q.endswith(w) for w in lex["yes_no_endings"])
    asks = asks or (q.endswith("吗") and "有" in q)
    if not asks or answer.status != "answered" or answer.value is None or answer.unit == "%":
        return answer
    word = lex["yes_words"]["negative" if answer.value == 0 else "positive"]
    return answer.model_copy(update={"text": f"{word}。{answer.text}"})
