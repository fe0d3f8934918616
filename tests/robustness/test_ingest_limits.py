"""Bad files at ingestion (issue 13): each fails alone with one clear Chinese reason, the store is left as
it was, and a good file of the same ingest call is still stored.

Every bad file is made here in tmp_path (see support.py); the good files are the repository's samples."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from assistant import Assistant, Settings
from assistant.errors import ParseError
from assistant.settings import EmbeddingSettings, IngestSettings, PathSettings
from ingest.parse_pdf import parse_pdf
from tests.conftest import SAMPLES
from tests.robustness.support import (
    blank_pdf,
    encrypted_pdf,
    sparse_file,
    store_snapshot,
    truncated_pdf,
    write_pdf,
)

GOOD_TEXT = SAMPLES / "00_changji_swgxj_2020_budget" / "disclosure.txt"
GOOD_PDF = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
MB = 1024 * 1024


def _empty(tmp: Path) -> Path:
    path = tmp / "空白.pdf"
    path.write_bytes(b"")
    return path


def _blank_lines(tmp: Path) -> Path:
    path = tmp / "只有空行.txt"
    path.write_bytes(b"  \r\n\n\t \n")
    return path


def _too_large(tmp: Path) -> Path:
    return sparse_file(tmp / "巨大.pdf", 200 * MB + 1)  # one byte over the default limit, no disk used


def _too_many_pages(tmp: Path) -> Path:
    return blank_pdf(tmp / "一千零一页.pdf", 1001)


def _encrypted(tmp: Path) -> Path:
    return encrypted_pdf(tmp / "加密.pdf")


def _truncated(tmp: Path) -> Path:
    return truncated_pdf(tmp / "下载中断.pdf", GOOD_PDF, keep=0.5)


def _garbage(tmp: Path) -> Path:
    path = tmp / "乱码.pdf"
    path.write_bytes(b"%PDF-1.7\n" + hashlib.sha512(b"noise").digest() * 200)
    return path


def _bad_page_tree(tmp: Path) -> Path:
    # A well-formed file whose page tree points at an object that is not a page.
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"(x)"]
    return write_pdf(tmp / "坏页.pdf", objects)


BAD_FILES: dict[str, tuple[Callable[[Path], Path], list[str]]] = {
    "empty": (_empty, ["文件是空的"]),
    "blank_lines": (_blank_lines, ["文件是空的"]),
    "too_large": (_too_large, ["巨大.pdf", "超过上限 200 MB"]),
    "too_many_pages": (_too_many_pages, ["一千零一页.pdf", "1,001 页", "超过上限 1,000 页"]),
    "encrypted": (_encrypted, ["PDF 已加密，无法读取"]),
    "truncated": (_truncated, ["PDF 文件已损坏"]),
    "garbage": (_garbage, ["PDF 文件已损坏"]),
}


@pytest.fixture
def stocked(qa: Assistant) -> Assistant:
    """A store that already holds one disclosure, so "unchanged" is about real rows."""
    assert qa.ingest([GOOD_TEXT]).files[0].status == "ingested"
    return qa


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_file_fails_alone_and_leaves_the_store_unchanged(
    stocked: Assistant, tmp_path: Path, case: str
) -> None:
    make, words = BAD_FILES[case]
    bad = make(tmp_path)
    before = store_snapshot(stocked.store.root)
    alone = stocked.ingest([bad]).files
    assert [f.status for f in alone] == ["failed"]
    assert all(w in alone[0].message for w in words), alone[0].message
    assert "\n" not in alone[0].message
    assert store_snapshot(stocked.store.root) == before

    good = tmp_path / "good.txt"  # a new copy of a disclosure: other bytes, so a new document
    good.write_bytes(GOOD_TEXT.read_bytes() + b"\n")
    both = stocked.ingest([bad, good]).files
    assert [f.status for f in both] == ["failed", "ingested"]
    assert both[0].message == alone[0].message
    assert sorted(Path(d.source_file).name for d in stocked.documents()) == ["disclosure.txt", "good.txt"]


def test_every_bad_pdf_beside_a_good_pdf_in_one_call(qa: Assistant, tmp_path: Path) -> None:
    bad = [make(tmp_path) for make, _ in BAD_FILES.values()]
    report = qa.ingest([*bad[:3], GOOD_PDF, *bad[3:]])
    statuses = [f.status for f in report.files]
    assert statuses == ["failed"] * 3 + ["ingested"] + ["failed"] * (len(bad) - 3)
    for result, (_, words) in zip(
        [f for f in report.files if f.status == "failed"], BAD_FILES.values(), strict=True
    ):
        assert all(w in result.message for w in words), result.message
    assert [d.source_file for d in qa.documents()] == [str(GOOD_PDF)]
    assert qa.ask("万里街道2024年三公经费是多少？").value == pytest.approx(47.91)


def test_limits_are_settings(tmp_path: Path) -> None:
    small = Settings(
        paths=PathSettings(store=tmp_path / "store"),
        embedding=EmbeddingSettings(model="hash"),
        ingest=IngestSettings(max_file_mb=0.1, max_pages=5),
    )
    assert (IngestSettings().max_file_mb, IngestSettings().max_pages) == (200, 1000)
    qa = Assistant.open(settings=small)
    try:
        report = qa.ingest([GOOD_PDF, blank_pdf(tmp_path / "六页.pdf", 6), GOOD_TEXT]).files
        assert [f.status for f in report] == ["failed", "failed", "ingested"]
        assert GOOD_PDF.name in report[0].message and "超过上限 0.1 MB" in report[0].message
        assert "6 页，超过上限 5 页" in report[1].message
    finally:
        qa.close()


def test_the_encrypted_pdf_is_real_and_every_reader_names_it(tmp_path: Path) -> None:
    path = encrypted_pdf(tmp_path / "加密.pdf")
    with pytest.raises(pdfium.PdfiumError) as raised:
        pdfium.PdfDocument(path)
    assert raised.value.err_code == pdfium.raw.FPDF_ERR_PASSWORD
    pdf = pdfium.PdfDocument(path, password="secret")
    try:
        assert "Budget 2024 encrypted" in pdf[0].get_textpage().get_text_bounded()
    finally:
        pdf.close()
    # pdfplumber's wrapper of pdfminer's password error has an empty message: the reason is still said.
    with pytest.raises(ParseError, match="PDF 已加密，无法读取"):
        parse_pdf(path, page_texts=["(text layer read elsewhere)"])


def test_a_page_that_cannot_be_loaded_names_its_number(qa: Assistant, tmp_path: Path) -> None:
    result = qa.ingest([_bad_page_tree(tmp_path)]).files[0]
    assert result.status == "failed"
    assert result.message.startswith("PDF 文件已损坏"), result.message
    assert qa.documents() == []
