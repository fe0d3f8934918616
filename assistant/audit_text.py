"""Audit checks that read the 说明 alone (or confirm with a table value): a sentence asserting this
document's amounts under another year (wrong_year), an amount slot printed without its number
(blank_amount), and a “其中” part larger than the whole it belongs to (part_whole)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from assistant.audit_base import (
    MONEY,
    NUMBER,
    Finding,
    Sentence,
    alternation,
    cite_place,
    in_unit,
    lexicon,
    number,
    sentences,
)
from assistant.calc import fmt
from assistant.citations import cite_cell
from assistant.textnorm import label_key
from assistant.types import DocumentRecord, Fact, TableCell, TableRecord

_CLAUSE = re.compile(r"[，,；;：:。]")
_WORDS_END = re.compile(r"[，,；;：:。、]")


def _kind_word(doc: DocumentRecord) -> str:
    return "决算" if doc.kind == "final_accounts" else "预算"


# ----- wrong_year ------------------------------------------------------------------------------------
@cache
def _year_pattern(kind: str) -> re.Pattern[str]:
    lex = lexicon()["wrong_year"]
    return re.compile(
        rf"(?<!\d)(?P<year>(?:19|20)\d{{2}})\s*年度?(?P<body>[^，,。；;：:\d]{{0,30}}?)"
        rf"(?P<measure>{alternation(lex['measure'][kind])})(?:{alternation(lex['measure_tail'])})?\s*"
        rf"(?P<num>{NUMBER})\s*(?P<unit>{alternation(MONEY)})"
    )


def _years_named(text: str) -> set[int]:
    return {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})\s*年", text)}


def wrong_year(
    doc: DocumentRecord,
    text: str,
    facts: Sequence[Fact],
    tables: Sequence[TableRecord],
    cells: Sequence[TableCell],
) -> list[Finding]:
    """“2019年预算数为51.62万元” in a 2020 budget: a sentence asserting an amount of this document's own
    measure (预算 in a budget, 决算 in final accounts) under a year that is not the fiscal year, with no
    comparison word (比/较/与…相比/上年), in a sentence that names no fiscal year beside it, and whose
    amount is one of this document's current-year table values (or, for a document without tables, whose
    frame is printed elsewhere with the fiscal year). Ordinary mentions of last year's figures
    (“比2019年减少”, “上年预算数为”) are not assertions and are not read."""
    lex = lexicon()["wrong_year"]
    comparison = alternation(lex["comparison"])
    pattern = _year_pattern(doc.kind)
    table_of = {t.table_id: t for t in tables}
    prior = alternation(lex["prior_columns"])
    current = [
        c
        for c in cells
        if c.value is not None and c.unit in MONEY and not re.search(prior, c.col_label or "")
    ]
    findings: list[Finding] = []
    for s in sentences(text, facts):
        if doc.year in _years_named(s.text):
            continue
        for m in pattern.finditer(s.text):
            year = int(m.group("year"))
            clause = s.text[: m.start()]
            clause = clause[max((x.end() for x in _CLAUSE.finditer(clause)), default=0) :]
            if year == doc.year or re.search(comparison, clause + m.group("body")):
                continue
            amount, unit = number(m.group("num")), m.group("unit")
            same = [
                c for c in current if amount and in_unit(c.value or Decimal(0), c.unit or "", unit) == amount
            ]
            sentence = cite_place(doc, facts, s, s.start + m.start("num"))
            said = f"说明中“{m.group()}”写的是{year}年"
            if same:
                context = label_key(text[max(0, s.start - 200) : s.start + m.start()])
                cell = min(
                    same,
                    key=lambda c: (
                        label_key(c.row_label) not in context,
                        -len(label_key(c.row_label)),
                        table_of[c.table_id].seq,
                        c.row,
                        c.col,
                    ),
                )
                table = table_of[cell.table_id]
                evidence = (
                    f"而{fmt(amount, unit)}正是本文件《{table.title}》中“{cell.row_label}”的{doc.year}年"
                    f"{_kind_word(doc)}数"
                )
                cites = (sentence, cite_cell(cell, table, doc))
            elif not current:
                sibling = _sibling(text, facts, s, m, doc.year)
                if sibling is None:
                    continue
                evidence = f"而同类语句“{sibling.text.strip()[:40]}”写的是{doc.year}年"
                cites = (sentence, cite_place(doc, facts, sibling))
            else:
                continue
            message = f"{said}，但本文件是{doc.year}年{_kind_word(doc)}，{evidence}：年份应为{doc.year}年。"
            findings.append(Finding("wrong_year", message, cites))
    return findings


def _sibling(
    text: str, facts: Sequence[Fact], here: Sentence, m: re.Match[str], year: int
) -> Sentence | None:
    """Another sentence with the same frame (year, words, measure) under the fiscal year."""
    frame = re.compile(
        rf"{year}\s*年度?{re.escape(m.group('body'))}{re.escape(m.group('measure'))}[^，,。；;]{{0,4}}?\d"
    )
    return next((s for s in sentences(text, facts) if s.start != here.start and frame.search(s.text)), None)


# ----- blank_amount ----------------------------------------------------------------------------------
@cache
def _blank_pattern() -> re.Pattern[str]:
    lex = lexicon()["blank_amount"]
    return re.compile(
        rf"(?<![\d.,])(?P<slot>{alternation(lex['slots'])})\s*(?P<unit>{alternation(MONEY)})"
        rf"(?=\s*(?:{alternation(lex['followers'])})|\s*$)"
    )


def blank_amounts(doc: DocumentRecord, text: str, facts: Sequence[Fact]) -> list[Finding]:
    """“支出预算元，”, “因公出国（境）费万元，”: a unit printed where an amount's number belongs."""
    findings = []
    for s in sentences(text, facts):
        for m in _blank_pattern().finditer(s.text):
            lead = s.text[: m.start()]
            lead = lead[max((x.end() for x in _CLAUSE.finditer(lead)), default=0) :][-24:]
            words = f"{lead}{m.group('slot')}{m.group('unit')}".strip()
            message = f"说明中“{words}”缺少金额数字：只有单位“{m.group('unit')}”。"
            findings.append(
                Finding("blank_amount", message, (cite_place(doc, facts, s, s.start + m.start()),))
            )
    return findings


# ----- part_whole ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Quantity:
    at: int
    value: Decimal
    unit: str
    raw: str
    words: str  # the words of its clause before it: “单位价值50万元以上设备” for 8台

    @property
    def kind(self) -> str:
        return "money" if self.unit in MONEY else self.unit


@cache
def _quantity_pattern() -> re.Pattern[str]:
    lex = lexicon()["part_whole"]
    units = alternation([*MONEY, *lex["count_units"]])
    return re.compile(
        rf"(?<![\d.,])(?P<num>{NUMBER})\s*(?P<unit>{units})(?!\s*(?:{alternation(lex['threshold'])}))"
    )


def _quantities(text: str) -> list[_Quantity]:
    """Amounts and counts of a clause, without changes (减少5万元), thresholds (50万元以上) or indicator
    values (≤50万元)."""
    lex = lexicon()
    change = re.compile(rf"(?:{alternation(lex['change'])})(?:{alternation(lex['change_filler'])})?\s*$")
    signs = tuple(lex["part_whole"]["indicator_signs"])
    ordinals = tuple(lex["part_whole"]["ordinals"])
    out = []
    for m in _quantity_pattern().finditer(text):
        before = text[: m.start()].rstrip()
        if change.search(before) or before.endswith((*signs, *ordinals)):
            continue
        unit = re.sub(r"[（(].*", "", m.group("unit"))  # 台（套） counts as 台
        words = before[max((x.end() for x in _WORDS_END.finditer(before)), default=0) :]
        out.append(_Quantity(m.start(), number(m.group("num")), unit, m.group(), words.strip()))
    return out


def _base(q: _Quantity) -> Decimal:
    """The value in 元 (money) or as counted."""
    yuan = in_unit(q.value, q.unit, "元")
    return q.value if yuan is None else yuan


def part_whole(doc: DocumentRecord, text: str, facts: Sequence[Fact]) -> list[Finding]:
    """“设备8台，其中，…15台”: each figure of a “其中” list against the figure of the same kind (count
    unit, or money converted exactly) it qualifies, the last one of the clause before “其中”."""
    lex = lexicon()["part_whole"]
    subset = re.compile(alternation(lex["subset"]))
    list_end = re.compile(f"{alternation(lex['list_end'])}|{alternation(lex['subset'])}")
    findings = []
    for s in sentences(text, facts):
        for m in subset.finditer(s.text):
            head_start = max((x.end() for x in re.finditer(r"[；;。]", s.text[: m.start()])), default=0)
            head = _quantities(s.text[head_start : m.start()])
            rest = s.text[m.end() :]
            stop = list_end.search(rest)
            larger: dict[_Quantity, list[_Quantity]] = {}
            for part in _quantities(rest[: stop.start()] if stop else rest):
                wholes = [q for q in head if q.kind == part.kind]
                if wholes and _base(part) > _base(wholes[-1]):
                    larger.setdefault(wholes[-1], []).append(part)
            for whole, parts in larger.items():
                listed = "、".join(f"“{p.words}{p.raw}”" for p in parts)
                message = f"说明中“{whole.words}{whole.raw}”，其中{listed}大于它：部分不能大于其所属的总数。"
                if any(p.unit != whole.unit for p in parts):
                    message += "两者单位不同，可能有一处单位写错。"
                findings.append(
                    Finding("part_whole", message, (cite_place(doc, facts, s, s.start + m.start()),))
                )
    return findings
