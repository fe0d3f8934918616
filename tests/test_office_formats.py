"""Excel and Word disclosures: written at test time from the corpus text and the hand-verified gold
values (tests/office_fixtures.py), ingested, and checked against the gold cells and the original."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest

from assistant import Assistant
from ingest.parse_office import _cell_text, parse_office
from tests.conftest import make_settings
from tests.gold import CORPUS, GOLD_DIR, Miss, corpus_files, match_cell, title_matches
from tests.office_fixtures import (
    CHANGJI,
    corpus_note,
    corpus_text_lines,
    split_at_tables,
    table_layouts,
    write_docx,
    write_xls,
    write_xlsx,
)

pytestmark = pytest.mark.skipif(not (CORPUS / CHANGJI).is_dir(), reason="shared corpus not found")
Parts = tuple[list[str], str, list[str]]  # narrative before the tables part, its heading, after it
THREE_PUBLIC_Q = "昌吉市商务和工业信息化局2020年三公经费是多少？"
# ingest/tables.py reads a table without a single figure as all header unless a blank row follows its
# header (PDF empty tables have one): the all-blank 合计 row of this 空表 gives no cell. The table itself
# is stored, marked empty. Checked to still miss, so that the fix shows here.
KNOWN_GAPS = {
    "00_changji_swgxj_2020_budget": {("政府性基金预算支出情况表", "合计")},
    "07_sh_putuo_zfb_2025_dept_budget": {("政府性基金预算支出功能分类预算表", "合计")},
}


@pytest.fixture(scope="module")
def gold() -> dict:
    return json.loads((GOLD_DIR / f"{CHANGJI}.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def parts() -> Parts:
    return split_at_tables(corpus_text_lines())


@contextmanager
def _open(tmp_path: Path, name: str) -> Iterator[Assistant]:
    qa = Assistant.open(settings=make_settings(tmp_path / name))
    try:
        yield qa
    finally:
        qa.close()


def _assert_gold_cells(qa: Assistant, gold: dict, doc_id: str, folder: str = CHANGJI) -> None:
    """Every gold cell (value, unit, row, column; not the original's page) and the metadata."""
    doc = next(d for d in qa.documents() if d.doc_id == doc_id)
    tables, cells = qa.tables(doc_id), qa.cells([doc_id])
    misses, gaps, known = [], set(), KNOWN_GAPS[folder]
    for g in gold["cells"]:
        ok, candidates = match_cell({**g, "page": None}, tables, cells, doc)
        if (g["table"], g["row"]) in known:
            gaps.add((g["table"], g["row"]))
            assert not ok, f"{g['table']} / {g['row']} now parses: remove it from KNOWN_GAPS"
            assert all(t.empty for t in tables if title_matches(g["table"], t.title))
        elif not ok:
            misses.append(str(Miss(g, candidates)))
    assert not misses, "\n".join(misses)
    assert gaps == known
    assert (doc.department, doc.year, doc.kind, doc.scope) == (
        gold["department"],
        gold["year"],
        gold["kind"],
        gold["scope"],
    )


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_workbook_sheets_become_tables_with_gold_cells(
    tmp_path: Path, gold: dict, parts: Parts, suffix: str
) -> None:
    xlsx = tmp_path / f"报表{suffix}"
    if suffix == ".xlsx":
        notes = {"政府性基金预算支出情况表": corpus_note("政府性基金")}
        titles = write_xlsx(xlsx, gold, cover=[parts[1]], notes=notes)
    else:
        titles = write_xls(xlsx, gold, cover=[parts[1]])
    with _open(tmp_path, "store") as qa:
        report = qa.ingest([xlsx])
        assert [f.status for f in report.files] == ["ingested"], report.files
        doc_id = report.files[0].doc_id
        _assert_gold_cells(qa, gold, doc_id)
        tables = qa.tables(doc_id)
        for sheet, title in enumerate(titles, 2):  # sheet 1 is the cover
            table = next(t for t in tables if title_matches(title, t.title))
            assert (table.page_start, table.page_end) == (sheet, sheet)
            assert table.unit == "万元"
            assert {c.provenance.page for c in qa.cells(table_id=table.table_id)} <= {sheet}
        three = next(t for t in tables if t.table_type == "three_public")
        total = [c for c in qa.cells(table_id=three.table_id) if c.col_label == "合计"]
        assert [(c.raw, c.value, c.unit) for c in total] == [("10.40", Decimal("10.40"), "万元")]
        fund = next(t for t in tables if t.table_type == "government_fund")
        assert fund.empty and ("未安排" in fund.note) == (suffix == ".xlsx")


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_merged_header_cells_spread_over_their_span(tmp_path: Path, gold: dict, suffix: str) -> None:
    xlsx = tmp_path / f"t{suffix}"
    (write_xlsx if suffix == ".xlsx" else write_xls)(xlsx, gold, cover=["2020 年部门预算公开表"])
    parsed = parse_office(xlsx)
    three = next(g for g in parsed.grids if any("三公" in ln for ln in g.above))
    car = [c for c, v in enumerate(three.texts[0]) if v == "公务用车购置及运行费"]
    assert len(car) == 3 and three.origin[0][car[1]] == (0, car[0])  # one cell over three columns
    assert three.texts[1][0] == "合计" and three.origin[1][0] == (0, 0)  # down over two header rows
    assert three.texts[2][0] == "10.40"  # number format 0.00 kept as printed


def test_docx_narrative_sections_and_word_tables(tmp_path: Path, gold: dict, parts: Parts) -> None:
    before, heading, after = parts
    word = tmp_path / "公开.docx"
    note = corpus_note("政府性基金")
    write_docx(word, [*before, heading], after, gold=gold, notes={"政府性基金预算支出情况表": note})
    with _open(tmp_path, "store") as qa:
        report = qa.ingest([word])
        assert [f.status for f in report.files] == ["ingested"], report.files
        doc_id = report.files[0].doc_id
        _assert_gold_cells(qa, gold, doc_id)
        assert len(qa.tables(doc_id)) == len(table_layouts(gold))
        sections = {c.provenance.section_path for c in qa.store.chunks([doc_id])}
        assert any("一、主要职能" in s for s in sections), sections
        facts = [f for f in qa.facts([doc_id]) if f.value == Decimal("76.61")]
        assert facts and "减少" in facts[0].sentence
        fund = next(t for t in qa.tables(doc_id) if t.table_type == "government_fund")
        assert fund.empty and "未安排政府性基金预算支出" in fund.note


def test_docx_and_xlsx_of_one_disclosure_become_one_document(
    tmp_path: Path, gold: dict, parts: Parts
) -> None:
    before, heading, after = parts
    folder = tmp_path / "公开"
    folder.mkdir()
    # The text file has no cover (its tables' 编制部门 lines name the department); a 说明 file printed
    # apart from its tables carries one: composed here from the hand-verified gold metadata.
    cover = f"{gold['department']}{gold['year']}年部门预算"
    write_docx(folder / "说明.docx", [cover, *before], after)
    titles = write_xlsx(folder / "报表.xlsx", gold, cover=[heading])
    with _open(tmp_path, "store") as qa:
        report = qa.ingest([folder])
        assert {f.status for f in report.files} == {"ingested"}, report.files
        assert (
            len({f.doc_id for f in report.files}) == 1 and "2 个文件合为一份公开" in report.files[0].message
        )
        (doc,) = qa.documents()
        assert [Path(f.path).name for f in doc.source_files] == ["说明.docx", "报表.xlsx"]
        _assert_gold_cells(qa, gold, doc.doc_id)
        three = next(t for t in qa.tables(doc.doc_id) if t.table_type == "three_public")
        assert doc.locate(three.page_start) == (str(folder / "报表.xlsx"), 2 + titles.index(three.title))
        answer = qa.ask(THREE_PUBLIC_Q)
        assert answer.status == "answered" and answer.value == pytest.approx(10.40)
        cited = [(Path(c.source_file).name, c.page) for c in answer.citations if c.kind == "table"]
        assert cited and set(cited) == {("报表.xlsx", 2 + titles.index(three.title))}
        stated = qa.ask("2020年一般公共预算收入比上年减少多少？")
        assert {Path(c.source_file).name for c in stated.citations} == {"说明.docx"}


PUTUO_ZFB = "07_sh_putuo_zfb_2025_dept_budget"


@pytest.mark.parametrize(
    ("folder", "question", "expected"),
    [
        (CHANGJI, THREE_PUBLIC_Q, 10.40),  # a text file: its tables part's heading is the cover
        (PUTUO_ZFB, "上海市普陀区人民政府办公室2025年三公经费是多少？", 867.50),  # a PDF: its cover line
    ],
    ids=["changji-txt", "putuo-pdf"],
)
def test_three_public_answer_same_from_xlsx_as_from_original(
    tmp_path: Path, folder: str, question: str, expected: float
) -> None:
    gold = json.loads((GOLD_DIR / f"{folder}.json").read_text(encoding="utf-8"))
    with _open(tmp_path, "original") as qa:
        (result,) = qa.ingest(corpus_files(gold)).files
        original = qa.ask(question)
        text = qa.store.document_text(result.doc_id)
    cover = [split_at_tables(corpus_text_lines())[1]] if folder == CHANGJI else text.splitlines()[:1]
    xlsx = tmp_path / "报表.xlsx"
    titles = write_xlsx(xlsx, gold, cover=cover)
    with _open(tmp_path, "xlsx") as qa:
        (result,) = qa.ingest([xlsx]).files
        _assert_gold_cells(qa, gold, result.doc_id, folder=folder)
        answer = qa.ask(question)
    assert original.status == answer.status == "answered", (original.text, answer.text)
    assert (answer.value, answer.unit) == (original.value, original.unit) == (pytest.approx(expected), "万元")
    sheet = 2 + next(i for i, t in enumerate(titles) if "三公" in t)
    cited = [c for c in answer.citations if c.kind == "table"]
    assert cited and all(c.source_file == str(xlsx.resolve()) and c.page == sheet for c in cited)
    assert any("三公" in (c.table or "") for c in cited)


@pytest.mark.parametrize(
    ("value", "number_format", "printed"),
    [
        (839.0, "0.00", "839.00"),
        (606.4, "0.0", "606.4"),
        (91016775.35, "#,##0.00", "91,016,775.35"),
        (0.125, "0.00%", "12.50%"),
        (7, "General", "7"),
        (51.62, "General", "51.62"),
        (" 行政运行 ", "General", "行政运行"),
        (None, "0.00", ""),
    ],
)
def test_cells_read_as_printed(value: object, number_format: str, printed: str) -> None:
    cell = SimpleNamespace(value=value, number_format=number_format)
    assert _cell_text(cell) == printed


def test_workbook_without_a_table_or_broken_is_refused_in_chinese(tmp_path: Path) -> None:
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"not a zip file at all")
    empty = tmp_path / "空.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["你好"])
    book.save(empty)
    with _open(tmp_path, "store") as qa:
        report = qa.ingest([broken, empty])
    assert [f.status for f in report.files] == ["failed", "failed"]
    assert "不是有效的 xlsx 文件" in report.files[0].message
    assert "几乎没有文字" in report.files[1].message
