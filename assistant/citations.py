"""Citations: a table cell, a stated figure or a passage, rendered with document, page, table, row, column."""

from __future__ import annotations

from assistant.types import Chunk, Citation, DocumentRecord, Fact, TableCell, TableRecord


def row_name(cell: TableCell) -> str:
    label = cell.row_label or ""
    return f"{cell.code} {label}".strip() if cell.code else label


def _of(doc: DocumentRecord, page: int | None) -> dict[str, object]:
    """The document fields every citation carries, and the file and page inside it the page is on."""
    source_file, local_page = doc.locate(page)
    return {
        "doc_id": doc.doc_id,
        "source_file": source_file,
        "department": doc.department,
        "year": doc.year,
        "page": local_page,
    }


def cite_cell(cell: TableCell, table: TableRecord, doc: DocumentRecord) -> Citation:
    return Citation(
        **_of(doc, cell.provenance.page),
        kind="table",
        table=table.title,
        row=row_name(cell) or None,
        column=(f"{cell.side}/" if cell.side and not cell.col_label.startswith(cell.side) else "")
        + cell.col_label,
        quote=cell.raw if cell.raw else "（空白，即0）",
        cell_id=cell.cell_id,
    )


def cite_table_note(table: TableRecord, doc: DocumentRecord) -> Citation:
    return Citation(
        **_of(doc, table.page_start),
        kind="table",
        table=table.title,
        row=None,
        column=None,
        quote=table.note or "（本表为空表）",
    )


def cite_fact(fact: Fact, doc: DocumentRecord) -> Citation:
    return Citation(
        **_of(doc, fact.provenance.page),
        kind="text",
        quote=fact.sentence,
        section=fact.provenance.section_path or None,
    )


def cite_text(chunk: Chunk, doc: DocumentRecord, quote: str | None = None) -> Citation:
    return Citation(
        **_of(doc, chunk.provenance.page),
        kind="text",
        quote=quote or chunk.text,
        section=chunk.provenance.section_path or None,
    )


def number_keys(citations: list[Citation]) -> list[Citation]:
    """Give each citation a short key (c1, c2 …) in order, dropping exact repeats."""
    seen: set[tuple[str | None, str, str | None]] = set()
    out = []
    for c in citations:
        k = (c.cell_id, c.quote, c.doc_id)
        if k in seen:
            continue
        seen.add(k)
        out.append(c.model_copy(update={"key": f"c{len(out) + 1}"}))
    return out


def doc_label(doc: DocumentRecord) -> str:
    return f"{doc.department}{doc.year}年{'决算' if doc.kind == 'final_accounts' else '预算'}"
