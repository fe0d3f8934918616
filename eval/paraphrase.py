"""The paraphrase split: questions generated from hand-verified golden cells x operations x wording.

Every expected value is one golden cell (tests/golden/corpus/*.json) or exact Decimal arithmetic over
golden cells of one document; the wording (question templates, year/kind/organisation variants,
header roles) lives in eval/lexicon/paraphrase.toml.  Each case names its cells in `evidence`
("table / row / column = value, p.N", joined by "; ") so a test can re-derive the value.

    python -m eval.paraphrase --out eval/testset_paraphrase.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden" / "corpus"
LEXICON = Path(__file__).parent / "lexicon" / "paraphrase.toml"
DEFAULT_OUT = Path(__file__).parent / "testset_paraphrase.jsonl"
OPERATIONS = ("lookup", "convert", "sum", "difference", "share")
REF_SEP = "; "
_REF = re.compile(
    r"^(?P<table>.+?) / (?P<row>.+?) / (?P<column>.+?) = (?P<value>-?\d+(?:\.\d+)?)(?P<unit>\S*), "
    r"p\.(?P<page>\S+)$"
)
_CODED_ROW = re.compile(r"^(?P<code>\d+) (?P<row>.+)$")
NO_ROW = "-"

Lexicon = dict[str, Any]


# ------------------------------------------------------------------ golden cells


@dataclass(frozen=True)
class Doc:
    folder: str
    prefix: str
    files: tuple[str, ...]  # the file holding the cells first
    department: str
    year: int
    kind: str
    titles: tuple[str, ...]  # non-empty tables


@dataclass(frozen=True)
class Cell:
    doc: Doc
    table: str
    row: str | None
    code: str | None
    column: tuple[str, ...]
    raw: str
    unit: str | None
    page: int | None
    blank: bool
    quirk: str

    @property
    def value(self) -> Decimal:
        return Decimal(self.raw)

    def ref(self) -> str:
        """Evidence form of the cell; `parse_ref` reads it back."""
        row = f"{self.code} {self.row}" if self.code and self.row else (self.row or NO_ROW)
        page = self.page if self.page is not None else "-"
        return f"{self.table} / {row} / {'/'.join(self.column)} = {self.raw}{self.unit or ''}, p.{page}"


@dataclass(frozen=True)
class CellRef:
    table: str
    row: str | None
    code: str | None
    column: tuple[str, ...]
    raw: str
    unit: str


def parse_ref(text: str) -> CellRef:
    m = _REF.match(text)
    if not m:
        raise ValueError(f"not a cell reference: {text!r}")
    row: str | None = m["row"]
    code: str | None = None
    coded = _CODED_ROW.match(m["row"])
    if coded:
        code, row = coded["code"], coded["row"]
    elif row == NO_ROW:
        row = None
    return CellRef(m["table"], row, code, tuple(m["column"].split("/")), m["value"], m["unit"])


def parse_evidence(evidence: str) -> list[CellRef]:
    return [parse_ref(part) for part in evidence.split(REF_SEP)]


def find_cell(cells: Sequence[Cell], ref: CellRef) -> Cell:
    hits = [
        c
        for c in cells
        if c.table == ref.table
        and (c.row or None) == ref.row
        and c.code == ref.code
        and c.column == ref.column
    ]
    if len(hits) != 1:
        raise LookupError(f"{len(hits)} golden cells match {ref}")
    return hits[0]


def load_doc(path: Path) -> tuple[Doc, list[Cell]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    files = [data["file"], *[f for f in data.get("files") or [] if f != data["file"]]]
    doc = Doc(
        folder=data["folder"],
        prefix=data["folder"].split("_", 1)[0],
        files=tuple(files),
        department=data["department"],
        year=int(data["year"]),
        kind=data["kind"],
        titles=tuple(t["title"] for t in data.get("tables", []) if not t.get("empty")),
    )
    cells = [
        Cell(
            doc=doc,
            table=c["table"],
            row=c.get("row"),
            code=c.get("code"),
            column=tuple(c["column"]),
            raw=str(c["value"]),
            unit=c.get("unit"),
            page=c.get("page"),
            blank=bool(c.get("blank")),
            quirk=c.get("quirk", ""),
        )
        for c in data.get("cells", [])
    ]
    return doc, cells


def load_golden(golden_dir: Path = GOLDEN_DIR) -> list[tuple[Doc, list[Cell]]]:
    return [load_doc(p) for p in sorted(golden_dir.glob("*.json"))]


def load_lexicon(path: Path = LEXICON) -> Lexicon:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def unit_factor(lex: Lexicon, unit: str) -> Decimal:
    return Decimal(lex["units"]["factors"][unit])


def convert_value(lex: Lexicon, value: Decimal, unit: str, to: str) -> Decimal:
    return value * unit_factor(lex, unit) / unit_factor(lex, to)


def share_value(part: Decimal, whole: Decimal) -> Decimal:
    return (part / whole * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# ------------------------------------------------------------------ items: what a question names


@dataclass(frozen=True)
class Qual:
    role: str  # side | qual | measure | year
    text: str


@dataclass
class Item:
    """One golden cell as a question can name it."""

    cell: Cell
    label: str
    names: tuple[str, ...]
    sources: tuple[str, ...]
    sangong: str | None
    quals: tuple[Qual, ...]
    slot: tuple[object, ...]
    is_total: bool
    is_sub: bool
    spend: bool
    level: str
    need_table: bool = False
    need_code: bool = False
    need_measure: bool = False
    table_word: str = ""

    @property
    def code(self) -> str | None:
        return self.cell.code

    def value_yuan(self, lex: Lexicon) -> Decimal:
        return self.cell.value * unit_factor(lex, self.cell.unit or "")

    def measure_token(self) -> str:
        return next((q.text for q in self.quals if q.role == "measure"), "")

    def signature(self) -> tuple[object, ...]:
        quals = tuple(q for q in self.quals if q.role != "measure" or self.need_measure)
        return (self.cell.table, self.names, self.code if self.need_code else None, quals)


def has_any(text: str, words: Iterable[str]) -> bool:
    return any(w in text for w in words)


def full_title(cell: Cell) -> str:
    return next((t for t in cell.doc.titles if cell.table in t), cell.table)


def clean_label(lex: Lexicon, label: str) -> str:
    pat = lex["patterns"]
    out = re.sub(pat["enum_prefix"], "", label)
    return re.sub(pat["label_suffix"], "", out)


def split_year(lex: Lexicon, token: str) -> tuple[int | None, str]:
    m = re.match(lex["patterns"]["year_prefix"], token)
    if not m:
        return None, token
    return int(m.group(1)), token[m.end() :]


def year_qual(lex: Lexicon, doc: Doc, year: int | None) -> list[Qual]:
    return [] if year is None or year == doc.year else [Qual("year", str(year))]


def classify_token(lex: Lexicon, token: str, balance: bool) -> Qual | None:
    """Role of a column header phrase outside sangong ("three public expenses") tables; raises
    KeyError when unknown."""
    tok = lex["tokens"]
    if balance and token in tok["side"]:
        return Qual("side", tok["side"][token])
    if token in tok["qualifier"]:
        return Qual("qual", tok["qualifier"][token])
    if token in tok["measure"]:
        return Qual("measure", token)
    if token in tok["drop"] or token in tok["total"] or token == "":
        return None
    raise KeyError(f"header not in lexicon: {token}")


def column_quals(lex: Lexicon, cell: Cell, balance: bool) -> list[Qual]:
    quals: list[Qual] = []
    for token in cell.column:
        year, rest = split_year(lex, token)
        quals.extend(year_qual(lex, cell.doc, year))
        q = classify_token(lex, rest, balance)
        if q is not None:
            quals.append(q)
    return quals


def sangong_item_key(lex: Lexicon, token: str) -> str | None:
    for key, spec in lex["sangong"]["items"].items():
        if token in spec["aliases"]:
            return key
    return None


def resolve_sangong(lex: Lexicon, cell: Cell) -> tuple[str, list[Qual]]:
    """The sangong item of a cell (row or column) and its qualifiers; raises KeyError when unresolved."""
    sg = lex["sangong"]
    row = clean_label(lex, cell.row or "")
    tokens = ([row] if row else []) + list(cell.column)
    item: str | None = None
    bare_total, heading = False, False
    quals: list[Qual] = []
    for token in tokens:
        year, rest = split_year(lex, token)
        quals.extend(year_qual(lex, cell.doc, year))
        key = sangong_item_key(lex, rest)
        if key is not None:
            item = key
        elif rest in sg["heading"]:
            heading = True
        elif rest in sg["total"]:
            bare_total = bare_total or (
                item is None and (heading or not has_any(cell.table, sg["meeting_table"]))
            )
        elif rest in sg["measure"]:
            quals.append(Qual("measure", rest))
        elif rest in sg["qualifier"]:
            quals.append(Qual("qual", sg["qualifier"][rest]))
        elif rest not in sg["drop"] and rest != "":
            raise KeyError(f"header not in lexicon: {token}")
    if item is None and bare_total:
        item = "total"
    if item is None:
        raise KeyError(f"no sangong item (a bare total of a table with other costs): {'/'.join(tokens)}")
    return item, quals


def sangong_ancestors(lex: Lexicon, key: str) -> list[str]:
    out: list[str] = []
    parent = lex["sangong"]["items"][key]["parent"]
    while parent:
        out.append(parent)
        parent = lex["sangong"]["items"][parent]["parent"]
    return out


def table_word(lex: Lexicon, cell: Cell) -> str:
    return re.sub(lex["words"]["table_strip"], "", cell.table)


def make_sangong_item(lex: Lexicon, cell: Cell) -> Item:
    key, quals = resolve_sangong(lex, cell)
    spec = lex["sangong"]["items"][key]
    return Item(
        cell=cell,
        label=spec["names"][0],
        names=tuple(spec["names"]),
        sources=tuple(spec["sources"]),
        sangong=key,
        quals=tuple(quals),
        slot=(cell.table, "sangong", tuple(quals)),
        is_total=key == "total",
        is_sub=False,
        spend=True,
        level="sangong",
        table_word=table_word(lex, cell),
    )


def is_total_label(lex: Lexicon, label: str) -> bool:
    w = lex["words"]
    return label in w["total_labels"] or any(label.endswith(s) for s in w["total_suffixes"])


def is_spend(lex: Lexicon, cell: Cell, label: str, quals: Sequence[Qual], balance: bool) -> bool:
    w, title = lex["words"], full_title(cell)
    if balance:
        side = next((q.text for q in quals if q.role == "side"), "")
        return side == w["sides"][1] and not is_total_label(lex, label) and not has_any(label, w["carryover"])
    return lex["tables"]["spending"] in title and not has_any(title, lex["tables"]["income"])


def row_level(lex: Lexicon, cell: Cell, label: str, balance: bool) -> str:
    """Code, numbering level ([patterns].numbered), class name, or item; "" when unknown (an
    unnumbered row of an income-and-spending table may be a part of the row above it)."""
    if cell.code:
        return cell.code
    for level, pattern in lex["patterns"]["numbered"].items():
        if re.match(pattern, cell.row or ""):
            return level
    if label in lex["levels"]["classes"]:
        return "class"
    return "" if balance else "item"


def make_row_item(lex: Lexicon, cell: Cell) -> Item:
    title = full_title(cell)
    balance = has_any(title, lex["tables"]["balance"])
    label = clean_label(lex, cell.row or "")
    quals = column_quals(lex, cell, balance)
    # the side is said only when the label does not already say it
    if has_any(label, lex["words"]["sides"]):
        quals = [q for q in quals if q.role != "side"]
    quals = [q for q in quals if q.role != "qual" or q.text not in label]
    level = row_level(lex, cell, label, balance)
    return Item(
        cell=cell,
        label=label,
        names=(label,),
        sources=(label, *([cell.code] if cell.code else [])),
        sangong=None,
        quals=tuple(quals),
        slot=(cell.table, cell.column, tuple(q for q in quals if q.role != "side")),
        is_total=is_total_label(lex, label),
        is_sub=bool(re.match(lex["patterns"]["sub_prefix"], cell.row or "")),
        spend=is_spend(lex, cell, label, quals, balance),
        level=level,
        table_word=table_word(lex, cell),
    )


def skip_reason(lex: Lexicon, cell: Cell, flagged_tables: set[str]) -> str:
    """Why a cell cannot be named by a question ('' when it can).  Blank cells are named (they take
    part in the ambiguity checks) but never asked."""
    if cell.unit not in lex["units"]["factors"]:
        return f"unit {cell.unit!r}"
    label = clean_label(lex, cell.row or "")
    if cell.doc.department in label:
        return "row is a unit name"
    if lex["tables"]["sangong"] in cell.table:
        return ""
    if re.match(lex["patterns"]["pure_number"], label):
        return "row label empty or a number"
    if cell.code and cell.table in flagged_tables:
        return "codes repeated in blocks"
    return ""


def flagged(lex: Lexicon, cells: Sequence[Cell]) -> set[str]:
    return {c.table for c in cells if has_any(c.quirk, lex["skip"]["table_quirks"])}


def build_items(lex: Lexicon, cells: Sequence[Cell], skipped: Counter[str]) -> list[Item]:
    items: list[Item] = []
    tables = flagged(lex, cells)
    for cell in cells:
        reason = skip_reason(lex, cell, tables)
        if reason:
            skipped[reason] += 1
            continue
        try:
            sangong = lex["tables"]["sangong"] in cell.table
            items.append(make_sangong_item(lex, cell) if sangong else make_row_item(lex, cell))
        except KeyError as exc:
            skipped[str(exc.args[0])] += 1
    return items


# ------------------------------------------------------------------ ambiguity


def econ_tables(lex: Lexicon, doc: Doc) -> int:
    t = lex["tables"]
    return sum(1 for title in doc.titles if has_any(title, t["basic"]) and t["sangong"] not in title)


def table_needed(lex: Lexicon, item: Item) -> bool:
    """Whether the document holds the same row in another table (a part of the money, another view)."""
    if item.sangong:
        return False
    t, title = lex["tables"], full_title(item.cell)
    if has_any(title, t["balance"]):
        return has_any(title, t["subset"])
    code = item.code or ""
    if code.startswith("2"):
        return not (t["spending"] in title and not has_any(title, t["not_overall"]))
    if code.startswith("3"):
        return econ_tables(lex, item.cell.doc) > 1 or not has_any(title, t["basic"])
    return True


def mark_ambiguity(lex: Lexicon, items: list[Item], skipped: Counter[str]) -> list[Item]:
    for item in items:
        item.need_table = table_needed(lex, item)
        natural = lex["words"]["natural_measure"][item.cell.doc.kind]
        item.need_measure = item.measure_token() not in ("", natural)
    for a, b in itertools.combinations(items, 2):
        if not set(a.names) & set(b.names) or a.value_yuan(lex) == b.value_yuan(lex):
            continue
        if a.cell.table != b.cell.table:
            a.need_table = b.need_table = True
        elif a.code != b.code:
            a.need_code = b.need_code = True
    return drop_collisions(lex, items, skipped)


def drop_collisions(lex: Lexicon, items: list[Item], skipped: Counter[str]) -> list[Item]:
    """Same name, table and qualifiers but another value: name the measure too; still the same: drop
    them all.  Same value: keep the first (either answer is right)."""

    def groups() -> dict[tuple[object, ...], list[Item]]:
        out: dict[tuple[object, ...], list[Item]] = {}
        for item in items:
            out.setdefault(item.signature(), []).append(item)
        return out

    for group in groups().values():
        if len({i.value_yuan(lex) for i in group}) > 1:
            for i in group:
                i.need_measure = True
    kept: list[Item] = []
    for group in groups().values():
        if len({i.value_yuan(lex) for i in group}) > 1:
            skipped["ambiguous within the golden file"] += len(group)
            continue
        kept.append(group[0])
        skipped["same value as another cell of the same name"] += len(group) - 1
    return sorted(kept, key=items.index)


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


# ------------------------------------------------------------------ selection


@dataclass
class Pools:
    """One document's candidates: cells to look up or convert, combinations to compute."""

    doc: Doc
    items: list[Item]
    convertible: list[Item]
    combos: dict[str, list[tuple[Item, ...]]]

    def available(self, op: str, plan: dict[str, int]) -> int:
        """How many more cases of `op` the document can give, given what is planned already."""
        if op in self.combos:
            return len(self.combos[op]) - plan[op]
        cells_left = len(self.items) - plan["lookup"] - plan["convert"]
        if op == "convert":
            return min(cells_left, len(self.convertible) - plan["convert"])
        return cells_left

    def size(self, per_doc: int) -> int:
        return min(per_doc, len(self.items) + sum(len(c) for c in self.combos.values()))


def make_pools(lex: Lexicon, doc: Doc, cells: Sequence[Cell], skipped: Counter[str]) -> Pools:
    named = mark_ambiguity(lex, build_items(lex, cells, skipped), skipped)
    items = [i for i in named if not i.cell.blank]
    skipped["blank"] += len(named) - len(items)
    combos = {
        "sum": sum_candidates(lex, items),
        "difference": difference_candidates(lex, items),
        "share": share_candidates(lex, items),
    }
    convertible = [i for i in items if i.cell.value != 0 and convert_units(lex, i)]
    return Pools(doc, items, convertible, combos)


def plan_cases(lex: Lexicon, pools: Sequence[Pools]) -> list[dict[str, int]]:
    """Cases per operation and document: each operation's share of the whole split (`mix`), spread
    evenly over the documents that have candidates; lookups fill each document up to `per_doc`."""
    conf = lex["generator"]
    per_doc = int(conf["per_doc"])
    plans = [dict.fromkeys(OPERATIONS, 0) for _ in pools]
    sizes = [p.size(per_doc) for p in pools]
    keep = [
        min(len(p.items), int(float(conf["lookup_floor"]) * n)) for p, n in zip(pools, sizes, strict=True)
    ]
    for op in conf["fill"]:
        target = round(float(conf["mix"][op]) * sum(sizes))
        for cap in range(1, per_doc + 1):
            for pool, plan, size, kept in zip(pools, plans, sizes, keep, strict=True):
                planned = sum(pl[op] for pl in plans)
                free = size - sum(plan.values()) - kept
                if planned < target and plan[op] < cap and free > 0 and pool.available(op, plan) > 0:
                    plan[op] += 1
    for pool, plan, size in zip(pools, plans, sizes, strict=True):
        for op in ("lookup", *conf["refill"]):
            plan[op] += max(0, min(size - sum(plan.values()), pool.available(op, plan)))
    return plans


def pick(rng: random.Random, pool: Sequence[Item], k: int) -> list[Item]:
    order = list(pool)
    rng.shuffle(order)
    return order[:k]


def pick_combos(
    rng: random.Random, pool: Sequence[tuple[Item, ...]], k: int, used: set[Cell]
) -> list[tuple[Item, ...]]:
    """k of pool, spread over the cells: each next combination uses the fewest cells used so far."""
    order = list(pool)
    rng.shuffle(order)
    out: list[tuple[Item, ...]] = []
    while order and len(out) < k:
        best = min(order, key=lambda c: sum(i.cell in used for i in c))
        order.remove(best)
        out.append(best)
        used |= {i.cell for i in best}
    return out


def doc_cases(lex: Lexicon, pools: Pools, want: dict[str, int]) -> list[Case]:
    rng = random.Random(f"{lex['generator']['seed']}:{pools.doc.folder}")
    words = Words(lex, pools.doc, rng)
    converted = pick(rng, pools.convertible, want["convert"])
    looked = pick(rng, [i for i in pools.items if i not in converted], want["lookup"])
    cases = [lookup_case(words, i) for i in looked] + [convert_case(words, i) for i in converted]
    used = {i.cell for i in converted + looked}
    builders = {"sum": sum_case, "difference": difference_case, "share": share_case}
    for op, build in builders.items():
        cases += [build(words, combo) for combo in pick_combos(rng, pools.combos[op], want[op], used)]
    return cases


def generate(
    lex: Lexicon | None = None, golden_dir: Path = GOLDEN_DIR
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """All cases (as EvalCase dicts) and the count of golden cells skipped, by reason."""
    lex = lex or load_lexicon()
    skipped: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    pools: list[Pools] = []
    for doc, cells in load_golden(golden_dir):
        if cells:
            pools.append(make_pools(lex, doc, cells, skipped))
        else:
            skipped["document without cells"] += 1
    for pool, want in zip(pools, plan_cases(lex, pools), strict=True):
        for n, case in enumerate(doc_cases(lex, pool, want), start=1):
            records.append(case.record(f"P-{pool.doc.prefix}-{n:03d}"))
    return records, skipped


def to_jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def summary(records: Sequence[dict[str, Any]]) -> str:
    ops = Counter(r["category"] for r in records)
    docs = Counter(r["id"].split("-")[1] for r in records)
    lines = [f"{len(records)} cases", "by operation: " + ", ".join(f"{op} {ops[op]}" for op in OPERATIONS)]
    lines.append("by document: " + ", ".join(f"{d} {n}" for d, n in sorted(docs.items())))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lexicon", type=Path, default=LEXICON)
    args = parser.parse_args(argv)
    records, skipped = generate(load_lexicon(args.lexicon))
    args.out.write_text(to_jsonl(records), encoding="utf-8")
    print(summary(records), file=sys.stderr)
    for reason, n in sorted(skipped.items()):
        print(f"skipped {n}: {reason}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
