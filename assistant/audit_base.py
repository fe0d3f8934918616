"""What every audit check shares: the Finding, the audit lexicon (assistant/lexicon/audit.toml), amounts
read from the 说明 with their sentences, and citations of a place in the 说明.

The words the checks know (measures, comparison words, blank-amount slots, …) are data in audit.toml;
this module turns them into patterns once."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

from assistant.citations import cite_fact
from assistant.narrative import GLUED
from assistant.textnorm import UNIT_FACTORS, convert
from assistant.types import Citation, DocumentRecord, Fact

LEXICON = Path(__file__).parent / "lexicon" / "audit.toml"
MONEY = tuple(sorted(UNIT_FACTORS, key=len, reverse=True))  # 百万元 before 万元 before 元
Severity = Literal["defect", "rounding"]


@dataclass(frozen=True)
class Finding:
    """One disagreement inside a disclosure.

    check: sum | split | cross_table | narrative_table | narrative_self | percent | comparison_year | name |
    wrong_year | stated_table | rounding | part_whole | blank_amount. severity: "rounding" when the two
    sides differ only by the rounding of their printed digits (reported, but not a defect)."""

    check: str
    message: str
    citations: tuple[Citation, ...] = field(default_factory=tuple)
    severity: Severity = "defect"


@cache
def lexicon() -> dict:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of literal words, longest first (预算数 before 预算)."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
AMOUNT = re.compile(rf"(?<![\d.,])(?P<num>{NUMBER})\s*(?P<unit>{alternation(MONEY)})")


def number(raw: str) -> Decimal:
    return Decimal(raw.replace(",", ""))


def decimals(raw: str) -> int:
    """Digits printed after the decimal point ('3,000.00' -> 2)."""
    return len(raw.split(".")[1]) if "." in raw else 0


def in_unit(value: Decimal, from_unit: str, to_unit: str) -> Decimal | None:
    """Exact conversion between money units; None when either is not money."""
    if from_unit not in UNIT_FACTORS or to_unit not in UNIT_FACTORS:
        return None
    return convert(value, from_unit, to_unit)


# An item of an enumerated list under a head ending in a colon: （4）资本性支出…, 2.社会保障和就业支出….
_ENUMERATED = re.compile(r"^\s*(?:[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[.．、](?!\d))")


@dataclass(frozen=True)
class Sentence:
    """One sentence of the 说明, by offsets into the document's narrative text; `context` is the head of
    the list it is an item of (“本部门当年一般公共预算支出324,638.50万元，其中：”), when its paragraph
    follows one ending in a colon."""

    start: int
    end: int
    text: str
    context: str = ""


def _page_of(start: int, end: int, facts: Sequence[Fact]) -> int | None:
    """The page a stretch of the 说明 is on: that of a figure inside it, else of the nearest before."""
    placed = [f for f in facts if f.provenance.char_start is not None and f.provenance.page is not None]
    inside = [f for f in placed if start <= (f.provenance.char_start or 0) < end]
    before = [f for f in placed if (f.provenance.char_start or 0) < start]
    fact = inside[0] if inside else max(before, key=lambda f: f.provenance.char_start or 0, default=None)
    return fact.provenance.page if fact else None


def sentences(text: str, facts: Sequence[Fact] = ()) -> Iterator[Sentence]:
    """The 说明's sentences (ended by 。！？ or a paragraph break), skipping the pages whose text came
    out of order (a glued paragraph there: the page's other paragraphs are unreliable too)."""
    ends = lexicon()["sentence_end"]
    pattern = re.compile(rf"[^{re.escape(''.join(ends))}\n]+[{re.escape(''.join(ends))}]?")
    paragraphs = [(p, _page_of(p.start(), p.end(), facts)) for p in re.finditer(r"[^\n]+", text)]
    garbled = {page for p, page in paragraphs if GLUED.search(p.group())}
    head, first = "", False
    for para, page in paragraphs:
        if GLUED.search(para.group()) or (page is not None and page in garbled):
            head = ""
            continue
        context = head if head and (first or _ENUMERATED.match(para.group())) else ""
        spans: list[tuple[int, int]] = []
        for m in pattern.finditer(para.group()):
            if not m.group().strip():
                continue
            if spans and m.group().lstrip()[:1] in "）)":  # “…6.04万元。）比上年…”: one sentence
                spans[-1] = (spans[-1][0], m.end())
            else:
                spans.append((m.start(), m.end()))
        last = ""
        for a, b in spans:
            last = para.group()[a:b]
            yield Sentence(para.start() + a, para.start() + b, last, context)
        ends_in_colon = last.rstrip().endswith(("：", ":"))
        head, first = (last, True) if ends_in_colon else (context, False)


def cite_place(
    doc: DocumentRecord, facts: Sequence[Fact], sentence: Sentence, at: int | None = None
) -> Citation:
    """The sentence as a text citation, on the page of the stated figure there (or the nearest one)."""
    at = sentence.start if at is None else at
    inside = [f for f in facts if sentence.start <= (f.provenance.char_start or -1) < sentence.end]
    near = inside or [f for f in facts if f.provenance.char_start is not None]
    fact = min(near, key=lambda f: abs((f.provenance.char_start or 0) - at), default=None)
    if fact is not None and fact.sentence.strip() == sentence.text.strip():
        return cite_fact(fact, doc)
    base = cite_fact(fact, doc) if fact is not None else None
    return Citation(
        doc_id=doc.doc_id,
        source_file=base.source_file if base else doc.source_file,
        department=doc.department,
        year=doc.year,
        page=base.page if base else None,
        kind="text",
        quote=sentence.text.strip(),
        section=base.section if base else None,
    )


def page_label(citation: Citation) -> str:
    return f"第{citation.page}页" if citation.page else "说明中"
