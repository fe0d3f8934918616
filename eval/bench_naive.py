"""The pipeline a user would assemble instead, for the side-by-side benchmark: page text per PDF page
(pypdfium2, as LangChain's PyPDFium2Loader does), LangChain's RecursiveCharacterTextSplitter, the same
embedding model BudgetQA uses, chromadb through langchain-chroma, top-k similarity search.

It has no language model, so it cannot answer. What it can be scored on honestly is retrieval: whether
the gold answer is in the k chunks it would hand to an LLM (`retrieval_hit`). That is an upper bound on
what an LLM on top could get right, not an answer accuracy.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_text_splitters import RecursiveCharacterTextSplitter

from assistant.ports import Embedder
from eval.dataset import EvalCase

LOADABLE = {".pdf", ".txt", ".text", ".html", ".htm"}
ADD_BATCH = 2000  # below chromadb's largest batch


class ProjectEmbeddings(Embeddings):
    """BudgetQA's embedder behind LangChain's Embeddings interface: the same model on both sides."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)


def load(path: Path) -> list[Document]:
    """One Document per PDF page (text layer only), or the whole text file; nothing else is read."""
    if path.suffix.lower() == ".pdf":
        try:
            pdf = pypdfium2.PdfDocument(str(path))
        except pypdfium2.PdfiumError:
            return []  # an HTML page or a broken file saved as .pdf: a loader raises, a user skips it
        try:
            return [
                Document(
                    page_content=page.get_textpage().get_text_range(),
                    metadata={"source": str(path), "page": i},
                )
                for i, page in enumerate(pdf)
            ]
        finally:
            pdf.close()
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("gb18030", errors="replace")
    return [Document(page_content=text, metadata={"source": str(path), "page": 0})]


@dataclass
class NaiveIngest:
    files: int = 0
    pages: int = 0
    chunks: int = 0
    seconds: dict[str, float] = field(default_factory=lambda: {"load": 0.0, "split": 0.0, "embed_write": 0.0})

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


class NaivePipeline:
    """Load -> split -> embed -> chromadb; `search` returns the top-k chunk texts."""

    def __init__(self, folder: Path, embedder: Embedder, chunk_size: int = 500, overlap: int = 50) -> None:
        self.splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap)
        self.db = Chroma(
            collection_name="naive",
            embedding_function=ProjectEmbeddings(embedder),
            persist_directory=str(folder),
            client_settings=ChromaSettings(anonymized_telemetry=False, is_persistent=True),
            collection_metadata={"hnsw:space": "cosine"},
        )

    def ingest(self, paths: Sequence[Path]) -> NaiveIngest:
        out = NaiveIngest()
        for path in paths:
            if path.suffix.lower() not in LOADABLE:
                continue
            t0 = time.perf_counter()
            pages = load(path)
            t1 = time.perf_counter()
            chunks = self.splitter.split_documents(pages)
            t2 = time.perf_counter()
            for i in range(0, len(chunks), ADD_BATCH):
                self.db.add_documents(chunks[i : i + ADD_BATCH])
            t3 = time.perf_counter()
            out.files += 1
            out.pages += len(pages)
            out.chunks += len(chunks)
            for key, seconds in (("load", t1 - t0), ("split", t2 - t1), ("embed_write", t3 - t2)):
                out.seconds[key] += seconds
        return out

    def search(self, question: str, k: int) -> list[str]:
        return [d.page_content for d in self.db.similarity_search(question, k=k)]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def gold_strings(case: EvalCase) -> list[str] | None:
    """How the gold number may be printed: in its unit, or converted between 万元 and 元; with or
    without thousands separators. None for cases this metric cannot judge: refusals, and numbers 0
    or below 10 (they occur in almost any chunk by chance)."""
    if case.type != "number" or case.value is None or abs(case.value) < 10:
        return None
    values = [abs(case.value)]
    if case.unit == "万元":
        values.append(abs(case.value) * 10000)
    elif case.unit == "元":
        values.append(abs(case.value) / 10000)
    out: set[str] = set()
    for v in values:
        out |= {f"{v:.2f}", f"{v:,.2f}"}
        if float(v).is_integer():
            out |= {f"{int(v)}", f"{int(v):,}"}
        out |= {s.rstrip("0").rstrip(".") for s in list(out) if "." in s}
    return sorted(out)


def retrieval_hit(case: EvalCase, chunks: Sequence[str]) -> bool | None:
    """Is the gold answer in the retrieved chunks? Numbers: any printing of the value. Text answers:
    every required phrase (and one of the alternatives, if any). None when it cannot be judged."""
    text = _squash("".join(chunks))
    if case.type == "number":
        golds = gold_strings(case)
        if golds is None:
            return None
        # A whole number, not a piece of a longer one ("10.40" is not found inside "110.405").
        return any(re.search(rf"(?<![\d.,]){re.escape(g)}(?![\d]|[.,]\d)", text) for g in golds)
    if case.type in {"text", "list"} and (case.expect_all or case.expect_any):
        has_all = all(_squash(p) in text for p in case.expect_all)
        has_any = not case.expect_any or any(_squash(p) in text for p in case.expect_any)
        return has_all and has_any
    return None
