"""Store behaviour on real files: idempotent re-ingest, replacement, bad files, atomic writes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.stores import Store
from tests.conftest import SAMPLES

PDF = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
TXT = SAMPLES / "00_changji_swgxj_2020_budget" / "disclosure.txt"


def snapshot(store: Path) -> dict[str, list[tuple]]:
    """Every row of every table, and the vector ids: what 'unchanged' means."""
    db = sqlite3.connect(store / "budgetqa.sqlite")
    tables = ["documents", "tables", "cells", "facts", "chunks"]
    rows = {t: sorted(db.execute(f"SELECT * FROM {t}").fetchall(), key=repr) for t in tables}
    db.close()
    return rows


def vector_ids(qa: Assistant) -> list[str]:
    return sorted(qa.store._collection.get()["ids"])


def test_reingest_same_bytes_is_a_noop(qa: Assistant, settings: Settings) -> None:
    first = qa.ingest([PDF, TXT])
    assert [f.status for f in first.files] == ["ingested", "ingested"]
    before, ids = snapshot(settings.paths.store), vector_ids(qa)
    assert ids, "chunks must be embedded"
    again = qa.ingest([PDF, TXT])
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert [f.doc_id for f in again.files] == [f.doc_id for f in first.files]
    assert snapshot(settings.paths.store) == before
    assert vector_ids(qa) == ids


def test_new_version_replaces_the_old_one_whole(qa: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "budget.txt"
    path.write_bytes(TXT.read_bytes())
    old = qa.ingest([path]).files[0]
    path.write_bytes(TXT.read_bytes().replace(b"10.40", b"10.50"))
    new = qa.ingest([path]).files[0]
    assert (old.status, new.status) == ("ingested", "replaced")
    docs = qa.documents()
    assert [d.doc_id for d in docs] == [new.doc_id]
    assert all(c.provenance.doc_id == new.doc_id for c in qa.cells())
    assert {m["doc_id"] for m in qa.store._collection.get()["metadatas"]} == {new.doc_id}


def test_bad_files_fail_alone_with_a_clear_message(qa: Assistant, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(PDF.read_bytes()[:3000])
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    not_budget = tmp_path / "notes.txt"
    not_budget.write_text("今天天气很好，我们去公园散步，看到很多人在跑步和跳舞。", encoding="utf-8")
    report = qa.ingest([corrupt, PDF, empty, not_budget, tmp_path / "missing.pdf"])
    statuses = [f.status for f in report.files]
    assert statuses == ["failed", "ingested", "failed", "failed", "failed"]
    assert "PDF" in report.files[0].message
    assert "空文件" in report.files[2].message
    assert "不是预算" in report.files[3].message
    assert "不存在" in report.files[4].message
    assert not report.ok
    assert [d.source_file for d in qa.documents()] == [str(PDF)]


def test_cli_exit_code_says_something_failed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    env = {"BUDGETQA_EMBEDDING__MODEL": "hash", "PATH": "/usr/bin:/bin"}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli",
            "ingest",
            str(TXT),
            str(empty),
            "--store",
            str(tmp_path / "s"),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    assert "empty.txt" in run.stdout and "ingested" in run.stdout
    docs = subprocess.run(
        [sys.executable, "-m", "cli", "docs", "--json", "--store", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert "昌吉市商务和工业信息化局" in docs.stdout and '"year": 2020' in docs.stdout


def test_failed_write_leaves_the_store_as_it_was(
    qa: Assistant, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    qa.ingest([TXT])
    before, ids = snapshot(settings.paths.store), vector_ids(qa)

    def crash(self: Store, bundle: object) -> None:
        self._db.execute(
            "INSERT INTO documents (doc_id, source_file, title, department, year, kind, format) "
            "VALUES ('x', 'x', 'x', 'x', 2020, 'budget', 'pdf')"
        )
        raise OSError("disk full")

    monkeypatch.setattr(Store, "_insert", crash)
    result = qa.ingest([PDF]).files[0]
    assert result.status == "failed" and "disk full" in result.message
    assert snapshot(settings.paths.store) == before
    assert vector_ids(qa) == ids


def test_orphan_vectors_are_kept_on_open_and_removed_by_repair(qa: Assistant, settings: Settings) -> None:
    """Opening never deletes vectors of no stored document: another process may be between adding a
    document's vectors and committing its rows (issue 13). They are never returned, and check --repair
    removes them."""
    qa.ingest([TXT])
    qa.store._collection.upsert(
        ids=["ghost:0"],
        embeddings=[[0.1] * 256],
        documents=["x"],
        metadatas=[{"doc_id": "ghost", "page": 0, "section": ""}],
    )
    qa.close()
    reopened = Assistant.open(settings=settings)
    assert "ghost:0" in vector_ids(reopened) and reopened.store.check().orphans == 1
    assert reopened.store.check(repair=True).repaired and "ghost:0" not in vector_ids(reopened)
    reopened.close()


def test_a_second_handle_sees_writes_made_through_the_first(settings: Settings) -> None:
    """The app and the CLI may share a store: cached document lists must notice the other's writes."""
    reader = Assistant.open(settings=settings)
    writer = Assistant.open(settings=settings)
    assert reader.documents() == []
    writer.ingest([TXT])
    assert [d.department for d in reader.documents()] == ["昌吉市商务和工业信息化局"]
    assert reader.ask("昌吉市商务和工业信息化局2020年“三公”经费是多少？").value == 10.4
    reader.close()
    writer.close()


def test_a_look_alike_never_replaces_and_replace_must_be_asked(qa: Assistant, tmp_path: Path) -> None:
    """A short text naming a stored department, year and kind (a page excerpt, a hostile upload) is kept
    beside the real disclosure, never instead of it; `replace=True` is the explicit way."""
    qa.ingest([PDF])
    real = qa.documents()[0]
    fake = tmp_path / "excerpt.txt"
    text = PDF.with_suffix(".txt") if PDF.with_suffix(".txt").exists() else None
    body = (text.read_text(encoding="utf-8") if text else "") or (
        f"{real.department}{real.year}年度部门预算\n收支总表 收入总表 支出总表 财政拨款收支总表 "
        "一般公共预算支出 基本支出 项目支出 三公经费 机关运行经费 政府采购。三公经费预算为1.00万元。"
    )
    fake.write_text(body, encoding="utf-8")
    result = qa.ingest([fake]).files[0]
    assert result.status == "ingested" and "看起来相同" in result.message and PDF.name in result.message
    assert real.doc_id in {d.doc_id for d in qa.documents()} and len(qa.documents()) == 2
    fake.write_text(body + "\n补充说明。", encoding="utf-8")
    again = qa.ingest([fake], replace=True).files[0]
    assert again.status == "replaced" and PDF.name in again.message
    assert real.doc_id not in {d.doc_id for d in qa.documents()}


def test_a_disclosure_in_two_files_is_one_document(qa: Assistant, corpus_dir: Path) -> None:
    folder = corpus_dir / "34_jiangsu_zhengxie_bgt_2019_budget"
    report = qa.ingest([folder])
    docs = qa.documents()
    assert len(docs) == 1, report
    doc = docs[0]
    assert (doc.department, doc.year, doc.kind) == ("江苏省政协办公厅", 2019, "budget")
    assert [Path(f.path).name for f in doc.source_files] == [
        "江苏省政协办公厅2019年度部门预算.pdf",
        "江苏省政协办公厅2019年预算公开表.pdf",
    ]
    assert {r.doc_id for r in report.files if r.status == "ingested"} == {doc.doc_id}
    # A cell of the tables file cites that file and its own page (the narrative file has 18 pages).
    answer = qa.ask("江苏省政协办公厅2019年一般公共预算支出中行政运行是多少？")
    table_cites = [c for c in answer.citations if c.kind == "table"]
    assert table_cites, answer.text
    assert all(c.source_file.endswith("预算公开表.pdf") and 1 <= c.page <= 12 for c in table_cites)
