"""The parse report: per file what was stored and whether the document's own arithmetic holds.

The self-checks are the label-free test of parsing: 收入总计 = 支出总计 in the 收支总表, totals equal
their parts and 三公 合计 its items (audit `sum`), summary tables agree with detail tables (`split`), the
说明's figures equal the tables' (`narrative_table`). A failing check is a parse error or a real defect of
the document; the report lists both sides so a person can tell which.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.audit import Finding
from assistant.textnorm import label_key
from assistant.types import DocumentRecord, FileResult, TableCell, TableRecord

LEXICON = Path(__file__).parent / "lexicon" / "report.toml"


@cache
def _lexicon() -> dict:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


class CheckResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    check: str = Field(description="balance | sum | split | narrative_table | narrative_self | percent | …")
    passed: bool = Field(description="True when the document's arithmetic holds.")
    detail: str = Field(default="", description="What disagrees, in Chinese.")


class FileReport(BaseModel):
    """One file's line of the parse report."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    path: str
    status: str
    message: str
    doc_id: str | None = None
    department: str | None = None
    year: int | None = None
    kind: str | None = None
    scope: str | None = None
    scope_label: str | None = None
    files: list[str] = Field(default_factory=list, description="All files of the document.")
    pages: int | None = None
    tables: dict[str, int] = Field(default_factory=dict, description="Tables found, by standard kind.")
    missing_tables: list[str] = Field(default_factory=list, description="Standard kinds not found.")
    cells: int = 0
    ocr_pages: list[int] = Field(
        default_factory=list, description="Document pages read by OCR (a scan: no usable text layer)."
    )
    low_confidence_cells: int = Field(
        default=0, description="OCR figures the tables' own sums did not confirm (stored, flagged)."
    )
    checks: list[CheckResult] = Field(default_factory=list)
    seconds: float = 0.0


def balance(tables: Sequence[TableRecord], cells: Sequence[TableCell]) -> CheckResult | None:
    """收入总计 = 支出总计 in the 收支总表; None when the table or its totals are not found."""
    lex = _lexicon()
    summary = {t.table_id for t in tables if t.table_type == "income_expense_summary"}
    if not summary:
        return None
    in_keys = {label_key(x) for x in lex["income_totals"]}
    out_keys = {label_key(x) for x in lex["expense_totals"]}

    def first(keys: set[str], side: str) -> TableCell | None:
        rows = [
            c
            for c in cells
            if c.table_id in summary
            and label_key(c.row_label) in keys
            and c.value is not None
            and (side in c.side or side in c.col_label or label_key(c.row_label) != "总计")
        ]
        return min(rows, key=lambda c: (c.table_id, c.col), default=None)

    income, expense = first(in_keys, "收入"), first(out_keys, "支出")
    if income is None or expense is None:
        return None
    ok = income.value == expense.value
    detail = "" if ok else f"收入总计 {income.raw} ≠ 支出总计 {expense.raw}（第{income.provenance.page}页）"
    return CheckResult(check="balance", passed=ok, detail=detail)


def file_report(
    result: FileResult,
    doc: DocumentRecord | None,
    tables: Sequence[TableRecord] = (),
    cells: Sequence[TableCell] = (),
    findings: Sequence[Finding] = (),
) -> FileReport:
    base = {
        "path": result.path,
        "status": result.status,
        "message": result.message,
        "seconds": result.seconds,
    }
    if doc is None:
        return FileReport(**base, doc_id=result.doc_id)
    kinds = Counter(t.table_type for t in tables if not t.empty or t.table_type)
    checks: list[CheckResult] = []
    bal = balance(tables, cells)
    if bal:
        checks.append(bal)
    failed = Counter(f.check for f in findings)
    for check, n in failed.items():
        details = "；".join(f.message for f in findings if f.check == check)[:600]
        checks.append(CheckResult(check=check, passed=False, detail=f"{n} 处：{details}"))
    return FileReport(
        **base,
        doc_id=doc.doc_id,
        department=doc.department,
        year=doc.year,
        kind=doc.kind,
        scope=doc.scope,
        scope_label=doc.scope_label,
        files=[f.path for f in doc.source_files] or [doc.source_file],
        pages=doc.pages,
        tables=dict(kinds),
        missing_tables=[k for k in _lexicon()["required_tables"] if k not in kinds],
        cells=len(cells),
        ocr_pages=[f.first_page - 1 + n for f in doc.source_files for n in f.ocr_pages],
        low_confidence_cells=sum(c.low_confidence for c in cells),
        checks=checks,
    )


def summarize(reports: Sequence[FileReport]) -> dict[str, object]:
    """Counts per status, self-check pass rates and the standard tables found, over the whole report."""
    docs = {
        r.doc_id: r for r in reports if r.department and r.status in {"ingested", "replaced", "unchanged"}
    }
    balance_checks = [c for r in docs.values() for c in r.checks if c.check == "balance"]
    finding_kinds = Counter(c.check for r in docs.values() for c in r.checks if not c.passed)
    return {
        "files": len(reports),
        "status": dict(Counter(r.status for r in reports)),
        "documents": len(docs),
        "balance_checked": len(balance_checks),
        "balance_passed": sum(c.passed for c in balance_checks),
        "documents_with_findings": sum(any(not c.passed for c in r.checks) for r in docs.values()),
        "findings_by_check": dict(finding_kinds),
        "missing_tables": dict(Counter(k for r in docs.values() for k in r.missing_tables)),
        "cells": sum(r.cells for r in docs.values()),
        "ocr_pages": sum(len(r.ocr_pages) for r in docs.values()),
        "low_confidence_cells": sum(r.low_confidence_cells for r in docs.values()),
        "pages": sum(r.pages or 0 for r in docs.values()),
        "seconds": round(sum(r.seconds for r in reports), 1),
    }
