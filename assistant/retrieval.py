"""Hybrid narrative retrieval: BM25 over jieba tokens + dense vectors from chromadb, fused by rank."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
import jieba

from assistant.settings import RetrievalSettings
from assistant.stores import Store, index_text
from assistant.types import Chunk

jieba.setLogLevel("WARNING")  # its dictionary loading lines would reach every command's stderr

STOPWORDS = frozenset(
    [
        "的",
        "了",
        "是",
        "吗",
        "呢",
        "吧",
        "啊",
        "么",
        "和",
        "与",
        "及",
        "或",
        "在",
        "中",
        "里",
        "为",
        "于",
        "对",
        "把",
        "被",
        "其",
        "该",
        "这",
        "那",
        "哪",
        "哪些",
        "哪个",
        "什么",
        "怎么",
        "怎样",
        "如何",
        "为什么",
        "多少",
        "几",
        "几个",
        "多",
        "少",
        "是否",
        "有",
        "有没有",
        "没有",
        "分别",
        "一共",
        "共",
        "请问",
        "请",
        "问",
        "年",
        "年度",
        "本",
        "上",
        "下",
        "个",
        "项",
        "元",
        "万元",
        "部门",
        "单位",
        "预算",
        "决算",
        "情况",
        "说明",
        "是什么",
        "主要",
        "呢",
        "吗",
        "？",
        "?",
        "，",
        ",",
        "。",
        "、",
        "：",
        ":",
        "（",
        "）",
        "(",
        ")",
        "“",
        "”",
        '"',
        "'",
        "《",
        "》",
    ]
)
_JIEBA_LOCK = threading.Lock()


def tokenize(text: str) -> list[str]:
    """jieba search-mode tokens, lower-cased, without stopwords, punctuation or bare numbers."""
    with _JIEBA_LOCK:  # jieba's lazy initialisation is not thread-safe
        words = jieba.lcut_for_search(text)
    return [
        w.lower() for w in words if w.strip() and w not in STOPWORDS and not re.fullmatch(r"[\W\d_.]+", w)
    ]


def warm_up() -> None:
    tokenize("预算")


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    score: float  # fused reciprocal-rank score
    bm25: float


class _DocIndex:
    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self.bm25 = bm25s.BM25()
        tokens = [tokenize(index_text(c)) or ["_"] for c in chunks]
        self.bm25.index(tokens, show_progress=False)


class Retriever:
    """Per-document BM25 indexes (built lazily, cached) + the store's dense index."""

    def __init__(self, store: Store, settings: RetrievalSettings, cache_size: int = 256) -> None:
        self.store = store
        self.settings = settings
        self._cache: OrderedDict[tuple[str, str], _DocIndex] = OrderedDict()
        self._size = cache_size
        self._lock = threading.Lock()

    def _index(self, doc_id: str) -> _DocIndex | None:
        key = (doc_id, self.store.revision)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        chunks = self.store.chunks([doc_id])
        if not chunks:
            return None
        index = _DocIndex(chunks)
        with self._lock:
            self._cache[key] = index
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return index

    def bm25(self, query: str, doc_ids: Sequence[str], k: int) -> list[tuple[Chunk, float]]:
        q = tokenize(query)
        if not q:
            return []
        out: list[tuple[Chunk, float]] = []
        for doc_id in doc_ids:
            index = self._index(doc_id)
            if index is None:
                continue
            n = min(k, len(index.chunks))
            ids, scores = index.bm25.retrieve([q], k=n, show_progress=False)
            out.extend(
                (index.chunks[int(i)], float(s)) for i, s in zip(ids[0], scores[0], strict=True) if s > 0
            )
        return sorted(out, key=lambda x: -x[1])[:k]

    def search(self, query: str, doc_ids: Sequence[str], k: int | None = None) -> list[Hit]:
        """Top chunks by reciprocal-rank fusion of BM25 and dense ranks, within doc_ids."""
        k = k or self.settings.top_k
        pool = max(k * 4, 20)
        lexical = self.bm25(query, doc_ids, pool)
        fused: dict[str, float] = {}
        chunks: dict[str, Chunk] = {}
        bm25_scores: dict[str, float] = {}
        for rank, (chunk, score) in enumerate(lexical):
            fused[chunk.chunk_id] = 1 / (self.settings.rrf_k + rank + 1)
            chunks[chunk.chunk_id] = chunk
            bm25_scores[chunk.chunk_id] = score
        if self.settings.dense and doc_ids:
            dense = self.store.dense_search(query, pool, doc_ids)
            missing = [cid for cid, _ in dense if cid not in chunks]
            if missing:
                by_id = {c.chunk_id: c for c in self.store.chunks(list(doc_ids))}
                chunks.update({cid: by_id[cid] for cid in missing if cid in by_id})
            for rank, (cid, _dist) in enumerate(dense):
                if cid in chunks:
                    fused[cid] = fused.get(cid, 0.0) + 1 / (self.settings.rrf_k + rank + 1)
        ranked = sorted(fused.items(), key=lambda x: -x[1])[:k]
        return [Hit(chunk=chunks[cid], score=s, bm25=bm25_scores.get(cid, 0.0)) for cid, s in ranked]
