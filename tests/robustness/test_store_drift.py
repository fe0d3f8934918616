"""SQLite and the vector index kept in agreement: a deleted chroma folder is rebuilt from the stored
passages when the store is opened; vectors of no stored document are reported and removed only by an
explicit `budgetqa check --repair` (another process may be between its vectors and its rows)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from assistant import Assistant
from cli import app
from tests.conftest import make_settings


def _store_with_one(tmp_path: Path, corpus_dir: Path) -> Path:
    settings = make_settings(tmp_path / "store")
    qa = Assistant.open(settings=settings)
    assert qa.ingest([next(corpus_dir.glob("00_*/disclosure.txt"))]).files[0].status == "ingested"
    qa.close()
    return settings.paths.store


def test_a_deleted_vector_folder_is_rebuilt_on_open(tmp_path: Path, corpus_dir: Path) -> None:
    store = _store_with_one(tmp_path, corpus_dir)
    shutil.rmtree(store / "chroma")
    # a new process, as after a restart (chromadb keeps one client per path inside a process)
    env = {**os.environ, "BUDGETQA_EMBEDDING__MODEL": "hash"}
    run = subprocess.run(
        [sys.executable, "-m", "cli", "check", "--store", str(store)], capture_output=True, text=True, env=env
    )
    assert run.returncode == 0, run.stderr
    assert re.search(r"打开时补回向量 [1-9]\d* 条", run.stdout) and "缺向量的段落 0 条" in run.stdout
    qa = Assistant.open(settings=make_settings(store))
    assert qa.store.check().missing == 0
    assert qa.retriever.search("机关运行经费", [qa.documents()[0].doc_id], k=3)  # retrieval works again
    qa.close()


def test_check_reports_and_repairs_orphan_vectors(tmp_path: Path, corpus_dir: Path, monkeypatch) -> None:
    store = _store_with_one(tmp_path, corpus_dir)
    qa = Assistant.open(settings=make_settings(store))
    doc_id = qa.documents()[0].doc_id
    qa.store._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))  # rows gone, vectors left
    qa.close()
    monkeypatch.setenv("BUDGETQA_EMBEDDING__MODEL", "hash")
    runner = CliRunner()
    found = runner.invoke(app, ["check", "--store", str(store)])
    assert found.exit_code == 1 and "无主向量" in found.output and "无主向量 0 条" not in found.output
    fixed = runner.invoke(app, ["check", "--store", str(store), "--repair"])
    assert fixed.exit_code == 0 and "已删除" in fixed.output
    assert runner.invoke(app, ["check", "--store", str(store)]).exit_code == 0
