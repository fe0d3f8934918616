"""What a user would build instead, scored on the same questions:
(a) plain LangChain RAG: recursive character chunks, the same embedding model, chromadb top-k, answer =
    the top passage; (b) BM25 (jieba) top passage. A number counts as right only if the gold number is
    printed in the passage returned; a phrase answer only if the passage holds the phrases; neither ever
    refuses."""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import bm25s
import chromadb
import pdfplumber
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.backends import build_embedder
from assistant.ports import Embedder
from assistant.retrieval import tokenize
from assistant.settings import EmbeddingSettings
from assistant.textnorm import UNIT_FACTORS
from eval.dataset import EvalCase
from eval.metrics import phrases_match
from eval.run import EvalReport, EvalResult


class _LangChainEmbeddings(Embeddings):
    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text)


def file_text(path: Path) -> str:
    """The text a plain pipeline gets: pdfplumber's page text, or the file decoded."""
    if path.suffix.lower() == ".pdf":
        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("gb18030", errors="replace")
    return re.sub(r"<[^>]+>", " ", text) if path.suffix.lower() in {".html", ".htm"} else text


def split_corpus(files: Sequence[Path], chunk_size: int = 500, overlap: int = 50) -> list[Document]:
    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size, chunk_overlap=overlap, separators=["\n\n", "\n", "。", "；", "，", ""]
    )
    docs = [Document(page_content=file_text(f), metadata={"source": f.name}) for f in files]
    return splitter.split_documents(docs)


def _number_forms(value: float, unit: str | None) -> set[str]:
    """How the gold number may be printed: 10.4 万元 -> 10.4, 10.40, 104000, 104,000 …"""
    forms: set[str] = set()
    values = [Decimal(str(value))]
    if unit in UNIT_FACTORS:
        values += [
            Decimal(str(value)) * UNIT_FACTORS[unit] / UNIT_FACTORS[u] for u in UNIT_FACTORS if u != unit
        ]
    for v in values:
        v = abs(v)
        for places in (0, 1, 2):
            q = v.quantize(Decimal(1).scaleb(-places))
            if q == v:
                forms |= {f"{q:f}", f"{q:,f}"}
    return {f for f in forms if f not in {"0", "0.0", "0.00"}} or {"0"}


def passage_correct(case: EvalCase, passage: str) -> bool:
    if case.type == "refusal":
        return False
    if case.type == "number":
        compact = passage.replace(" ", "")
        return (
            case.value is not None
            and any(
                re.search(rf"(?<![\d.,]){re.escape(f)}(?![\d])", compact)
                for f in _number_forms(case.value, case.unit)
            )
            and phrases_match(case, passage)
        )
    return phrases_match(case, passage)


def _score(name: str, cases: Sequence[EvalCase], answer_of) -> EvalReport:
    report = EvalReport()
    for case in cases:
        started = time.perf_counter()
        passage, source = answer_of(case.question)
        ok = passage_correct(case, passage)
        cited = bool(case.docs) and any(source.endswith(d) for d in case.docs)
        report.results.append(
            EvalResult(
                case,
                {"text": passage, "status": "answered", "source": source},
                ok,
                None if case.type == "refusal" else cited,
                "" if ok else f"{name}: gold not in top passage",
                time.perf_counter() - started,
            )
        )
    return report


def run_baselines(
    files: Sequence[Path], cases: Sequence[EvalCase], embedding: EmbeddingSettings | None = None
) -> dict[str, EvalReport]:
    """Both baselines over the same files and questions."""
    chunks = split_corpus(files)
    embedder = build_embedder(embedding or EmbeddingSettings())
    with tempfile.TemporaryDirectory() as tmp:
        client = chromadb.PersistentClient(path=tmp, settings=ChromaSettings(anonymized_telemetry=False))
        store = Chroma(
            collection_name="baseline", embedding_function=_LangChainEmbeddings(embedder), client=client
        )
        for i in range(0, len(chunks), 2000):
            store.add_documents(chunks[i : i + 2000])

        def rag(question: str) -> tuple[str, str]:
            top = store.similarity_search(question, k=4)
            return (top[0].page_content, top[0].metadata["source"]) if top else ("", "")

        rag_report = _score("langchain-rag", cases, rag)
    bm25 = bm25s.BM25()
    bm25.index([tokenize(c.page_content) or ["_"] for c in chunks], show_progress=False)

    def lexical(question: str) -> tuple[str, str]:
        ids, _ = bm25.retrieve([tokenize(question) or ["_"]], k=1, show_progress=False)
        chunk = chunks[int(ids[0][0])]
        return chunk.page_content, chunk.metadata["source"]

    return {"langchain-rag": rag_report, "bm25": _score("bm25", cases, lexical)}
