"""Operations of the paraphrase split: the wording of one document's questions, the case builders
(lookup, convert, sum, difference, share) and the cell combinations each operation may compute.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from eval.paraphrase_cells import (
    REF_SEP,
    Doc,
    Item,
    Lexicon,
    is_total_label,
    sangong_ancestors,
    unit_factor,
)


def convert_value(lex: Lexicon, value: Decimal, unit: str, to: str) -> Decimal:
    return value * unit_factor(lex, unit) / unit_factor(lex, to)


def share_value(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ wording


@dataclass
class Words:
    """Random wording of one document's questions."""

    lex: Lexicon
    doc: Doc
    rng: random.Random
    conf: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        self.conf = self.lex["generator"]

    def pick(self, options: Sequence[str]) -> str:
        return self.rng.choice(list(options))

    def chance(self, key: str) -> bool:
        return self.rng.random() < float(self.conf[key])

    def frame(self) -> dict[str, str]:
        spec = self.lex["docs"][self.doc.prefix]
        w = self.lex["words"]
        kinds = spec.get("kind") or w["kind"][self.doc.kind]
        return {
            "org": self.pick(spec["org"]),
            "year": self.pick(w["year"]).format(year=self.doc.year),
            "kind": self.pick(kinds),
        }

    def base(self, item: Item) -> str:
        """The row (or sangong item) with its code and side, without column qualifiers."""
        w = self.lex["words"]
        name = self.pick(item.names) if item.sangong else item.label
        if item.code and (item.need_code or self.chance("code_form")):
            name = self.pick(w["code_forms"]).format(code=item.code, label=name)
        side = next((q.text for q in item.quals if q.role == "side"), "")
        if side:
            forms = w["side_total_forms"] if is_total_label(self.lex, item.label) else w["side_forms"]
            name = self.pick(forms).format(side=side, label=name)
        year = next((q.text for q in item.quals if q.role == "year"), "")
        if year:
            name = self.pick(w["other_year_forms"]).format(year=year, item=name)
        return name

    def measure(self, item: Item, optional: bool = True) -> str:
        token = item.measure_token()
        if not token or not (item.need_measure or (optional and self.chance("optional_measure"))):
            return ""
        return self.pick(self.lex["measure"][token])

    def quals(self, item: Item, optional: bool = True) -> str:
        """Column qualifiers and measure as one phrase ('' when none); `optional`: may name a measure
        the question can do without."""
        texts = [q.text for q in item.quals if q.role == "qual"]
        return self.lex["words"]["qual_join"].join(texts) + self.measure(item, optional)

    def name(self, item: Item) -> str:
        w = self.lex["words"]
        name = self.base(item)
        texts = [q.text for q in item.quals if q.role == "qual"]
        if texts:
            forms = w["qual_total_forms"] if is_total_label(self.lex, item.label) else w["qual_forms"]
            name = self.pick(forms).format(label=name, qual=w["qual_join"].join(texts))
        measure = self.measure(item)
        if measure:
            name = self.pick(w["measure_forms"]).format(item=name, measure=measure)
        return name

    def with_table(self, item: Item, name: str) -> str:
        if item.need_table or self.chance("optional_table"):
            return self.pick(self.lex["words"]["table_forms"]).format(table=item.table_word, item=name)
        return name

    def ask(self, item: Item) -> str:
        a = self.lex["ask"]
        if self.chance("native_unit_ask"):
            return self.pick(a["unit"]).format(unit=item.cell.unit)
        options = list(a["generic"])
        if item.spend:
            options += a["budget_spend"] if self.doc.kind == "budget" else a["final_spend"]
        return self.pick(options)

    def scope(self, section: str, items: Sequence[Item], qual: str = "") -> str:
        spec = self.lex[section]
        out = ""
        if any(i.need_table for i in items) or self.chance("optional_table"):
            out = self.pick(spec["scope"]).format(table=items[0].table_word)
        if qual and "qual_scope" in spec:
            out += self.pick(spec["qual_scope"]).format(qual=qual)
        return out


# ------------------------------------------------------------------ cases


@dataclass(frozen=True)
class Case:
    op: str
    items: tuple[Item, ...]
    value: Decimal
    unit: str
    question: str

    def record(self, case_id: str) -> dict[str, Any]:
        first = self.items[0].cell
        sources: list[str] = []
        for item in self.items:
            sources += [s for s in item.sources if s not in sources]
        return {
            "id": case_id,
            "question": self.question,
            "docs": list(first.doc.files),
            "type": "number",
            "value": float(self.value),
            "unit": self.unit,
            "tol": 0.01,
            "source": sources,
            "category": self.op,
            "page": first.page,
            "evidence": REF_SEP.join(i.cell.ref() for i in self.items),
        }


def lookup_case(words: Words, item: Item) -> Case:
    fill = words.frame() | {"item": words.with_table(item, words.name(item)), "ask": words.ask(item)}
    question = words.pick(words.lex["lookup"]["templates"]).format(**fill)
    return Case("lookup", (item,), item.cell.value, item.cell.unit or "", question)


def convert_units(lex: Lexicon, item: Item) -> list[str]:
    u = lex["units"]
    large = Decimal(u["large"])
    return [
        to
        for to in u["convert"].get(item.cell.unit, [])
        if unit_factor(lex, to) <= unit_factor(lex, item.cell.unit or "") or item.value_yuan(lex) >= large
    ]


def convert_case(words: Words, item: Item) -> Case:
    lex = words.lex
    to = words.pick(convert_units(lex, item))
    value = convert_value(lex, item.cell.value, item.cell.unit or "", to)
    fill = words.frame() | {"item": words.with_table(item, words.name(item)), "unit": to}
    question = words.pick(lex["convert"]["templates"]).format(**fill)
    return Case("convert", (item,), value, to, question)


def sum_case(words: Words, items: Sequence[Item]) -> Case:
    spec = words.lex["sum"]
    names = [words.base(i) for i in items]
    joined = words.pick(spec["join2"] if len(names) == 2 else spec["join3"])
    qual = words.quals(items[0])
    fill = words.frame() | {
        "scope": words.scope("sum", items),
        "items": joined.format(**dict(zip("abc", names, strict=False))),
        "qual": words.pick(spec["qual"]).format(qual=qual) if qual else "",
    }
    value = sum((i.cell.value for i in items), Decimal(0))
    return Case(
        "sum", tuple(items), value, items[0].cell.unit or "", words.pick(spec["templates"]).format(**fill)
    )


def difference_case(words: Words, pair: Sequence[Item]) -> Case:
    spec = words.lex["difference"]
    a, b = pair
    larger_first = words.chance("larger_first") or a.is_total or b.is_total
    if larger_first and a.cell.value < b.cell.value:
        a, b = b, a
    templates = spec["larger_first"] if larger_first else spec["any_order"]
    fill = words.frame() | {
        "scope": words.scope("difference", (a, b), words.quals(a, optional=False)),
        "a": words.base(a),
        "b": words.base(b),
    }
    value = a.cell.value - b.cell.value
    return Case("difference", (a, b), value, a.cell.unit or "", words.pick(templates).format(**fill))


def share_case(words: Words, pair: Sequence[Item]) -> Case:
    spec = words.lex["share"]
    part, whole = pair
    fill = words.frame() | {
        "scope": words.scope("share", pair, words.quals(part, optional=False)),
        "part": words.base(part),
        "whole": words.base(whole),
    }
    value = share_value(part.cell.value, whole.cell.value)
    unit = words.lex["units"]["percent"]
    return Case("share", (part, whole), value, unit, words.pick(spec["templates"]).format(**fill))


# ------------------------------------------------------------------ candidates


def nested(lex: Lexicon, a: Item, b: Item) -> bool:
    """One is a part of the other (code descent, sangong hierarchy)."""
    if a.sangong and b.sangong:
        return a.sangong in sangong_ancestors(lex, b.sangong) or b.sangong in sangong_ancestors(
            lex, a.sangong
        )
    if a.code and b.code:
        return a.code.startswith(b.code) or b.code.startswith(a.code)
    return False


def addable(lex: Lexicon, a: Item, b: Item) -> bool:
    """Parts of one whole that do not overlap: sangong items under the sangong total, codes not nested, or
    uncoded rows of one known level."""
    if a.sangong or b.sangong:
        both = bool(a.sangong and b.sangong)
        return (
            both
            and bool(sangong_ancestors(lex, a.sangong or ""))
            and bool(sangong_ancestors(lex, b.sangong or ""))
        )
    if a.code and b.code:
        return not nested(lex, a, b)
    if a.code or b.code:
        return False
    return bool(a.level) and a.level == b.level


def operands(items: Sequence[Item]) -> list[Item]:
    return [i for i in items if not i.is_sub and i.cell.value != 0 and not i.cell.blank]


def by_slot(items: Sequence[Item]) -> dict[tuple[object, ...], list[Item]]:
    slots: dict[tuple[object, ...], list[Item]] = {}
    for item in items:
        slots.setdefault(item.slot, []).append(item)
    return slots


def distinct_names(group: Sequence[Item]) -> bool:
    return len({(i.label, i.code if i.need_code else None) for i in group}) == len(group)


def sum_candidates(lex: Lexicon, items: Sequence[Item]) -> list[tuple[Item, ...]]:
    out: list[tuple[Item, ...]] = []
    for group in by_slot(operands([i for i in items if not i.is_total])).values():
        for k in (2, 3):
            for combo in itertools.combinations(group, k):
                pairs = itertools.combinations(combo, 2)
                if distinct_names(combo) and all(
                    addable(lex, a, b) and not nested(lex, a, b) for a, b in pairs
                ):
                    out.append(combo)
    return out


def difference_candidates(lex: Lexicon, items: Sequence[Item]) -> list[tuple[Item, ...]]:
    out: list[tuple[Item, ...]] = []
    for group in by_slot(operands(items)).values():
        for a, b in itertools.combinations(group, 2):
            if not (a.is_total and b.is_total) and distinct_names((a, b)) and a.cell.value != b.cell.value:
                out.append((a, b))
    return out


def is_part(lex: Lexicon, part: Item, whole: Item) -> bool:
    if part.sangong and whole.sangong:
        return whole.sangong in sangong_ancestors(lex, part.sangong)
    if part.code and whole.code:
        return part.code != whole.code and part.code.startswith(whole.code)
    return False


def share_candidates(lex: Lexicon, items: Sequence[Item]) -> list[tuple[Item, ...]]:
    out: list[tuple[Item, ...]] = []
    for group in by_slot([i for i in items if i.cell.value != 0 and not i.cell.blank]).values():
        for part, whole in itertools.permutations(group, 2):
            if is_part(lex, part, whole) and part.cell.value != whole.cell.value:
                out.append((part, whole))
    return out
