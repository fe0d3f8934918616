"""The 说明's stated amounts against the document's own tables, for any item the tables hold.

“一般公共服务支出606.40万元”, “基本支出658.02万元”, “人员经费614.8万元”: the words before an amount are read
as a label; the label must end in a table row label, a column of a 合计 row (基本支出, 人员经费 …) or carry
a classification code, preceded only by years, the department's name and scope words. An item of a list
(其中/包括) is read only under a head the tables know (项目支出…其中：公共安全支出 is the 项目支出 column of
that row). Every table figure the label names must agree; the amount must equal no figure printed under
that label in any column. Only then is a difference a finding, with both sides cited and the conversion
exact. A difference within one unit of the last printed digit (or 0.01万元) is reported as rounding; a
correctly rounded figure (433.21万元 for 4,332,123元) is no finding."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from assistant.audit_base import (
    AMOUNT,
    Finding,
    Sentence,
    alternation,
    cite_place,
    decimals,
    in_unit,
    lexicon,
    number,
    sentences,
)
from assistant.calc import fmt, quantize
from assistant.citations import cite_cell, row_name
from assistant.textnorm import label_key
from assistant.types import Citation, DocumentRecord, Fact, TableCell, TableRecord

_LABEL_END = re.compile(r"[，,；;：:。、！？]")
_YEAR = re.compile(r"(?:19|20)\d{2}年度?")
_CODE = re.compile(r"[（(]\s*(?P<code>\d{3}(?:\d{2}){0,2})\s*[类款项]?\s*[）)]$")
_UNPLACED = "列位置不明"  # the header ingest gives a value it could not place under a column
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A row under another row (（一）一般公共预算拨款 under 二、上年结转): its meaning depends on its parent.
_SUBROW = re.compile(r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[.．、](?!\d))")


@dataclass(frozen=True)
class _Index:
    """The document's table figures addressable by a label."""

    rows: dict[str, list[TableCell]]  # row label key -> each table's own figure of that row
    columns: dict[str, list[TableCell]]  # column key -> the 合计 row's figure in that column, per table
    codes: dict[str, list[TableCell]]  # classification code -> each table's own figure of that row
    split: dict[tuple[str, str], list[TableCell]]  # (row key, column key) -> figures
    seen: dict[str, set[Decimal]]  # label key -> every value (in 元) printed under it, any column
    titles: dict[str, str]  # table id -> title key

    def labels(self) -> set[str]:
        return set(self.rows) | set(self.columns)


def _col_key(cell: TableCell) -> str:
    """What a column holds: its last header level that is no measure or subtotal (项目支出/小计: 项目支出;
    机关运行经费预算数: 机关运行经费)."""
    lex = lexicon()["stated_table"]
    tails = {label_key(w) for w in lex["column_tails"]}
    for level in reversed([label_key(p) for p in cell.col_label.split("/") if p]):
        if level in tails:
            continue
        tail = next((t for t in lex["measure_suffixes"] if level.endswith(t) and level != t), "")
        return level[: len(level) - len(tail)]
    return ""


def _readable(cell: TableCell) -> bool:
    """A money figure under a real header (a code read as a value, 2050303 under “3/”, is not)."""
    if cell.value is None or cell.unit is None or in_unit(Decimal(1), cell.unit, "元") is None:
        return False
    return bool(_CJK.search(cell.col_label)) and not (cell.code and str(cell.value) == cell.code)


def _index(doc: DocumentRecord, tables: Sequence[TableRecord], cells: Sequence[TableCell]) -> _Index:
    lex = lexicon()["stated_table"]
    skip = re.compile(alternation(lex["skip_columns"][doc.kind]))
    generic = {label_key(w) for w in (*lex["generic"], *lex["column_tails"], *lex["measure_suffixes"])}
    totals = {label_key(w) for w in lex["total_rows"]}
    rows: dict[str, list[TableCell]] = defaultdict(list)
    columns: dict[str, list[TableCell]] = defaultdict(list)
    codes: dict[str, list[TableCell]] = defaultdict(list)
    split: dict[tuple[str, str], list[TableCell]] = defaultdict(list)
    seen: dict[str, set[Decimal]] = defaultdict(set)
    first: set[tuple[str, int, str]] = set()
    table_rows: dict[str, set[int]] = defaultdict(set)
    readable = [c for c in cells if _readable(c)]
    for c in readable:
        table_rows[c.table_id].add(c.row)
    for c in sorted(readable, key=lambda c: c.col):
        yuan = in_unit(c.value or Decimal(0), c.unit or "", "元")
        row, col = label_key(c.row_label), _col_key(c)
        seen[row].add(yuan or Decimal(0))
        seen[col].add(yuan or Decimal(0))
        if skip.search(c.col_label) or _UNPLACED in c.col_label:
            continue
        split[(row, col)].append(c)
        if (c.table_id, c.row, c.side) not in first:
            first.add((c.table_id, c.row, c.side))
            if c.code:
                codes[c.code].append(c)
            subrow = not c.code and _SUBROW.match(c.row_label)
            if row and row not in generic and not _YEAR.fullmatch(row) and not subrow:
                rows[row].append(c)
        total = row in totals or (not row and len(table_rows[c.table_id]) == 1)  # 三公 tables: one row
        if total and col and col not in generic and col not in totals and not _YEAR.search(col):
            columns[col].append(c)
    titles = {t.table_id: label_key(t.title) for t in tables}
    return _Index(dict(rows), dict(columns), dict(codes), dict(split), dict(seen), titles)


@dataclass(frozen=True)
class _Label:
    key: str  # the table label it ends in
    scopes: tuple[str, ...]  # scope words of its qualifier (一般公共预算 …), which restrict the tables
    code: str | None = None


@cache
def _patterns(kind: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    lex = lexicon()
    st = lex["stated_table"]
    connectors = re.compile(rf"(?:{alternation(st['connectors'][kind])})$")
    change = re.compile(rf"(?:{alternation(lex['change'])})(?:{alternation(lex['change_filler'])})?$")
    foreign = re.compile(alternation(st["foreign"]))
    opener = re.compile(alternation(st["list_openers"]))
    return connectors, change, foreign, opener


def _scopes(text: str) -> tuple[str, ...]:
    """Scope words of a sentence or qualifier (财政拨款支出总计…，其中…项目支出): they narrow the tables."""
    st = lexicon()["stated_table"]
    key = label_key(text)
    for word in st["not_scopes"]:
        key = key.replace(label_key(word), "")
    return tuple(w for w in st["scopes"] if label_key(w) in key)


def _residual(words: str, doc: DocumentRecord, extra: Sequence[str] = ()) -> str:
    """What is left of a qualifier without years, the department's name, scope and qualifier words."""
    st = lexicon()["stated_table"]
    rest = _YEAR.sub("", label_key(words))
    names = {doc.department, doc.region or "", *st["qualifiers"], *st["scopes"], *extra}
    for name in sorted(names, key=len, reverse=True):
        if name:
            rest = rest.replace(label_key(name), "")
    return rest.strip("".join(st["glue"]))


def _read_label(words: str, doc: DocumentRecord, index: _Index) -> _Label | None:
    """The table label the words before an amount end in, when everything before it is a qualifier."""
    connectors, _, foreign, _ = _patterns(doc.kind)
    words = re.sub(r"\s+", "", words)
    code = _CODE.search(words)
    if code:
        words = words[: code.start()]
    labels = index.labels()
    key, match = label_key(words), None
    while match is None:  # 收入预算 is a column; 基本支出预算数为: 基本支出
        match = max((k for k in labels if key.endswith(k)), key=len, default=None)
        shorter = connectors.sub("", key, count=1) if match is None else key
        if shorter == key:
            break
        key = shorter
    if match is None and code is None:
        return None
    qualifier = key[: len(key) - len(match or "")] if match else ""
    if foreign.search(qualifier) or _residual(qualifier, doc):
        return None
    return _Label(match or "", _scopes(qualifier), code.group("code") if code else None)


@dataclass(frozen=True)
class _Head:
    """The head of the list an amount is an item of: whether the tables know it, and its column."""

    known: bool
    column: str | None = None


def _list_head(s: Sentence, pos: int, doc: DocumentRecord, index: _Index) -> _Head:
    """“基本支出658.02万元，其中：人员经费…” -> known, column 基本支出; “5.综合管理367.65万元，主要包括：
    行政运行…” -> not known (the items are a project's, not the tables' rows); “其中：…” with its head in
    an earlier sentence -> not known; no list -> known."""
    *_, opener = _patterns(doc.kind)
    before = f"{s.context}{s.text[:pos]}"
    found = list(opener.finditer(before))
    if not found:
        return _Head(True)
    head = before[: found[-1].start()]
    head = head[max((x.end() for x in re.finditer(r"[；;。]", head)), default=0) :]
    if not label_key(head).strip(":,"):
        return _Head(False)  # “其中：…” opening a sentence: its head is a sentence before, not read
    amounts = list(AMOUNT.finditer(head))
    words = head[: amounts[-1].start()] if amounts else head
    words = words[max((x.end() for x in _LABEL_END.finditer(words)), default=0) :]
    label = _read_label(words, doc, index)
    if label is not None and label.key in index.columns:
        return _Head(True, label.key)
    if label is not None and label.code is not None:
        return _Head(True)
    st = lexicon()["stated_table"]
    connectors, *_ = _patterns(doc.kind)
    rest = _residual(words, doc, [*st["generic"], *st["head_words"], *st["connectors"][doc.kind]])
    return _Head(not connectors.sub("", rest))


def _candidates(label: _Label, head: _Head, scopes: tuple[str, ...], index: _Index) -> list[TableCell] | None:
    """The table figures the label names: by its code when it carries one; else its row and the 合计 row's
    column of that name; a row under a head column (项目支出…其中：公共安全支出) is that column's figure;
    all narrowed to the tables whose titles hold the scope words (一般公共预算…)."""
    if label.code is not None:
        found = index.codes.get(label.code, [])
    elif head.column is not None and head.column != label.key and label.key in index.rows:
        found = index.split.get((label.key, head.column), [])
    else:
        found = [*index.rows.get(label.key, []), *index.columns.get(label.key, [])]
    wanted = {label_key(w) for w in (*label.scopes, *scopes)}
    return [c for c in found if all(w in index.titles.get(c.table_id, "") for w in wanted)]


def stated_vs_tables(
    doc: DocumentRecord,
    text: str,
    facts: Sequence[Fact],
    tables: Sequence[TableRecord],
    cells: Sequence[TableCell],
    skip: Sequence[tuple[int, int]] = (),
) -> list[Finding]:
    """Each amount of the 说明 beside a label the tables hold, against the tables (see the module doc).

    Args:
        skip: spans of the text another check already compares (the 类/款/项 items of narrative_items).
    """
    index = _index(doc, tables, cells)
    table_of = {t.table_id: t for t in tables}
    _, change, _, _ = _patterns(doc.kind)
    findings: list[Finding] = []
    for s in sentences(text, facts):
        last = 0
        for m in AMOUNT.finditer(s.text):
            at = s.start + m.start()
            before = s.text[last : m.start()]
            last = m.end()
            if any(a <= at < b for a, b in skip) or change.search(before.rstrip()):
                continue
            words = before[max((x.end() for x in _LABEL_END.finditer(before)), default=0) :]
            label = _read_label(words, doc, index)
            if label is None:
                continue
            head = _list_head(s, m.start(), doc, index)
            if not head.known:
                continue
            scopes = _scopes(s.context + s.text[: m.start() - len(words)])
            found = _candidates(label, head, scopes, index)
            finding = _compare(doc, m, label, found or [], index, table_of, cite_place(doc, facts, s, at))
            if finding is not None:
                findings.append(finding)
    return findings


def _compare(
    doc: DocumentRecord,
    m: re.Match[str],
    label: _Label,
    found: list[TableCell],
    index: _Index,
    table_of: dict[str, TableRecord],
    stated: Citation,
) -> Finding | None:
    unit, raw = m.group("unit"), m.group()
    amount = number(m.group("num"))
    values = {in_unit(c.value or Decimal(0), c.unit or "", unit) for c in found}
    if len(values) != 1 or None in values:
        return None  # nothing to compare, or the tables disagree among themselves (cross_table)
    table_value = values.pop() or Decimal(0)
    cell = min(found, key=lambda c: (table_of[c.table_id].seq, c.row, c.col))
    if in_unit(amount, unit, "元") in index.seen.get(label.key or label_key(cell.row_label), set()):
        return None  # the figure is printed under this label somewhere (another column or scope)
    places = decimals(m.group("num"))
    if table_value == amount or quantize(table_value, places) == amount:
        return None
    diff = abs(table_value - amount)
    tolerance = max(Decimal(1).scaleb(-places), in_unit(Decimal("0.01"), "万元", unit) or Decimal(0))
    table = table_of[cell.table_id]
    name = label.key or row_name(cell)
    where = f"《{table.title}》“{row_name(cell)}”（{cell.col_label}）为{cell.raw}{cell.unit or ''}"
    shown = f"（{fmt(table_value, unit)}）" if cell.unit != unit else ""
    cites = (stated, cite_cell(cell, table, doc))
    if diff <= tolerance:
        message = f"说明中“{name}”为{raw}，{where}{shown}，仅相差{fmt(diff, unit)}，属舍入差异。"
        return Finding("rounding", message, cites, "rounding")
    message = f"说明中“{name}”为{raw}，{where}{shown}，两者相差{fmt(diff, unit)}。"
    return Finding("stated_table", message, cites)
