"""Shared models. pydantic + stdlib only.

Glossary (see README): budget = 预算, final_accounts = 决算, scope department = 部门 / unit = 单位,
cell = one value of a disclosure table (表格单元格), fact = a figure stated in the narrative (文字中的数字).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Kind = Literal["budget", "final_accounts"]
Scope = Literal["department", "unit"]
Unit = Literal["元", "千元", "万元", "亿元", "%", "人", "辆", "个", "家", "项", "次", "台", "套"]
CodeKind = Literal["function", "economic"]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SourceFile(_Model):
    """One file of a disclosure; a disclosure published as 说明 + 报表 has two."""

    path: str = Field(description="Absolute path of the file as ingested.")
    sha256: str = Field(description="sha256 of its bytes.")
    first_page: int = Field(default=1, description="Document page number of its first page.")
    pages: int | None = Field(default=None, description="Its page count (null for text/HTML).")
    ocr_pages: tuple[int, ...] = Field(
        default=(), description="Its pages read by OCR (a scan: no usable text layer), 1-based in the file."
    )


class DocumentRecord(_Model):
    """One ingested disclosure (公开文件)."""

    doc_id: str = Field(description="sha256 of the file's bytes (of the files' hashes for several files).")
    source_file: str = Field(description="Absolute path of the (first) file.")
    source_files: tuple[SourceFile, ...] = Field(
        default=(), description="Every file of the disclosure, in document page order."
    )
    title: str = Field(description="Title as printed (cover or first heading).")
    department: str = Field(description="编制部门 / 单位名称 as printed.")
    region: str | None = Field(default=None, description="Region when stated (上海市普陀区).")
    year: int = Field(description="Fiscal year the disclosure covers.")
    kind: Kind = Field(description="budget 预算 or final_accounts 决算.")
    scope: Scope | None = Field(default=None, description="department 部门 or unit 单位, when stated.")
    scope_label: str | None = Field(
        default=None, description="The printed words of the scope (本级, 单位预算)."
    )
    published: str | None = Field(default=None, description="Publication date when stated (YYYY-MM-DD).")
    pages: int | None = Field(default=None, description="Page count (null for text/HTML).")
    tables: int = Field(default=0, description="Number of tables stored.")
    cells: int = Field(default=0, description="Number of table cells stored.")
    format: Literal["pdf", "text", "html", "xlsx", "xls", "docx"] = Field(description="Input format.")

    def locate(self, page: int | None) -> tuple[str, int | None]:
        """The file a document page is in, and its page number inside that file."""
        for f in reversed(self.source_files):
            if page is not None and page >= f.first_page:
                return f.path, page - f.first_page + 1
        return self.source_file, page


class Provenance(_Model):
    """Where a value or passage came from."""

    doc_id: str = Field(description="Document id.")
    page: int | None = Field(default=None, description="1-based PDF page index; null for text/HTML.")
    section_path: str = Field(default="", description="Headings above the passage, joined by ' > '.")
    char_start: int | None = Field(default=None, description="Offset in the document's narrative text.")
    char_end: int | None = Field(default=None, description="End offset in the document's narrative text.")


class TableRecord(_Model):
    """A disclosure table (表), possibly spread over several pages."""

    table_id: str = Field(description="'{doc_id}:t{n}'.")
    doc_id: str = Field(description="Document id.")
    seq: int = Field(description="Order of the table in the document.")
    title: str = Field(description="Title as printed, numbering removed.")
    table_type: str = Field(description="Normalised type, e.g. three_public, basic_expenditure.")
    unit: str | None = Field(
        default=None, description="Unit of the 单位 line (元/万元/…), null if none printed."
    )
    page_start: int | None = Field(default=None, description="First page.")
    page_end: int | None = Field(default=None, description="Last page.")
    empty: bool = Field(default=False, description="Published without data (空表).")
    note: str = Field(default="", description="Footnote (注：…), e.g. why the table is empty.")


class TableCell(_Model):
    """One value of a table in long format, with its provenance."""

    cell_id: str = Field(description="'{table_id}:r{row}c{col}'.")
    table_id: str = Field(description="Table id.")
    row: int = Field(description="Row index within the table's data rows.")
    col: int = Field(description="Column index in the table grid.")
    row_label: str = Field(description="Row label as printed, whitespace removed (wrapped parts joined).")
    code: str | None = Field(default=None, description="Classification code, digits only (2010301, 30201).")
    code_kind: CodeKind | None = Field(default=None, description="function 功能分类 or economic 经济分类.")
    col_label: str = Field(description="Header path of the column, levels joined by '/'.")
    side: str = Field(default="", description="Side of a two-sided table (收入 / 支出), else ''.")
    raw: str = Field(description="Cell text as printed ('' for a blank cell).")
    value: Decimal | None = Field(description="Exact value; blank cells are 0; null if not a number.")
    unit: str | None = Field(default=None, description="Unit of the value.")
    provenance: Provenance = Field(description="Where it was read.")
    low_confidence: bool = Field(
        default=False,
        description="Read by OCR from a scan and not confirmed by the table's own sums (totals = parts).",
    )


class Fact(_Model):
    """A figure stated in the narrative (比上年减少76.61万元, 车辆4辆)."""

    fact_id: str = Field(description="'{doc_id}:f{n}'.")
    subject: str = Field(description="The words before the number in its clause.")
    value: Decimal = Field(description="The number as stated.")
    unit: str = Field(description="万元/元/%/辆/人 …")
    raw: str = Field(description="The figure as printed (76.61万元).")
    sentence: str = Field(description="The sentence it was stated in.")
    provenance: Provenance = Field(description="Where it was stated.")


class Chunk(_Model):
    """A narrative passage for retrieval."""

    chunk_id: str = Field(description="'{doc_id}:{n}'.")
    text: str = Field(description="Passage text.")
    provenance: Provenance = Field(description="Where it came from.")


class FileResult(_Model):
    """Outcome of ingesting one path."""

    path: str = Field(description="Path as given.")
    doc_id: str | None = Field(default=None, description="Document id, when the file could be read.")
    status: Literal["ingested", "unchanged", "replaced", "failed", "skipped"] = Field(
        description="What happened (skipped: a file of an unsupported type inside a folder)."
    )
    message: str = Field(default="", description="One line: why it failed, or what was stored.")
    seconds: float = Field(default=0.0, description="Time spent on this file.")


class IngestReport(_Model):
    """One FileResult per path, in order."""

    files: tuple[FileResult, ...] = Field(description="Per-file outcomes.")

    @property
    def ok(self) -> bool:
        return all(f.status != "failed" for f in self.files)


class DocumentBundle(_Model):
    """Everything ingestion produces for one document; the store writes it in one transaction."""

    document: DocumentRecord = Field(description="Metadata.")
    text: str = Field(default="", description="The narrative text (for source views and offsets).")
    tables: tuple[TableRecord, ...] = Field(default=(), description="Tables.")
    cells: tuple[TableCell, ...] = Field(default=(), description="Cells of those tables.")
    facts: tuple[Fact, ...] = Field(default=(), description="Narrative figures.")
    chunks: tuple[Chunk, ...] = Field(default=(), description="Narrative passages.")


class Citation(_Model):
    """Where a number or sentence of an answer came from (document, page, table, row, column)."""

    key: str = Field(default="", description="Short id shown to an LLM (c1, c2 …).")
    doc_id: str = Field(description="Document id.")
    source_file: str = Field(description="File the document was ingested from.")
    department: str = Field(description="Department of the document.")
    year: int = Field(description="Fiscal year of the document.")
    page: int | None = Field(default=None, description="1-based PDF page; null for text/HTML.")
    kind: Literal["table", "text"] = Field(description="A table cell or a narrative sentence.")
    table: str | None = Field(default=None, description="Table title as printed (table citations).")
    row: str | None = Field(default=None, description="Row label (with its code when it has one).")
    column: str | None = Field(default=None, description="Column header path.")
    quote: str = Field(description="Raw text of the cell, or the sentence.")
    cell_id: str | None = Field(default=None, description="Cell id (table citations).")
    section: str | None = Field(default=None, description="Section path (text citations).")


class Calculation(_Model):
    """Exact decimal arithmetic over cited values."""

    op: Literal["share", "sum", "difference", "change", "ratio", "derive", "convert", "max", "min"] = Field(
        description="What was computed."
    )
    operands: tuple[Decimal, ...] = Field(description="Input values, in the formula's order and unit.")
    result: Decimal = Field(description="Exact result before display rounding.")
    unit: str = Field(description="Unit of the result.")
    expression: str = Field(description="Formula as shown to people: 614.80 ÷ 658.02 × 100% = 93.43%.")


class Answer(_Model):
    """The public answer contract (see README)."""

    question: str = Field(description="The question as asked.")
    status: Literal["answered", "refused"] = Field(
        description="refused when the store does not hold the answer."
    )
    text: str = Field(description="The Chinese answer a person reads.")
    value: float | None = Field(default=None, description="Headline number, in `unit`.")
    unit: str | None = Field(default=None, description="Unit of `value`.")
    calculation: str | None = Field(default=None, description="Formula when one was computed.")
    citations: tuple[Citation, ...] = Field(default=(), description="Sources of every number and quote.")
    derived: bool = Field(default=False, description="True when the value is computed, not stated.")
    doc_ids: tuple[str, ...] = Field(default=(), description="Documents the answer used.")
    settings_hash: str = Field(
        default="", description="Hash of the index fingerprint and the lexicon versions that answered."
    )
    mode: Literal["planner", "llm"] = Field(
        default="planner", description="planner = the rule engine wrote the text; llm = a language model did."
    )
