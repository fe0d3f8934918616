"""Narrative sections, chunks and stated figures; text encodings and HTML. Values checked on the pages."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.errors import IndexMismatchError
from assistant.settings import EmbeddingSettings
from tests.conftest import SAMPLES

PDF_2024 = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
TXT = SAMPLES / "00_changji_swgxj_2020_budget" / "disclosure.txt"


def test_stated_figures_keep_sentence_and_page(qa: Assistant) -> None:
    doc_id = qa.ingest([PDF_2024]).files[0].doc_id
    facts = qa.facts([doc_id])
    # PDF page 32 (其他相关情况说明), read on the rendered page.
    expected = [
        ("三公", Decimal("47.91"), "万元"),
        ("机关运行经费", Decimal("443.18"), "万元"),
        ("政府采购预算", Decimal("1662.44"), "万元"),
        ("车辆", Decimal("7"), "辆"),
    ]
    for words, value, unit in expected:
        hits = [f for f in facts if words in f.sentence and f.value == value and f.unit == unit]
        assert hits, (words, value)
        assert hits[0].provenance.page == 32
        assert hits[0].raw in hits[0].sentence


def test_chunks_stay_in_their_section_with_page(qa: Assistant) -> None:
    doc_id = qa.ingest([PDF_2024]).files[0].doc_id
    chunks = qa.store.chunks([doc_id])
    three = [c for c in chunks if "47.91万元" in c.text]
    assert three and "三公" in three[0].provenance.section_path and three[0].provenance.page == 32
    text = qa.store.document_text(doc_id)
    for c in chunks:
        start, end = c.provenance.char_start, c.provenance.char_end
        assert start is not None and end is not None
        assert text[start:end].strip() == c.text
    assert max(len(c.text) for c in chunks) <= qa.settings.chunking.max_chars + 40


def test_gb18030_text_reads_like_utf8(qa: Assistant, tmp_path: Path) -> None:
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(TXT.read_text(encoding="utf-8").encode("gb18030"))
    report = qa.ingest([TXT, gbk])
    # Another file with the same department, year and kind is kept beside the first, never replacing it.
    assert [f.status for f in report.files] == ["ingested", "ingested"]
    assert "看起来相同" in report.files[1].message and "disclosure.txt" in report.files[1].message
    assert len(qa.documents()) == 2
    doc = next(d for d in qa.documents() if d.source_file.endswith("gbk.txt"))
    assert (doc.department, doc.year, doc.kind) == ("昌吉市商务和工业信息化局", 2020, "budget")
    table = next(t for t in qa.tables(doc.doc_id) if t.table_type == "three_public")
    total = [c for c in qa.cells(table_id=table.table_id) if c.col_label == "合计"]
    assert [(c.value, c.unit) for c in total] == [(Decimal("10.40"), "万元")]


def test_html_narrative_only(qa: Assistant, corpus_dir: Path) -> None:
    html = corpus_dir / "20_cq_jtw_2018_budget" / "cq_jtw_2018_budget.html"
    doc_id = qa.ingest([html]).files[0].doc_id
    doc = qa.documents()[0]
    assert (doc.department, doc.year, doc.published, doc.format) == (
        "重庆市交通委员会",
        2018,
        "2018-03-06",
        "html",
    )
    facts = qa.facts([doc_id])
    assert any(f.value == Decimal("2800.68") and "三公" in f.sentence for f in facts)
    assert all("<" not in c.text for c in qa.store.chunks([doc_id]))


def test_store_refuses_another_embedding_model(settings: Settings) -> None:
    Assistant.open(settings=settings).close()
    other = settings.model_copy(update={"embedding": EmbeddingSettings(model="use-multilingual-v3")})
    with pytest.raises(IndexMismatchError):
        Assistant.open(settings=other)
