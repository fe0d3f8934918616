"""The public facade: Assistant.open(store) / .ingest / .documents / .tables / .cells (/ .ask)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from assistant.agent import Planner
from assistant.backends import build_embedder
from assistant.ports import Embedder
from assistant.retrieval import Retriever, warm_up
from assistant.settings import PathSettings, Settings
from assistant.stores import Store
from assistant.types import Answer, DocumentRecord, Fact, IngestReport, TableCell, TableRecord

# The facade composes both halves of the product: ingestion writes the store the assistant reads.
# This is the one sanctioned import of `ingest` from `assistant` (see [tool.importlinter] in pyproject).
from ingest.pipeline import Progress, build


class Assistant:
    """BudgetQA over one store folder. Thread-safe for concurrent readers; writes are serialised."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.retriever = Retriever(store, settings.retrieval)
        self.planner = Planner(store, self.retriever, settings)

    @classmethod
    def open(
        cls,
        store: str | Path | None = None,
        settings: Settings | None = None,
        embedder: Embedder | None = None,
    ) -> Assistant:
        """Open (creating if missing) the store folder; `store` overrides settings.paths.store."""
        settings = settings or Settings()
        if store is not None:
            settings = settings.model_copy(update={"paths": PathSettings(store=Path(store))})
        backend = embedder or build_embedder(settings.embedding)
        return cls(Store(settings.paths.store, settings, backend), settings)

    def ingest(self, paths: Iterable[str | Path], progress: Progress | None = None) -> IngestReport:
        """Ingest files or folders. Never raises for a bad file: each FileResult says what happened."""
        return build(paths, self.store, self.settings, progress)

    def documents(self) -> list[DocumentRecord]:
        return self.store.documents()

    def tables(self, doc_id: str) -> list[TableRecord]:
        return self.store.tables(doc_id)

    def cells(self, doc_ids: Sequence[str] | None = None, table_id: str | None = None) -> list[TableCell]:
        return self.store.cells(doc_ids, table_id)

    def facts(self, doc_ids: Sequence[str] | None = None) -> list[Fact]:
        return self.store.facts(doc_ids)

    def ask(
        self, question: str, history: Sequence[Answer] = (), doc_ids: Sequence[str] | None = None
    ) -> Answer:
        """Answer a question in Chinese with its number, formula and sources, or refuse.

        Args:
            question: the question as a person typed it.
            history: earlier answers of this conversation (for follow-ups like “那上年呢？”).
            doc_ids: restrict to these documents (None: the whole store).
        """
        return self.planner.answer(question.strip(), history, doc_ids)

    def warm_up(self) -> None:
        """Load the tokenizer and embedding model now rather than on the first question."""
        warm_up()
        self.store.embedder.embed_query("预算")

    def close(self) -> None:
        self.store.close()
