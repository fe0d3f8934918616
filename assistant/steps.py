"""Shared steps of the planner: documents' cells as evidence, and answers built from evidence.

Every number in an answer comes from a stored cell or a stated figure; arithmetic happens in calc.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from assistant.audit import Finding, audit
from assistant.citations import cite_cell, cite_fact, cite_table_note, doc_label, number_keys
from assistant.compose import Evidence, cell_label
from assistant.lookup import CONCEPTS, Target, column_targets, find_targets, infer_unit, select_cells
from assistant.narrative import rank_facts
from assistant.question import strip_names
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.stores import Store
from assistant.types import Answer, Calculation, Citation, DocumentRecord, TableCell, TableRecord


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

    def _targets(self, q: str, doc: DocumentRecord) -> list[Target]:
        return find_targets(strip_names(q, [doc]), self.store.cells([doc.doc_id]))

    def _evidence(self, q: str, target: Target, doc: DocumentRecord) -> Evidence:
        tables = self.store.tables(doc.doc_id)
        cells = self.store.cells([doc.doc_id])
        picked = select_cells(q, target, tables, cells, doc.kind)
        if picked:
            return self._cell_evidence(picked[0], cell_label(picked[0], target), tables, cells, doc)
        if target.concept:
            empty = [t for t in tables if t.table_type in target.concept.tables and t.empty]
            if empty:
                t = empty[0]
                return Evidence(
                    Decimal(0), t.unit or "元", target.concept.name, [cite_table_note(t, doc)], doc
                )
            named = [
                f
                for f in self.store.facts([doc.doc_id])
                if f.unit in {"万元", "元", "亿元"} and target.concept.pattern.search(f.subject)
            ]
            facts = rank_facts(target.concept.name, named)
            if facts:
                f = facts[0].fact
                return Evidence(f.value, f.unit, target.concept.name, [cite_fact(f, doc)], doc)
        raise NoEvidence(f"{doc_label(doc)}中没有找到“{target.label}”的数据。")

    def _column_evidence(self, q: str, doc: DocumentRecord) -> Evidence | None:
        tables = self.store.tables(doc.doc_id)
        hits = column_targets(strip_names(q, [doc]), tables, self.store.cells([doc.doc_id]))
        if not hits:
            return None
        label = re.sub(r"^其中[:：]?", "", hits[0].col_label.split("/")[-1])
        return self._cell_evidence(hits[0], label, tables, self.store.cells([doc.doc_id]), doc)

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
            settings_hash=self.settings.index_fingerprint(),
        )

    def _refuse(self, q: str, why: str, docs: Sequence[DocumentRecord] = ()) -> Answer:
        held = (
            "；知识库中现有：" + "、".join(doc_label(d) for d in self.store.documents()[:12])
            if not docs
            else ""
        )
        return Answer(
            question=q,
            status="refused",
            text=f"无法回答：{why}{held}",
            doc_ids=tuple(d.doc_id for d in docs),
            settings_hash=self.settings.index_fingerprint(),
        )
