"""Golden cells for the paraphrase split: reading tests/golden/corpus/*.json, the evidence form of a
cell, and the items a question can name (which cells, with which name, qualifiers and level).

The wording these rely on (header roles, labels, patterns) lives in eval/lexicon/paraphrase.toml.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOLDEN_DIR = ROOT / "tests" / "golden" / "corpus"
LEXICON = Path(__file__).parent / "lexicon" / "paraphrase.toml"
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
