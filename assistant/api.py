"""The public facade: Assistant.open(store) / .ingest / .documents / .tables / .cells (/ .ask)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path

from openpyxl import Workbook

from assistant import views
from assistant.agent import Planner
from assistant.audit import Finding
from assistant.backends import build_embedder
from assistant.errors import AssistantError
from assistant.llm import LLMAnswerer
from assistant.normalize_question import normalize_question
from assistant.parse_report import FileReport, file_report
from assistant.ports import Embedder
from assistant.retrieval import Retriever, warm_up
from assistant.settings import PathSettings, Settings
from assistant.stores import Store
from assistant.textnorm import UNIT_FACTORS, convert
from assistant.types import Answer, Citation, DocumentRecord, Fact, IngestReport, TableCell, TableRecord

# The facade composes both halves of the product: ingestion writes the store the assistant reads.
# This is the one sanctioned import of `ingest` from `assistant` (see [tool.importlinter] in pyproject).
from ingest.pipeline import Progress, build


class Assistant:
    """BudgetQA over one store folder. Thread-safe for concurrent readers; writes are serialised."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.retriever = Retriever(store, settings.retrieval)
        self.planner = Planner(store, self.retriever, settings)
        # The optional language model (issue 12); None keeps the rule planner, which needs no model.
        self.llm = (
            LLMAnswerer(self.planner, self.retriever, store, settings)
            if settings.llm.provider != "none"
            else None
        )

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
        create: bool = True,
    ) -> Assistant:
        """Open the store folder; `store` overrides settings.paths.store.

        Args:
            create: create the store when the folder holds none. With False (for reading only), a
                missing store raises ConfigError instead of silently becoming a new empty one."""
        settings = settings or Settings()
        if store is not None:
            settings = settings.model_copy(update={"paths": PathSettings(store=Path(store))})
        backend = embedder or build_embedder(settings.embedding)
        return cls(Store(settings.paths.store, settings, backend, create=create), settings)

    def ingest(
        self,
        paths: Iterable[str | Path],
        progress: Progress | None = None,
        replace: bool = False,
        as_one: bool = False,
    ) -> IngestReport:
        """Ingest files or folders. Never raises for a bad file: each FileResult says what happened.

        A stored document is replaced only by a new version of its own file; `replace=True` also
        replaces documents of the same department, year, kind and scope. `as_one=True` makes the given
        files one disclosure (a 说明 file and a 报表 file)."""
        return build(paths, self.store, self.settings, progress, replace=replace, as_one=as_one)

    def documents(self) -> list[DocumentRecord]:
        return self.store.documents()

    def remove(self, doc_id: str) -> DocumentRecord:
        """Delete one document from the store (its tables, cells, facts, passages and vectors); returns
        what was removed. Raises AssistantError when the store holds no such document."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise AssistantError(f"no document {doc_id}")
        self.store.delete(doc_id)
        return doc

    def tables(self, doc_id: str) -> list[TableRecord]:
        return self.store.tables(doc_id)

    def cells(self, doc_ids: Sequence[str] | None = None, table_id: str | None = None) -> list[TableCell]:
        return self.store.cells(doc_ids, table_id)

    def facts(self, doc_ids: Sequence[str] | None = None) -> list[Fact]:
        return self.store.facts(doc_ids)

    def ask(
        self, question: str, history: Sequence[Answer] = (), doc_ids: Sequence[str] | None = None
    ) -> Answer:
        """Answer a question in Chinese with its number, formula and sources, or refuse.

        Args:
            question: the question as a person typed it.
            history: earlier answers of this conversation (for follow-ups like “那上年呢？”).
            doc_ids: restrict to these documents (None: the whole store).
        """
        checked = normalize_question(question, self.settings)
        if checked.refusal is not None:
            return checked.refusal
        if self.llm is not None:
            return self.llm.answer(checked.text, history, doc_ids)
        return self.planner.answer(checked.text, history, doc_ids)

    # ----- views for people (the UI shows these; it computes nothing itself) -----------------------
    def table_grid(self, table_id: str) -> views.Grid:
        table = self._table(table_id)
        return views.table_grid(table, self.store.cells(table_id=table_id))

    def table_html(self, table_id: str, highlight: str | None = None) -> str:
        return views.grid_html(self.table_grid(table_id), highlight)

    def export_table(self, table_id: str, folder: Path, fmt: str = "csv") -> Path:
        """Write a table as CSV (UTF-8 with BOM, opens in Excel) or XLSX; returns the file."""
        grid = self.table_grid(table_id)
        folder.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^\w\u4e00-\u9fff]+", "_", grid.title)[:60] or "table"
        if fmt == "xlsx":
            workbook = Workbook()
            sheet = workbook.active
            sheet.append([f"{grid.title}（单位：{grid.unit or '未标明'}）"])
            sheet.append(grid.headers)
            for row in grid.rows:
                sheet.append([_excel_value(v) for v in row])
            path = folder / f"{stem}.xlsx"
            workbook.save(path)
            return path
        path = folder / f"{stem}.csv"
        path.write_text(views.grid_csv(grid), encoding="utf-8-sig")
        return path

    def source_html(self, citation: Citation) -> str:
        """The cited table with the cell marked, or the passage with the sentence marked."""
        if citation.kind == "table" and citation.cell_id:
            table_id = citation.cell_id.rsplit(":", 1)[0]
            return self.table_html(table_id, highlight=citation.cell_id)
        if citation.kind == "table":
            table = next((t for t in self.store.tables(citation.doc_id) if t.title == citation.table), None)
            return self.table_html(table.table_id) if table else ""
        return views.text_context_html(self.store.document_text(citation.doc_id), citation.quote)

    def charts(self, doc_id: str) -> list[views.Series]:
        """Chart series of one document (in 万元), plus one year-over-year series per headline figure when
        the store holds other years."""
        doc = self.store.document(doc_id)
        if doc is None:
            return []
        split = {}
        for name in ("人员经费", "公用经费"):
            ev = self.planner.metric(doc, name)
            if ev is not None and ev.unit in UNIT_FACTORS:
                split[name] = convert(ev.value, ev.unit, "万元")
        series = views.charts(self.store.tables(doc_id), self.store.cells([doc_id]), split)
        same = [d for d in self.store.documents() if d.department == doc.department and d.kind == doc.kind]
        totals: dict[str, dict[str, Decimal]] = {}
        for d in same:
            for name in ("“三公”经费", "基本支出", "项目支出"):
                ev = self.planner.metric(d, name)
                if ev is not None and ev.unit in UNIT_FACTORS:
                    totals.setdefault(d.doc_id, {})[name] = convert(ev.value, ev.unit, "万元")
        return [*series, *views.year_over_year(same, totals)]

    def example_questions(self, doc_id: str | None = None) -> list[str]:
        doc = self.store.document(doc_id) if doc_id else None
        return views.example_questions(doc, self.store.tables(doc_id) if doc_id else [])

    def _table(self, table_id: str) -> TableRecord:
        doc_id = table_id.rsplit(":", 1)[0]
        table = next((t for t in self.store.tables(doc_id) if t.table_id == table_id), None)
        if table is None:
            raise AssistantError(f"no table {table_id}")
        return table

    def parse_report(self, report: IngestReport) -> list[FileReport]:
        """Per file of an ingest: what was stored, the standard tables found and the self-checks."""
        out = []
        for r in report.files:
            doc = self.store.document(r.doc_id) if r.doc_id and r.status != "failed" else None
            if doc is None:
                out.append(file_report(r, None))
                continue
            out.append(
                file_report(
                    r,
                    doc,
                    self.store.tables(doc.doc_id),
                    self.store.cells([doc.doc_id]),
                    self.audit(doc.doc_id),
                )
            )
        return out

    def audit(self, doc_id: str) -> list[Finding]:
        """Where one disclosure disagrees with itself: sums, tables against tables, 说明 against tables."""
        doc = self.store.document(doc_id)
        if doc is None:
            raise AssistantError(f"no document {doc_id}")
        return self.planner.audit(doc)

    def warm_up(self) -> None:
        """Load the tokenizer and embedding model now rather than on the first question."""
        warm_up()
        self.store.embedder.embed_query("预算")

    def close(self) -> None:
        self.store.close()


def _excel_value(raw: str) -> str | float:
    """Numbers as numbers in the spreadsheet; labels as text."""
    try:
        return float(Decimal(raw.replace(",", ""))) if raw and any(ch.isdigit() for ch in raw) else raw
    except InvalidOperation:
        return raw
