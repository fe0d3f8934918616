"""Questions are answered while another document is being embedded and written: the store's lock is
not held across embedding (it took 24.7 s for an ask during a large ingest before)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from assistant import Assistant
from assistant.backends import HashEmbedder
from tests.conftest import make_settings

EMBED_SECONDS = 4.0


class SlowEmbedder(HashEmbedder):
    """The real hash embedder, made as slow as a large document's embedding is."""

    def __init__(self) -> None:
        super().__init__()
        self.embedding = threading.Event()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.embedding.set()
        time.sleep(EMBED_SECONDS)
        return super().embed_documents(texts)


def test_an_ask_is_not_held_up_by_an_ingest_embedding(tmp_path: Path, corpus_dir: Path) -> None:
    settings = make_settings(tmp_path / "store")
    embedder = SlowEmbedder()
    qa = Assistant.open(settings=settings, embedder=embedder)
    first = next((corpus_dir).glob("00_*/disclosure.txt"))
    second = next((corpus_dir).glob("05_*/*.pdf"))
    assert qa.ingest([first]).files[0].status == "ingested"
    embedder.embedding.clear()
    before = qa.ask("昌吉市商务和工业信息化局2020年“三公”经费是多少？")
    writer = threading.Thread(target=qa.ingest, args=([second],))
    writer.start()
    assert embedder.embedding.wait(60)  # the writer is embedding the second document now
    started = time.perf_counter()
    during = qa.ask("昌吉市商务和工业信息化局2020年“三公”经费是多少？")
    took = time.perf_counter() - started
    still_writing = writer.is_alive()
    writer.join()
    assert during.value == before.value == 10.4  # gold 00: 三公 10.40万元
    assert still_writing and took < EMBED_SECONDS / 2, took
    assert len(qa.documents()) == 2
    qa.close()
