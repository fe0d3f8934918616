"""Shared fixtures: settings pointing at tmp_path, a store built from the real corpus (hash embedder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.settings import EmbeddingSettings, PathSettings
from tests.gold import CORPUS, corpus_files, load_gold

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"


def make_settings(store: Path, model: str = "hash") -> Settings:
    return Settings(paths=PathSettings(store=store), embedding=EmbeddingSettings(model=model))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "store")


@pytest.fixture
def qa(settings: Settings) -> Assistant:
    assistant = Assistant.open(settings=settings)
    yield assistant
    assistant.close()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not found (set BUDGETQA_CORPUS)")
    return CORPUS


@pytest.fixture(scope="session")
def corpus_qa(tmp_path_factory: pytest.TempPathFactory, corpus_dir: Path) -> Assistant:
    """The whole corpus folder ingested once into a real SQLite + chromadb store, embedded with the
    shipped model (USE multilingual, numpy only): the store users get, every document a distractor
    for the others."""
    store = tmp_path_factory.mktemp("corpus") / "store"
    assistant = Assistant.open(settings=make_settings(store, model="use-multilingual-v3"))
    report = assistant.ingest([corpus_dir])
    gold_files = {f.name for g in load_gold() for f in corpus_files(g)}
    failed = [f for f in report.files if f.status == "failed" and Path(f.path).name in gold_files]
    assert not failed, failed
    yield assistant
    assistant.close()
