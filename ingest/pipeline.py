"""build: parse -> metadata -> tables -> narrative chunks and facts -> one atomic store write per file."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from assistant.errors import IngestError, ParseError
from assistant.settings import Settings
from assistant.stores import Store
from assistant.types import DocumentBundle, DocumentRecord, FileResult, IngestReport
from ingest.chunk import build_narrative, chunk_narrative, extract_facts
from ingest.model import ParsedDocument
from ingest.normalize import extract_metadata
from ingest.parse_pdf import parse_pdf
from ingest.parse_text import parse_text_file
from ingest.tables import build_tables
from ingest.text_tables import build_flat_tables

SUPPORTED = {".pdf", ".txt", ".text", ".html", ".htm"}
Progress = Callable[[str, str], None]  # (path, stage)


def expand_paths(paths: Iterable[str | Path]) -> list[str]:
    """Files as given; folders expand to the supported files inside them, sorted."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            out.extend(
                str(f) for f in sorted(path.rglob("*")) if f.is_file() and f.suffix.lower() in SUPPORTED
            )
        else:
            out.append(str(p))
    return out


def parse_file(path: Path) -> ParsedDocument:
    """Dispatch on content, not only on the name: a PDF is a PDF whatever it is called."""
    if not path.is_file():
        raise ParseError("file not found")
    with path.open("rb") as fh:
        magic = fh.read(5)
    if magic == b"%PDF-" or path.suffix.lower() == ".pdf":
        return parse_pdf(path)
    if path.suffix.lower() not in SUPPORTED:
        raise ParseError(f"unsupported file type {path.suffix or '(none)'}: use PDF, TXT or HTML")
    return parse_text_file(path)


def build_bundle(
    path: Path, source_file: str, doc_id: str, settings: Settings, progress: Progress | None = None
) -> DocumentBundle:
    """Everything stored for one file; raises IngestError when it is not a readable disclosure."""

    def stage(name: str) -> None:
        if progress:
            progress(source_file, name)

    stage("parse")
    parsed = parse_file(path)
    meta = extract_metadata(parsed)
    if meta is None:
        raise ParseError("not a budget disclosure: no department/year/预算 or 决算 title found")
    stage("tables")
    tables, cells = build_tables(parsed.grids, doc_id)
    stage("narrative")
    narrative = build_narrative(parsed.pages)
    chunks = chunk_narrative(narrative, doc_id, settings.chunking)
    facts = extract_facts(narrative, doc_id)
    # Flattened text tables lost their blank cells; the narrative's own figures help place values.
    flat_tables, flat_cells = build_flat_tables(
        parsed.flat_tables, doc_id, start_seq=len(tables), facts=facts
    )
    all_tables = (*tables, *flat_tables)
    all_cells = (*cells, *flat_cells)
    record = DocumentRecord(
        doc_id=doc_id,
        source_file=source_file,
        title=meta.title,
        department=meta.department,
        region=meta.region,
        year=meta.year,
        kind=meta.kind,
        scope=meta.scope,
        published=meta.published,  # type: ignore[arg-type]
        pages=parsed.page_count,
        tables=len(all_tables),
        cells=len(all_cells),
        format=parsed.format,  # type: ignore[arg-type]
    )
    return DocumentBundle(
        document=record,
        text=narrative.text,
        tables=all_tables,
        cells=all_cells,
        facts=tuple(facts),
        chunks=tuple(chunks),
    )


def ingest_file(
    store: Store, source_file: str, settings: Settings, progress: Progress | None = None
) -> FileResult:
    """Ingest one file; never raises for a bad file (the result says why)."""
    started = time.perf_counter()
    path = Path(source_file)
    doc_id = None
    try:
        if not path.is_file():
            raise ParseError("file not found")
        data = path.read_bytes()
        if not data.strip():
            raise ParseError("empty file")
        doc_id = hashlib.sha256(data).hexdigest()
        if store.document(doc_id) is not None:
            return FileResult(
                path=source_file,
                doc_id=doc_id,
                status="unchanged",
                message="already in the store",
                seconds=time.perf_counter() - started,
            )
        bundle = build_bundle(path, source_file, doc_id, settings, progress)
        replaces = store.find_replaced(source_file, bundle.document)
        if progress:
            progress(source_file, "index")
        store.write(bundle, replaces=replaces)
    except IngestError as exc:
        return FileResult(
            path=source_file,
            doc_id=doc_id,
            status="failed",
            message=str(exc),
            seconds=time.perf_counter() - started,
        )
    except Exception as exc:  # boundary: one bad file must not stop the others
        return FileResult(
            path=source_file,
            doc_id=doc_id,
            status="failed",
            message=f"could not be read ({type(exc).__name__}: {exc})",
            seconds=time.perf_counter() - started,
        )
    d = bundle.document
    summary = (
        f"{d.department} {d.year} {'决算' if d.kind == 'final_accounts' else '预算'}: "
        f"{d.tables} tables, {d.cells} cells, {len(bundle.chunks)} passages, {len(bundle.facts)} figures"
    )
    return FileResult(
        path=source_file,
        doc_id=doc_id,
        status="replaced" if replaces else "ingested",
        message=summary,
        seconds=time.perf_counter() - started,
    )


def build(
    paths: Iterable[str | Path], store: Store, settings: Settings, progress: Progress | None = None
) -> IngestReport:
    """Ingest every path (folders expanded); one FileResult per file, in order."""
    return IngestReport(files=tuple(ingest_file(store, p, settings, progress) for p in expand_paths(paths)))
