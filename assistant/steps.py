"""Shared steps of the planner: documents' cells as evidence, and answers built from evidence.

Every number in an answer comes from a stored cell or a stated figure; arithmetic happens in calc.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from assistant import calc
from assistant.audit import Finding, audit
from assistant.citations import cite_cell, cite_fact, cite_table_note, doc_label, number_keys
from assistant.columns import in_year, table_mention, table_rank
from assistant.compose import Evidence, cell_label
from assistant.lookup import (
    CONCEPTS,
    Target,
    column_targets,
    find_targets,
    infer_unit,
    select_cells,
)
from assistant.narrative import garbled_pages, rank_facts, states_change
from assistant.question import asked_unit, asked_year, strip_names, uncovered
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.stores import Store
from assistant.textnorm import label_key
from assistant.types import Answer, Calculation, Citation, DocumentRecord, Fact, TableCell, TableRecord
from assistant.vocab import answer_hash


class NoEvidence(Exception):
    """Internal: the documents do not hold the answer (becomes status='refused')."""


class Steps:
    """Store access and answer building that the planner's text, stated-figure and table steps share."""

    def __init__(self, store: Store, retriever: Retriever, settings: Settings) -> None:
        self.store = store
        self.retriever = retriever
        self.settings = settings

    # ----- entry ---------------------------------------------------------------------------------
    def metric(self, doc: DocumentRecord, name: str) -> Evidence | None:
        """A named concept (“三公”经费, 基本支出 …) of one document, or None when it has none."""
        concept = next((c for c in CONCEPTS if c.name == name), None)
        if concept is None:
            return None
        try:
            return self._evidence(name, Target(label=name, start=0, concept=concept), doc)
        except NoEvidence:
            return None

    # ----- table lookups -------------------------------------------------------------------------
    def audit(self, doc: DocumentRecord) -> list[Finding]:
        """Self-consistency findings of one document (see audit.py)."""
        return audit(
            doc,
            self.store.document_text(doc.doc_id),
            self.store.tables(doc.doc_id),
            self.store.cells([doc.doc_id]),
            self.store.facts([doc.doc_id]),
        )

    def _facts(self, doc: DocumentRecord) -> list[Fact]:
        """The figures the 说明 states, without those of pages whose text layer came out of order."""
        facts = self.store.facts([doc.doc_id])
        garbled = garbled_pages(facts)
        return [f for f in facts if f.provenance.page not in garbled] if garbled else facts

    def _targets(self, q: str, doc: DocumentRecord) -> list[Target]:
        _, rest = table_mention(strip_names(q, [doc]), self.store.tables(doc.doc_id))
        return find_targets(rest, self.store.cells([doc.doc_id]))

    def _evidence(self, q: str, target: Target, doc: DocumentRecord) -> Evidence:
        tables = self.store.tables(doc.doc_id)
        cells = self.store.cells([doc.doc_id])
        named, _ = table_mention(strip_names(q, [doc]), tables)
        if named:  # a table the question names is where the answer is, or nowhere
            cells = [c for c in cells if c.table_id in named]
        year = asked_year(q, doc)
        picked = select_cells(q, target, tables, cells, doc.kind, (year, doc.year))
        if picked:
            return self._cell_evidence(picked[0], cell_label(picked[0], target), tables, cells, doc)
        if year != doc.year:  # the document's own figures are for its year, never for the one asked
            raise NoEvidence(f"{doc_label(doc)}中没有{year}年“{target.label}”的数据。")
        if target.concept:
            empty = [t for t in tables if t.table_type in target.concept.tables and t.empty]
            if empty:
                t = empty[0]
                return Evidence(
                    Decimal(0), t.unit or "元", target.concept.name, [cite_table_note(t, doc)], doc
                )
            named = [
                f
                for f in self._facts(doc)
                if f.unit in {"万元", "元", "亿元"}
                and target.concept.pattern.search(f.subject)
                and not states_change(f)
            ]
            facts = rank_facts(target.concept.name, named)
            if facts:
                f = facts[0].fact
                return Evidence(f.value, f.unit, target.concept.name, [cite_fact(f, doc)], doc)
        raise NoEvidence(f"{doc_label(doc)}中没有找到“{target.label}”的数据。")

    def _pair_in_one_table(
        self, q: str, part: Target, whole: Target, doc: DocumentRecord
    ) -> tuple[Evidence, Evidence] | None:
        """Part and whole of a share read from one table when a table holds both (人员经费 and 基本支出
        of the 财政拨款基本支出表 the question names), so the ratio never mixes two tables' bases."""
        tables = self.store.tables(doc.doc_id)
        cells = self.store.cells([doc.doc_id])
        years = (asked_year(q, doc), doc.year)
        pairs = []
        for table in sorted(tables, key=lambda t: (table_rank(q, t, ()), t.seq)):
            own = [c for c in cells if c.table_id == table.table_id]
            a = select_cells(q, part, [table], own, doc.kind, years)
            b = select_cells(q, whole, [table], own, doc.kind, years)
            if a and b and (a[0].row, a[0].col) != (b[0].row, b[0].col):
                pairs.append((a[0], b[0]))
        if not pairs:
            return None
        a, b = pairs[0]
        return (
            self._cell_evidence(a, cell_label(a, part), tables, cells, doc),
            self._cell_evidence(b, cell_label(b, whole), tables, cells, doc),
        )

    def _column_evidence(self, q: str, doc: DocumentRecord) -> Evidence | None:
        """A column the question names, read on its table's total row: only when the question names
        nothing else (a row, an item) that the total would silently drop."""
        tables = self.store.tables(doc.doc_id)
        all_cells = self.store.cells([doc.doc_id])
        cells = in_year(all_cells, asked_year(q, doc), doc.year)
        named, rest = table_mention(strip_names(q, [doc]), tables)
        if named:
            cells = [c for c in cells if c.table_id in named]
        hits = column_targets(rest, tables, cells)
        title = next((t.title for t in tables if hits and t.table_id == hits[0].table_id), "")
        if not hits or uncovered(rest, hits[0].col_label, title):
            return None
        label = re.sub(r"^其中[:：]?", "", hits[0].col_label.split("/")[-1])
        return self._cell_evidence(hits[0], label, tables, all_cells, doc)

    def _outside_named_table(self, q: str, answer: Answer, docs: Sequence[DocumentRecord]) -> str | None:
        """A question that names a table (“…基本支出表中的…”) is answered from that table or not at all."""
        if answer.value is None or len(docs) != 1:
            return None
        tables = self.store.tables(docs[0].doc_id)
        named, _ = table_mention(strip_names(q, docs), tables)
        titles = {t.title for t in tables if t.table_id in named}
        if titles and not any(c.table in titles for c in answer.citations):
            return f"问题指明的《{sorted(titles)[0]}》中没有找到这个数。"
        return None

    def _table_total(self, q: str, doc: DocumentRecord) -> Evidence | None:
        """“基本支出部门预算经济分类预算表中的合计”: the total row of the table the question names, in
        the column it names (人员经费 …) or else its 合计 column."""
        tables = self.store.tables(doc.doc_id)
        named, rest = table_mention(strip_names(q, [doc]), tables)
        if not named or not re.search(r"合计|总计", rest):
            return None
        all_cells = self.store.cells([doc.doc_id])
        cells = [c for c in in_year(all_cells, asked_year(q, doc), doc.year) if c.table_id in named]
        totals = [c for c in cells if c.value is not None and label_key(c.row_label) in {"合计", "总计"}]
        if not totals or find_targets(rest, cells):
            return None
        first = min(totals, key=lambda c: (c.table_id != totals[0].table_id, c.row))
        row = [c for c in totals if (c.table_id, c.row) == (first.table_id, first.row)]
        target = Target(label=first.row_label, start=0, row_key=label_key(first.row_label))
        picked = select_cells(rest, target, tables, row, doc.kind)
        if not picked:
            return None
        cell = picked[0]  # the column the question names (收入 / 人员经费 …), else the first
        title = next(t.title for t in tables if t.table_id == cell.table_id)
        if uncovered(rest, cell.col_label, cell.row_label, title):
            return None
        return self._cell_evidence(cell, f"合计（{cell.col_label}）", tables, all_cells, doc)

    def _cell_evidence(
        self,
        cell: TableCell,
        label: str,
        tables: list[TableRecord],
        cells: list[TableCell],
        doc: DocumentRecord,
    ) -> Evidence:
        """A cell as evidence, in its table's unit (inferred, and said so, when the table prints none)."""
        table = next(t for t in tables if t.table_id == cell.table_id)
        unit, note = cell.unit, ""
        if unit is None:
            unit, source = infer_unit(cell.table_id, tables, cells)
            if unit is None:
                raise NoEvidence(f"《{table.title}》未标明单位，无法确定金额的单位。")
            note = f"（该表未标明单位，按其合计与《{source}》相同推定为{unit}）"
        if cell.low_confidence:  # read by OCR and not confirmed by the table's own sums
            note += "（此数由文字识别读出，未能用表内合计核对，请以原件为准）"
        citations = [cite_cell(cell, table, doc)]
        if table.empty and table.note:  # a blank cell of a table published empty: cite why it is empty
            citations.append(cite_table_note(table, doc))
        return Evidence(cell.value or Decimal(0), unit, label + note, citations, doc)

    def _answer(
        self,
        q: str,
        text: str,
        docs: Sequence[DocumentRecord],
        value: Decimal | None,
        unit: str | None,
        calculation: Calculation | None,
        citations: list[Citation],
        derived: bool = False,
    ) -> Answer:
        return Answer(
            question=q,
            status="answered",
            text=text,
            value=float(value) if value is not None else None,
            unit=unit,
            calculation=calculation.expression if calculation else None,
            citations=tuple(number_keys(citations)),
            derived=derived,
            doc_ids=tuple(d.doc_id for d in docs),
            settings_hash=answer_hash(self.settings),
        )

    def _compose_calc(
        self, q: str, docs: list[DocumentRecord], calculation: Calculation, evs: list[Evidence]
    ) -> Answer:
        unit = calculation.unit
        value = calculation.result
        wanted = asked_unit(q)
        if wanted and wanted != "%" and unit in {"元", "万元", "亿元"} and wanted != unit:
            value, unit = calc.in_unit(value, unit, wanted), wanted
        parts = "，".join(
            f"{doc_label(e.doc) if len(docs) > 1 and e.doc else ''}{e.label}{calc.fmt(e.value, e.unit)}"
            for e in evs
        )
        shown = calc.fmt(value, unit, 2 if unit == "%" else None)
        names = "、".join(map(doc_label, docs))
        text = f"{names}：{parts}；计算：{calculation.expression}，结果为{shown}。"
        return self._answer(
            q,
            text,
            docs,
            calc.quantize(value, 2) if unit == "%" else value,
            unit,
            calculation,
            [c for e in evs for c in e.citations],
            derived=True,
        )

    def _refuse(self, q: str, why: str, docs: Sequence[DocumentRecord] = ()) -> Answer:
        """One sentence of what is missing; when no document was chosen and the reason does not already
        say what the store holds, a second one that does (“…等124份”)."""
        text = f"无法回答：{why.rstrip('。；; ')}。"
        stored = self.store.documents()
        if not docs and stored and not any(w in why for w in ("现有", "库中有")):
            shown = "、".join(doc_label(d) for d in stored[:8])
            text += f"知识库中现有{len(stored)}份公开文件：{shown}{'等' if len(stored) > 8 else ''}。"
        return Answer(
            question=q,
            status="refused",
            text=text,
            doc_ids=tuple(d.doc_id for d in docs),
            settings_hash=answer_hash(self.settings),
        )
