"""The `budgetqa` command line on real corpus files (issue 10): resolving --doc like a question, blank
questions, read-only commands on a missing store, quiet stderr, the docs listing, rm, rich markup in paths."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from assistant import Assistant
from assistant.errors import AssistantError, ConfigError
from cli import app
from tests.conftest import make_settings

ENV = {"BUDGETQA_EMBEDDING__MODEL": "hash", "BUDGETQA_INGEST__WORKERS": "1"}
SFJ = "11_sh_putuo_sfj_2026_dept_budget/sh_putuo_sfj_2026_dept_budget.pdf"  # 司法局, with findings
CQ = "20_cq_jtw_2018_budget/text.txt"  # 重庆市交通委员会, audits clean
CHANGJI = "00_changji_swgxj_2020_budget/disclosure.txt"
WANLI = ["04_sh_putuo_wanli_2023_budget", "05_sh_putuo_wanli_2024_budget"]  # differ only by year
WANLI_NAME = "上海市普陀区人民政府万里街道办事处"


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=ENV)


def ingest(store: Path, *paths: Path) -> None:
    result = run("ingest", *map(str, paths), "--store", str(store))
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Path:
    """司法局 2026, 交通委 2018 and 万里街道 2023 + 2024, ingested through the CLI."""
    folder = tmp_path_factory.mktemp("cli") / "store"
    pdfs = [next((corpus_dir / w).glob("*.pdf")) for w in WANLI]
    ingest(folder, corpus_dir / SFJ, corpus_dir / CQ, *pdfs)
    return folder


# ----- 1. audit --doc resolves department words as answering does --------------------------------------
@pytest.mark.parametrize(
    ("words", "code", "expected"),
    [
        ("司法局", 0, "上海市普陀区司法局 2026年预算"),  # the README's example
        ("普陀司法局", 0, "上海市普陀区司法局 2026年预算"),  # not a substring of the stored name
        ("上海司法局", 0, "上海市普陀区司法局 2026年预算"),
        ("万里街道2023年", 0, f"{WANLI_NAME} 2023年预算"),
        ("交通委", 0, "未发现问题"),  # a clean audit says so
        ("统计局", 1, "没有找到“统计局”"),
        ("万里街道2019年", 1, "没有找到“万里街道2019年”"),
    ],
)
def test_audit_doc_resolves_department_words(store: Path, words: str, code: int, expected: str) -> None:
    result = run("audit", "--store", str(store), "--doc", words)
    assert result.exit_code == code, result.output
    assert expected in result.output


def test_audit_doc_lists_findings_and_json_has_one_document(store: Path) -> None:
    text = run("audit", "--store", str(store), "--doc", "普陀区司法局")
    assert "处不一致" in text.output and "[percent]" in text.output
    result = CliRunner().invoke(
        app, ["audit", "--store", str(store), "--doc", "普陀司法局", "--json"], env=ENV
    )
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert [d["department"] for d in payload] == ["上海市普陀区司法局"] and payload[0]["findings"]
    nothing = run("audit", "--store", str(store), "--doc", "统计局", "--json")
    assert nothing.exit_code == 1 and nothing.stdout == ""


# ----- 2. a blank question ----------------------------------------------------------------------------
@pytest.mark.parametrize("question", ["", "   ", "\n"])
def test_blank_question_asks_for_one(store: Path, question: str) -> None:
    result = run("ask", question, "--store", str(store))
    assert result.exit_code == 2
    assert "请输入问题" in result.stderr and "没有找到可比较的数据" not in result.output


# ----- 3. only ingest creates a store -----------------------------------------------------------------
@pytest.mark.parametrize(
    "command",
    [
        ["docs"],
        ["docs", "--json"],
        ["ask", "三公经费是多少？"],
        ["audit"],
        ["audit", "--doc", "司法局"],
        ["rm", "x", "--yes"],
    ],
)
def test_read_commands_refuse_a_missing_store(tmp_path: Path, command: list[str]) -> None:
    missing = tmp_path / "typo"
    result = run(*command, "--store", str(missing))
    assert result.exit_code == 2, result.output
    assert f"找不到问答库：{missing}；请先用 budgetqa ingest 建库" in result.stderr
    assert not missing.exists()


def test_open_for_reading_refuses_a_folder_without_a_store(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for folder in (empty, tmp_path / "missing"):
        with pytest.raises(ConfigError, match="找不到问答库"):
            Assistant.open(settings=make_settings(folder), create=False)
    assert list(empty.iterdir()) == [] and not (tmp_path / "missing").exists()
    Assistant.open(settings=make_settings(empty)).close()  # the default still creates
    Assistant.open(settings=make_settings(empty), create=False).close()


# ----- 4. quiet stderr --------------------------------------------------------------------------------
def test_ask_prints_no_jieba_loading_lines(store: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cli", "ask", "为什么司法局的支出增加了？", "--store", str(store)],
        capture_output=True,
        text=True,
        env={**ENV, "PATH": "/usr/bin:/bin"},
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()
    assert "prefix dict" not in proc.stderr and "Loading model" not in proc.stderr, proc.stderr


# ----- 5. docs shows every document whole -------------------------------------------------------------
def _table_rows(output: str) -> list[list[str]]:
    """The body rows of a rich table drawn with show_lines: each cell's folded lines joined."""
    rows: list[list[str]] = []
    current: list[str] | None = None
    for line in output.splitlines():
        if line.startswith(("┡", "├", "└")):
            if current is not None:
                rows.append(current)
            current = None if line.startswith("└") else []
        elif line.startswith("│") and current is not None:
            parts = [p.strip() for p in line.strip("│").split("│")]
            current = [a + b for a, b in zip(current, parts, strict=True)] if current else parts
    return rows


def test_docs_shows_full_department_year_kind_scope_pages(store: Path) -> None:
    result = run("docs", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    header = next(line for line in result.output.splitlines() if "department" in line)
    names = [h.strip() for h in header.strip("┃").split("┃")]
    shown = sorted(
        tuple(row[names.index(n)] for n in ("id", "department", "year", "kind", "scope", "pages"))
        for row in _table_rows(result.output)
    )
    qa = Assistant.open(settings=make_settings(store), create=False)
    expected = sorted(
        (
            d.doc_id[:8],
            d.department,
            str(d.year),
            "决算" if d.kind == "final_accounts" else "预算",
            d.scope_label or "-",
            str(d.pages or "-"),
        )
        for d in qa.documents()
    )
    qa.close()
    assert shown == expected
    assert [r[1:3] for r in shown if r[1] == WANLI_NAME] == [(WANLI_NAME, "2023"), (WANLI_NAME, "2024")]


# ----- 6. rm ------------------------------------------------------------------------------------------
def _rows_of(store: Path, doc_id: str) -> int:
    db = sqlite3.connect(store / "budgetqa.sqlite")
    n = sum(
        db.execute(f"SELECT count(*) FROM {t} WHERE doc_id=?", (doc_id,)).fetchone()[0]
        for t in ("documents", "tables", "cells", "facts", "chunks")
    )
    db.close()
    return n


def test_rm_removes_rows_vectors_and_answers(tmp_path: Path, corpus_dir: Path) -> None:
    store = tmp_path / "store"
    ingest(store, corpus_dir / CHANGJI, corpus_dir / CQ)
    qa = Assistant.open(settings=make_settings(store), create=False)
    gone = next(d for d in qa.documents() if d.department == "昌吉市商务和工业信息化局")
    question = "昌吉市商务和工业信息化局2020年“三公”经费是多少？"
    assert gone.doc_id in qa.ask(question).doc_ids
    total, own = (
        qa.store._collection.count(),
        len(qa.store._collection.get(where={"doc_id": gone.doc_id})["ids"]),
    )
    assert own > 0 and _rows_of(store, gone.doc_id) > 1

    kept = run("rm", "昌吉市商务和工业信息化局", "--store", str(store))  # no stdin: not confirmed
    assert kept.exit_code != 0 and len(qa.documents()) == 2
    unknown = run("rm", "统计局", "--yes", "--store", str(store))
    assert unknown.exit_code == 1 and "没有找到" in unknown.output

    result = run("rm", "昌吉市商务和工业信息化局", "--yes", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert "已删除" in result.output and gone.doc_id[:8] in result.output
    listed = json.loads(run("docs", "--json", "--store", str(store)).stdout)
    assert [d["department"] for d in listed] == ["重庆市交通委员会"]
    assert _rows_of(store, gone.doc_id) == 0
    assert qa.store._collection.count() == total - own
    assert qa.store._collection.get(where={"doc_id": gone.doc_id})["ids"] == []
    answer = qa.ask(question)
    assert gone.doc_id not in answer.doc_ids and all(c.doc_id != gone.doc_id for c in answer.citations)
    qa.close()


def test_rm_refuses_an_assumed_year(store: Path) -> None:
    result = run("rm", "万里街道", "--yes", "--store", str(store))  # 2023 and 2024: which one?
    assert result.exit_code == 1 and "不止一份" in result.output
    assert f"{WANLI_NAME} 2023年预算" in result.output and f"{WANLI_NAME} 2024年预算" in result.output


def test_rm_takes_a_doc_id_prefix(tmp_path: Path, corpus_dir: Path) -> None:
    store = tmp_path / "store"
    ingest(store, corpus_dir / CQ)
    listed = json.loads(run("docs", "--json", "--store", str(store)).stdout)
    result = run("rm", listed[0]["doc_id"][:10], "--yes", "--store", str(store))
    assert result.exit_code == 0, result.output
    assert json.loads(run("docs", "--json", "--store", str(store)).stdout) == []


def test_api_remove(tmp_path: Path, corpus_dir: Path) -> None:
    qa = Assistant.open(settings=make_settings(tmp_path / "store"))
    doc_id = qa.ingest([corpus_dir / CHANGJI]).files[0].doc_id
    assert qa.cells([doc_id]) and qa.store._collection.count()
    assert qa.remove(doc_id).department == "昌吉市商务和工业信息化局"
    assert qa.documents() == [] and qa.cells([doc_id]) == [] and qa.store._collection.count() == 0
    with pytest.raises(AssistantError):
        qa.remove(doc_id)
    qa.close()


# ----- 7. rich markup in paths ------------------------------------------------------------------------
def test_markup_in_paths_does_not_crash(tmp_path: Path, corpus_dir: Path) -> None:
    folder = tmp_path / "a[" / "y]"  # the path reads …/a[/y]/…
    folder.mkdir(parents=True)
    shutil.copy(corpus_dir / CQ, folder / "[red]cq.txt")
    store = folder / "store"
    assert "a[/y]" in str(store)
    ingest(store, folder)
    for args in (
        ["docs"],
        ["audit"],
        ["audit", "--doc", "交通委"],
        ["ask", "重庆市交通委员会2018年“三公”经费是多少？"],
    ):
        result = run(*args, "--store", str(store))
        assert result.exit_code == 0, (args, result.output, result.exception)
    assert [row[-1] for row in _table_rows(run("docs", "--store", str(store)).output)] == ["[red]cq.txt"]
    missing = run("docs", "--store", str(folder / "missing"))
    assert missing.exit_code == 2 and f"{folder}/missing" in missing.stderr
