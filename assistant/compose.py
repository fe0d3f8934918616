"""Evidence for a number, and how answers point at it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from assistant import calc
from assistant.citations import row_name
from assistant.lookup import Target
from assistant.types import Citation, DocumentRecord, TableCell


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
