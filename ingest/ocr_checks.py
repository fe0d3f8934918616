"""Figures read by OCR are trusted only when the table's own arithmetic confirms them: a 类 equals the
sum of its 款, a 款 the sum of its 项, a 合计 row the sum of the 类 rows, and a 合计/小计 column the sum
of its sibling columns. A figure on an OCR page that only takes part in failing sums, or that no sum
covers and the recogniser was unsure of, is stored with `low_confidence`; nothing is corrected."""

from __future__ import annotations

import tomllib
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from decimal import Decimal
from functools import cache
from pathlib import Path

from assistant.textnorm import label_key, squash
from assistant.types import TableCell, TableRecord

LEXICON = Path(__file__).parent / "lexicon" / "ocr.toml"
CENT = Decimal("0.01")
Sum = tuple[TableCell, list[TableCell]]  # (whole, parts)


@cache
def _lexicon() -> dict:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


def flag_unconfirmed(
    tables: Sequence[TableRecord],
    cells: Sequence[TableCell],
    ocr_pages: set[int],
    doubts: Collection[tuple[int, str]] = (),
) -> list[TableCell]:
    """`cells` with low_confidence set on the OCR figures the arithmetic does not confirm.

    Args:
        ocr_pages: document pages read by OCR.
        doubts: (page, cell text) the recogniser read with a low score."""
    if not ocr_pages or not any(c.provenance.page in ocr_pages for c in cells):
        return list(cells)
    passed: set[str] = set()
    failed: set[str] = set()
    by_table: dict[str, list[TableCell]] = defaultdict(list)
    for c in cells:
        by_table[c.table_id].append(c)
    for t in tables:
        for whole, parts in _sums(by_table[t.table_id]):
            added = sum((p.value or Decimal(0) for p in parts), Decimal(0))
            tolerance = (Decimal(1) if t.unit == "元" else CENT) * len(parts)
            ok = whole.value is not None and abs(added - whole.value) <= tolerance
            (passed if ok else failed).update(c.cell_id for c in (whole, *parts))
    unsure = {(page, squash(text)) for page, text in doubts}

    def low(c: TableCell) -> bool:
        if c.provenance.page not in ocr_pages or c.cell_id in passed or not squash(c.raw):
            return False
        return c.cell_id in failed or c.value is None or (c.provenance.page, squash(c.raw)) in unsure

    return [c.model_copy(update={"low_confidence": True}) if low(c) else c for c in cells]


def _sums(cells: list[TableCell]) -> Iterator[Sum]:
    numeric = [c for c in cells if c.value is not None or squash(c.raw)]
    yield from _code_sums(numeric)
    yield from _column_sums(numeric)


def _is_total(label: str) -> bool:
    return label_key(label).endswith(tuple(_lexicon()["totals"]))


def _code_sums(cells: list[TableCell]) -> Iterator[Sum]:
    """Per column: parent code = Σ child codes (one level down), 合计 row = Σ top-level codes."""
    columns: dict[tuple[str, int], list[TableCell]] = defaultdict(list)
    for c in cells:
        columns[(c.side, c.col)].append(c)
    for column in columns.values():
        coded = {c.code: c for c in column if c.code}
        for code, parent in coded.items():
            kids = [c for k, c in coded.items() if len(k) == len(code) + 2 and k.startswith(code)]
            if kids:
                yield parent, kids
        top = [c for k, c in coded.items() if len(k) == 3]
        totals = [c for c in column if not c.code and _is_total(c.row_label)]
        if top and totals:
            yield totals[0], top


def _column_sums(cells: list[TableCell]) -> Iterator[Sum]:
    """Per row: a 合计/小计 column = Σ its sibling columns (a sibling group's own 小计 when it has one)."""
    rows: dict[tuple[int, str], dict[tuple[str, ...], TableCell]] = defaultdict(dict)
    for c in cells:
        path = tuple(label_key(p) for p in c.col_label.split("/") if p)
        rows[(c.row, c.side)].setdefault(path, c)
    parts_words = tuple(_lexicon()["part_prefixes"])
    for row in rows.values():
        for path, whole in row.items():
            if not path or not _is_total(path[-1]):
                continue
            prefix = path[:-1]
            groups: dict[str, list[tuple[tuple[str, ...], TableCell]]] = defaultdict(list)
            for other, c in row.items():
                below = other != path and other[: len(prefix)] == prefix and len(other) > len(prefix)
                if below and not other[len(prefix)].startswith(parts_words):
                    groups[other[len(prefix)]].append((other, c))
            parts = [_group_value(members, len(prefix)) for members in groups.values()]
            if len(parts) >= 2 and all(parts):  # a group without a figure of its own: no sum to check
                yield whole, [p for p in parts if p]


def _group_value(members: list[tuple[tuple[str, ...], TableCell]], depth: int) -> TableCell | None:
    """The cell standing for a sibling group: its own column, else its 小计 column."""
    own = [c for path, c in members if len(path) == depth + 1]
    if own:
        return own[0]
    sub = [c for path, c in members if len(path) == depth + 2 and _is_total(path[-1])]
    return sub[0] if sub else None
