"""Ingest time split by stage, measured on the real pipeline run inline (one process), plus a
cProfile of the slowest stage.

The pool parses in other processes, where a clock in this one cannot reach; so the split is measured
with `workers=1` on a sample of files, and `eval/bench.py` reports it beside the pool's wall time. The
pipeline's own functions are wrapped for the run (and restored after), so what is timed is exactly what
`ingest.pipeline.build` does. Time is charged to the innermost running stage only. Stages:

- open_text: read the bytes, hash them, pypdfium2 text layer (`prepare` without its metadata step)
- metadata: department, year, kind from the text (`read_metadata`)
- parse_pages: pdfplumber text lines and ruled grids of every page (`parse_one`; text files: the reader)
- tables: grids and flattened text tables -> cells (`build_tables`, `build_flat_tables`)
- chunking: narrative sections and chunks (`build_narrative`, `chunk_narrative`)
- facts: every figure of the narrative (`extract_facts`)
- embedding: the embedding model over the chunks
- vector_write: chromadb upsert
- sqlite_write: the rest of `Store.write` (one SQLite transaction)
- other: grouping, look-alike checks, reports (wall time minus the stages)
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from assistant import Assistant
from assistant.settings import IngestSettings
from ingest import pipeline
from ingest.pipeline import parse_one, prepare

STAGES = (
    "open_text",
    "metadata",
    "parse_pages",
    "tables",
    "chunking",
    "facts",
    "embedding",
    "vector_write",
    "sqlite_write",
    "other",
)
# ingest.pipeline's globals that build() calls, and the stage each one is charged to.
PIPELINE_STEPS = {
    "prepare": "open_text",
    "read_metadata": "metadata",
    "parse_one": "parse_pages",
    "build_tables": "tables",
    "build_flat_tables": "tables",
    "build_narrative": "chunking",
    "chunk_narrative": "chunking",
    "extract_facts": "facts",
}


class Clock:
    """Exclusive seconds per stage: a nested stage pauses the one around it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._stack: list[str] = []
        self._since = 0.0

    def wrap(self, stage: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            self._switch(stage)
            try:
                return fn(*args, **kwargs)
            finally:
                self._switch(None)

        return timed

    def _switch(self, entering: str | None) -> None:
        now = time.perf_counter()
        if self._stack:
            self.seconds[self._stack[-1]] += now - self._since
        if entering is None:
            self._stack.pop()
        else:
            self._stack.append(entering)
        self._since = now


@contextmanager
def clocked(qa: Assistant, clock: Clock) -> Iterator[None]:
    """Wrap the pipeline's steps and the store's embedder, vector upsert and write for the duration."""
    store = qa.store
    with ExitStack() as stack:
        for name, stage in PIPELINE_STEPS.items():
            stack.enter_context(mock.patch.object(pipeline, name, clock.wrap(stage, getattr(pipeline, name))))
        embedder = store.embedder
        stack.enter_context(
            mock.patch.object(embedder, "embed_documents", clock.wrap("embedding", embedder.embed_documents))
        )
        # The one private attribute touched: the store's chroma collection, for its upserts.
        collection = store._collection
        stack.enter_context(
            mock.patch.object(collection, "upsert", clock.wrap("vector_write", collection.upsert))
        )
        stack.enter_context(mock.patch.object(store, "write", clock.wrap("sqlite_write", store.write)))
        yield


def staged_ingest(paths: Sequence[Path], qa: Assistant) -> dict[str, Any]:
    """Ingest `paths` into `qa`'s store inline (workers=1) with every stage on the clock."""
    inline = qa.settings.model_copy(update={"ingest": IngestSettings(workers=1)})
    qa.store.embedder.embed_query("预算")  # the model loads lazily: before the clock, not in "embedding"
    clock = Clock()
    started = time.perf_counter()
    with clocked(qa, clock):
        report = pipeline.build(paths, qa.store, inline)
    wall = time.perf_counter() - started
    clock.seconds["other"] = max(0.0, wall - sum(clock.seconds.values()))
    ids = {f.doc_id for f in report.files if f.status in {"ingested", "replaced"}}
    pages = sum(d.pages or 1 for d in qa.store.documents() if d.doc_id in ids)
    return {
        "files": len(paths),
        "documents": len(ids),
        "pages": pages,
        "seconds_total": round(wall, 2),
        "seconds": {s: round(clock.seconds.get(s, 0.0), 3) for s in STAGES},
        "share": {s: round(clock.seconds.get(s, 0.0) / max(wall, 1e-9), 3) for s in STAGES},
    }


def profile_parse(paths: Sequence[Path], qa: Assistant, top: int = 30) -> str:
    """cProfile of `parse_one` (the pdfplumber pass) over `paths`: the top functions by cumulative time."""
    prepared = [prepare(str(p), qa.settings.ingest) for p in paths]
    profiler = cProfile.Profile()
    profiler.enable()
    for p in prepared:
        parse_one(p)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()
