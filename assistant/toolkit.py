"""The planner's steps as plain functions with JSON-able results: the tools an LLM mode calls (through
backends.build_tools) and that the rule planner uses itself. A tool's docstring is its description."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from assistant import calc
from assistant.citations import doc_label, row_name
from assistant.errors import AssistantError
from assistant.lookup import find_targets, select_cells
from assistant.resolve import resolve_documents
from assistant.retrieval import Retriever
from assistant.stores import Store


class Toolkit:
    def __init__(self, store: Store, retriever: Retriever) -> None:
        self.store = store
        self.retriever = retriever

    def find_documents(self, question: str) -> list[dict[str, Any]]:
        """Find the disclosures a question is about (department, year, 预算/决算); doc_id and label."""
        resolution = resolve_documents(question, self.store.documents())
        if resolution.refusal:
            return [{"refusal": resolution.refusal}]
        return [
            {
                "doc_id": d.doc_id,
                "label": doc_label(d),
                "department": d.department,
                "year": d.year,
                "kind": d.kind,
            }
            for d in resolution.docs
        ]

    def lookup_cells(self, doc_id: str, query: str) -> list[dict[str, Any]]:
        """Table cells of one document matching a metric (三公经费, 2010301, 办公费, 人员经费 …).
        Returns cell_id, table, row, column, value as printed, unit and page for each."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise AssistantError(f"unknown document {doc_id}")
        tables = self.store.tables(doc_id)
        cells = self.store.cells([doc_id])
        titles = {t.table_id: t.title for t in tables}
        out = []
        for target in find_targets(query, cells):
            for c in select_cells(query, target, tables, cells, doc.kind)[:3]:
                out.append(
                    {
                        "cell_id": c.cell_id,
                        "table": titles[c.table_id],
                        "row": row_name(c),
                        "column": c.col_label,
                        "raw": c.raw,
                        "value": str(c.value),
                        "unit": c.unit,
                        "page": c.provenance.page,
                    }
                )
        return out

    def search_text(self, doc_id: str, query: str, k: int = 5) -> list[dict[str, Any]]:
        """Narrative passages of one document for a question (hybrid BM25 + embeddings)."""
        return [
            {
                "chunk_id": h.chunk.chunk_id,
                "text": h.chunk.text,
                "page": h.chunk.provenance.page,
                "section": h.chunk.provenance.section_path,
            }
            for h in self.retriever.search(query, [doc_id], k)
        ]

    def calculate(self, op: str, cell_ids: list[str]) -> dict[str, Any]:
        """Exact arithmetic over stored cells: op is share (first ÷ second × 100%), sum or difference
        (first − second). Values are converted to the first cell's unit. Never compute numbers yourself."""
        by_id = {}
        for cell_id in cell_ids:
            doc_id = cell_id.split(":", 1)[0]
            table_id = cell_id.rsplit(":", 1)[0]
            by_id.update({c.cell_id: c for c in self.store.cells([doc_id], table_id=table_id)})
        missing = [c for c in cell_ids if c not in by_id]
        if missing or not cell_ids:
            raise AssistantError(f"unknown cells: {missing or 'none given'}")
        cells = [by_id[c] for c in cell_ids]
        unit = cells[0].unit or "元"
        values = [calc.in_unit(c.value or Decimal(0), c.unit, unit) for c in cells]
        if op == "share" and len(values) == 2:
            result = calc.share(values[0], values[1])
        elif op == "sum":
            result = calc.total(values, unit)
        elif op == "difference" and len(values) == 2:
            result = calc.difference(values[0], values[1], unit)
        else:
            raise AssistantError(f"unsupported operation {op!r} on {len(values)} values")
        return {"result": str(result.result), "unit": result.unit, "expression": result.expression}
