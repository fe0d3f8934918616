"""Scanned disclosures: a corpus PDF made into an image-only scan (tests/scan_fixtures.py: 170 dpi, 1.5°
skew, noise, JPEG) ingests by OCR with the network unavailable; its hand-verified gold cells on the
scanned pages come out with the printed values; the parse report names the OCR pages; figures the
tables' own sums do not confirm are flagged. Text PDFs are never OCRed.

OCR takes ~5 s a page on 2 cores: one 4-page scan, made and ingested once per session."""

from __future__ import annotations

import socket
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

import pypdfium2 as pdfium
import pytest

from assistant import Assistant
from assistant.types import Provenance, TableCell, TableRecord
from ingest import ocr
from ingest.ocr import pages_to_ocr, usable_text
from ingest.ocr_checks import flag_unconfirmed
from tests.conftest import make_settings
from tests.gold import CORPUS, corpus_files, load_gold, match_cell
from tests.robustness.support import blank_pdf
from tests.scan_fixtures import page_map, scan_pdf

FOLDER = "15_swu_2021_budget"  # cover; 收支总表 (two-sided); 收入表 (merged headers); 支出表
PAGES = [1, 6, 7, 8]


class _NoNetwork(socket.socket):
    attempts: ClassVar[list[tuple]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        _NoNetwork.attempts.append(args)
        raise OSError("network is unavailable in this test")


@pytest.fixture(scope="session")
def scanned(tmp_path_factory: pytest.TempPathFactory):
    gold = next((g for g in load_gold() if g["folder"] == FOLDER), None)
    if gold is None or not corpus_files(gold)[0].is_file():
        pytest.skip(f"corpus document {FOLDER} not found under {CORPUS}")
    tmp = tmp_path_factory.mktemp("scan")
    scan = scan_pdf(corpus_files(gold)[0], tmp / "西南大学2021年部门预算（扫描件）.pdf", PAGES)
    qa = Assistant.open(settings=make_settings(tmp / "store"))
    stages: list[str] = []
    ocr._engine.cache_clear()  # the models load inside the blocked window too
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket, "socket", _NoNetwork)
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", 9), timeout=1)  # the block is in force
        _NoNetwork.attempts.clear()
        report = qa.ingest([scan], progress=lambda path, stage: stages.append(stage))
    layer = pdfium.PdfDocument(scan)
    try:
        assert not "".join(layer[i].get_textpage().get_text_bounded() for i in range(len(layer))).strip()
    finally:
        layer.close()
    yield qa, report, gold, stages
    qa.close()


def test_the_scan_has_no_text_layer_and_is_read_without_network(scanned) -> None:
    qa, report, gold, stages = scanned
    result = report.files[0]
    assert result.status == "ingested", result.message
    assert _NoNetwork.attempts == []
    assert [s for s in stages if s.startswith("ocr")] == [
        f"ocr {i}/{len(PAGES)}" for i in range(1, len(PAGES) + 1)
    ]
    doc = qa.documents()[0]
    assert (doc.department, doc.year, doc.kind) == (gold["department"], gold["year"], gold["kind"])


def test_gold_cells_on_the_scanned_pages_have_the_printed_values(scanned) -> None:
    qa, _, gold, _ = scanned
    doc = qa.documents()[0]
    tables, cells = qa.tables(doc.doc_id), qa.cells([doc.doc_id])
    mapping = page_map(PAGES)
    wanted = [dict(g, page=mapping[g["page"]]) for g in gold["cells"] if g.get("page") in mapping]
    assert len(wanted) >= 15
    missed = [f"{g['table']}/{g.get('row')}/{g['column']}={g['value']}" for g in wanted]
    missed = [m for m, g in zip(missed, wanted, strict=True) if not match_cell(g, tables, cells, doc)[0]]
    assert not missed, missed


def test_the_parse_report_names_the_ocr_pages(scanned) -> None:
    qa, report, _, _ = scanned
    line = qa.parse_report(report)[0]
    assert line.ocr_pages == [1, 2, 3, 4]
    doc = qa.documents()[0]
    assert doc.source_files[0].ocr_pages == (1, 2, 3, 4)


def test_a_figure_that_breaks_its_table_sums_is_flagged(scanned) -> None:
    qa, _, _, _ = scanned
    doc = qa.documents()[0]
    tables, cells = qa.tables(doc.doc_id), qa.cells([doc.doc_id])
    # 2050205 高等教育, the row's 合计 (收入表 or 支出表): its row adds up, so it is trusted as read.
    target = next(c for c in cells if c.code == "2050205" and "合计" in c.col_label)
    assert not target.low_confidence
    misread = target.model_copy(update={"value": target.value + 1000, "raw": "353,132.88"})
    flagged = flag_unconfirmed(tables, [misread if c is target else c for c in cells], {1, 2, 3, 4})
    assert next(c for c in flagged if c.cell_id == target.cell_id).low_confidence


COLUMNS = ["合计", "基本支出", "项目支出"]


def _row(n: int, code: str | None, label: str, values: tuple[str, str, str]) -> list[TableCell]:
    return [
        TableCell(
            cell_id=f"d:t0:r{n}c{k}",
            table_id="d:t0",
            row=n,
            col=k,
            row_label=label,
            code=code,
            col_label=col,
            raw=v,
            value=Decimal(v),
            unit="万元",
            provenance=Provenance(doc_id="d", page=1),
        )
        for k, (col, v) in enumerate(zip(COLUMNS, values, strict=True))
    ]


def test_sums_confirm_or_flag_ocr_figures_and_leave_text_pages_alone() -> None:
    table = TableRecord(
        table_id="d:t0", doc_id="d", seq=0, title="支出预算表", table_type="expenditure", unit="万元"
    )
    cells = [
        *_row(0, "201", "一般公共服务支出", ("30", "20", "10")),
        *_row(1, "20101", "人大事务", ("30", "20", "10")),
        *_row(2, "205", "教育支出", ("50", "40", "10")),
        *_row(3, "20501", "教育管理事务", ("50", "45", "10")),  # 45: misread 40
        *_row(4, None, "合计", ("80", "60", "20")),
    ]
    flagged = {(c.code, c.col_label) for c in flag_unconfirmed([table], cells, {1}) if c.low_confidence}
    # 45 breaks its row (50 ≠ 45 + 10) and its column (40 ≠ 45); every other figure is in a sum that holds.
    assert flagged == {("20501", "基本支出")}
    assert not any(c.low_confidence for c in flag_unconfirmed([table], cells, {2}))  # not an OCR page


def test_only_scans_are_ocred() -> None:
    text = "上海市普陀区司法局2026年度部门预算，单位：万元。" * 3
    assert usable_text(text) and not usable_text("") and not usable_text("\ufffd\x01" * 40)
    assert pages_to_ocr(["", text, text, text]) == []  # a text PDF's image cover stays unread
    assert pages_to_ocr(["", "", text]) == [1, 2]


def test_a_blank_image_only_pdf_is_still_refused(qa: Assistant, tmp_path: Path) -> None:
    result = qa.ingest([blank_pdf(tmp_path / "空白.pdf", 2)]).files[0]
    assert result.status == "failed" and "没有文字层" in result.message


def test_an_answer_from_an_unconfirmed_ocr_figure_says_so(scanned) -> None:
    qa, _, _, _ = scanned
    doc = qa.documents()[0]
    tables, cells = qa.tables(doc.doc_id), qa.cells([doc.doc_id])
    cell = next(c for c in cells if c.code == "2050205" and "合计" in c.col_label)
    trusted = qa.planner._cell_evidence(cell, "高等教育", tables, cells, doc)
    doubtful = qa.planner._cell_evidence(
        cell.model_copy(update={"low_confidence": True}), "高等教育", tables, cells, doc
    )
    assert "文字识别" not in trusted.label and "文字识别" in doubtful.label and "原件" in doubtful.label
    assert doubtful.value == trusted.value  # said, never corrected
