"""build: read each file's text layer and metadata -> group the files of one disclosure -> tables,
narrative chunks and facts -> one atomic store write per disclosure.

A stored document is replaced only by a new version of the same file(s) (same path) or when the caller
says so (`replace=True`); two files that merely look alike (same department, year, kind and scope) are
both kept and the result says so. Nothing is ever lost silently.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import IngestError, ParseError
from assistant.settings import IngestSettings, Settings
from assistant.stores import Store
from assistant.types import DocumentBundle, DocumentRecord, FileResult, IngestReport, SourceFile
from ingest.chunk import build_narrative, chunk_narrative, extract_facts
from ingest.grouping import group_files
from ingest.metadata import Metadata, NotADisclosure, read_metadata
from ingest.model import ParsedDocument
from ingest.normalize import published_date
from ingest.ocr import OcrPage
from ingest.ocr_checks import flag_unconfirmed
from ingest.parse_office import OFFICE_SUFFIXES, office_format, parse_office
from ingest.parse_pdf import parse_pdf, read_pdf_text
from ingest.parse_text import EMPTY_FILE, parse_text_file, sniff_html
from ingest.tables import build_tables
from ingest.text_tables import build_flat_tables

SUPPORTED = {".pdf", ".txt", ".text", ".html", ".htm", *OFFICE_SUFFIXES}
# DocumentRecord.format names pdf/text/html only (assistant/types.py); a workbook or Word file is
# recorded as "text" until that field lists them. The parsed format stays xlsx/xls/docx in ingest.
Progress = Callable[[str, str], None]  # (path, stage)
MB = 1024 * 1024  # settings.ingest.max_file_mb counts in these


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[str], list[str]]:
    """Files as given; folders expand to the supported files inside them, sorted. Also returns the
    files a folder held that are not supported, so the report can say they were skipped."""
    out: list[str] = []
    skipped: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                if f.is_file() and not f.name.startswith("."):
                    (out if f.suffix.lower() in SUPPORTED else skipped).append(str(f))
        else:
            out.append(str(p))
    return out, skipped


@dataclass
class Prepared:
    """One file read far enough to know what it is: its bytes' hash, its text layer and its metadata."""

    given: str  # the path as the caller gave it
    path: Path  # absolute
    sha256: str
    page_texts: list[str]
    meta: Metadata
    is_pdf: bool
    narrative_chars: int  # sentence text ("。"): a 说明 file has much, a 报表 file little
    ocr: dict[int, OcrPage] = field(default_factory=dict)  # a scan's pages read by OCR, for parse_pdf


def prepare(given: str, limits: IngestSettings | None = None, progress: Progress | None = None) -> Prepared:
    """Raises IngestError (in Chinese) for a missing, empty, too large, unreadable or non-disclosure
    file. `limits` (default: IngestSettings()) bounds the file size, checked before a byte is read,
    and a PDF's declared page count, checked before a page is read."""
    limits = limits or IngestSettings()
    path = Path(given).resolve()
    if not path.is_file():
        raise ParseError("文件不存在")
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        shown = f"{size / MB:,.1f} MB（{size:,} 字节）"
        raise ParseError(f"文件 {path.name} 有 {shown}，超过上限 {limits.max_file_mb:g} MB，未读取")
    data = path.read_bytes()
    if not data.strip():
        raise ParseError(EMPTY_FILE)
    is_pdf = data[:5] == b"%PDF-"
    html = not is_pdf and sniff_html(data)
    if path.suffix.lower() not in SUPPORTED and not is_pdf:
        kinds = "PDF、TXT、HTML、Excel（.xlsx/.xls）或 Word（.docx）"
        raise ParseError(f"不支持的文件类型 {path.suffix or '（无扩展名）'}：请用 {kinds}")
    ocr: dict[int, OcrPage] = {}
    if is_pdf:
        layer = read_pdf_text(path, limits.max_pages, _ocr_progress(given, progress))
        page_texts, ocr = layer.texts, layer.ocr
    elif office_format(path):
        page_texts = parse_office(path).page_texts
    else:
        page_texts = parse_text_file(path).page_texts
    try:
        meta = read_metadata(page_texts)
    except NotADisclosure as exc:
        if html and path.suffix.lower() == ".pdf":
            raise ParseError(f"这是网页（HTML），扩展名却是 .pdf；{exc}") from exc
        raise ParseError(str(exc)) from exc
    return Prepared(
        given=given,
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        page_texts=page_texts,
        meta=meta,
        is_pdf=is_pdf,
        narrative_chars=sum(t.count("。") for t in page_texts),
        ocr=ocr,
    )


def _ocr_progress(given: str, progress: Progress | None) -> Callable[[int, int], None] | None:
    """OCR takes seconds a page: report each page as stage "ocr i/n"."""
    return (lambda done, total: progress(given, f"ocr {done}/{total}")) if progress else None


def parse_one(p: Prepared) -> ParsedDocument:
    if p.is_pdf:
        return parse_pdf(p.path, p.page_texts, p.ocr)
    return parse_office(p.path) if office_format(p.path) else parse_text_file(p.path)


def build_bundle(group: list[Prepared], doc_id: str, settings: Settings) -> DocumentBundle:
    """Everything stored for one disclosure (one or several files)."""
    first = group[0]
    parsed_files = [parse_one(p) for p in group]
    meta = _merged_meta(group)
    if meta.year is None:
        raise ParseError("文件没有写明年度（只有表格、没有说明的文件，请和它的说明文件一起导入）")
    parsed, source_files = _concatenate(parsed_files, group)
    tables, cells = build_tables(parsed.grids, doc_id)
    cells = flag_unconfirmed(tables, cells, set(parsed.ocr_pages), parsed.ocr_doubts)
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
        source_file=str(first.path),
        source_files=source_files,
        title=meta.title,
        department=meta.department,
        region=meta.region,
        year=meta.year,
        kind=meta.kind,  # type: ignore[arg-type]
        scope=meta.scope,  # type: ignore[arg-type]
        scope_label=meta.scope_label,
        published=published_date(parsed.first_text),
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


def _merged_meta(group: list[Prepared]) -> Metadata:
    """The 说明 file's metadata (it has the title), with the year from whichever file states it."""
    best = max(group, key=lambda p: (p.meta.year is not None, p.narrative_chars))
    year = best.meta.year or next((p.meta.year for p in group if p.meta.year), None)
    scope = best.meta.scope or next((p.meta.scope for p in group if p.meta.scope), None)
    if (year, scope) == (best.meta.year, best.meta.scope):
        return best.meta
    return Metadata(**{**best.meta.__dict__, "year": year, "scope": scope})


def _concatenate(
    parsed: list[ParsedDocument], group: list[Prepared]
) -> tuple[ParsedDocument, tuple[SourceFile, ...]]:
    """Several files as one document: pages numbered on, each file remembering its first page."""
    if len(parsed) == 1:
        p = parsed[0]
        source = SourceFile(
            path=str(group[0].path), sha256=group[0].sha256, pages=p.page_count, ocr_pages=tuple(p.ocr_pages)
        )
        return p, (source,)
    pages, grids, flat, files = [], [], [], []
    ocr_pages: list[int] = []
    ocr_doubts: list[tuple[int, str]] = []
    offset = 0
    for doc, prep in zip(parsed, group, strict=True):
        files.append(
            SourceFile(
                path=str(prep.path),
                sha256=prep.sha256,
                first_page=offset + 1,
                pages=doc.page_count,
                ocr_pages=tuple(doc.ocr_pages),
            )
        )
        pages += [pg.__class__(page=(pg.page or 1) + offset, text=pg.text) for pg in doc.pages]
        grids += [g.__class__(**{**g.__dict__, "page": (g.page or 1) + offset}) for g in doc.grids]
        ocr_pages += [n + offset for n in doc.ocr_pages]
        ocr_doubts += [(n + offset, text) for n, text in doc.ocr_doubts]
        flat += doc.flat_tables
        offset += doc.page_count or 1
    head = parsed[0]
    merged = ParsedDocument(
        path=head.path,
        format=head.format,
        pages=pages,
        grids=grids,
        page_count=offset,
        first_text="\n".join(d.first_text for d in parsed),
        flat_tables=flat,
        all_text="\n".join(d.all_text for d in parsed),
        page_texts=[t for d in parsed for t in d.page_texts],
        ocr_pages=ocr_pages,
        ocr_doubts=ocr_doubts,
    )
    return merged, tuple(files)


def _failed(given: str, exc: Exception, started: float, doc_id: str | None = None) -> FileResult:
    message = str(exc) if isinstance(exc, IngestError) else f"读取失败（{type(exc).__name__}: {exc}）"
    return FileResult(
        path=given, doc_id=doc_id, status="failed", message=message, seconds=time.perf_counter() - started
    )


def _doc_id(group: list[Prepared]) -> str:
    hashes = sorted(p.sha256 for p in group)
    return hashes[0] if len(hashes) == 1 else hashlib.sha256("".join(hashes).encode()).hexdigest()


def _bundle_or_error(group: list[Prepared], settings: Settings) -> DocumentBundle | Exception:
    """Worker entry point: a bundle, or the exception (returned, so one bad file stops nothing)."""
    try:
        return build_bundle(group, _doc_id(group), settings)
    except Exception as exc:
        return exc


def write_group(
    store: Store,
    group: list[Prepared],
    bundle: DocumentBundle | Exception,
    started: float,
    replace: bool = False,
) -> list[FileResult]:
    """Store one disclosure's bundle (built in this process or a worker); never raises for a bad file."""
    names = [p.given for p in group]
    doc_id = _doc_id(group)
    try:
        if isinstance(bundle, Exception):
            raise bundle
        same_files = store.same_files(bundle.document)
        alike = store.look_alike(bundle.document)
        replaces = same_files + [a for a in alike if replace and a not in same_files]
        store.write(bundle, replaces=[d.doc_id for d in replaces])
    except Exception as exc:  # boundary: one bad file must not stop the others
        return [_failed(n, exc, started, doc_id) for n in names]
    d = bundle.document
    summary = (
        f"{d.department} {d.year}年{'决算' if d.kind == 'final_accounts' else '预算'}："
        f"{d.tables} 张表，{d.cells} 个单元格，{len(bundle.chunks)} 段文字，{len(bundle.facts)} 个数字"
    )
    if len(group) > 1:
        summary += f"（{len(group)} 个文件合为一份公开）"
    kept = [a for a in alike if a not in replaces]
    if replaces:
        summary += "；替换了 " + "、".join(Path(r.source_file).name for r in replaces)
    if kept:
        summary += "；注意：库中已有看起来相同的公开（部门、年度、类型相同），两份都保留：" + "、".join(
            Path(a.source_file).name for a in kept
        )
    status = "replaced" if replaces else "ingested"
    seconds = time.perf_counter() - started
    return [FileResult(path=n, doc_id=doc_id, status=status, message=summary, seconds=seconds) for n in names]


def _unchanged(group: list[Prepared], started: float) -> list[FileResult]:
    return [
        FileResult(
            path=p.given,
            doc_id=_doc_id(group),
            status="unchanged",
            message="已在库中，未改变",
            seconds=time.perf_counter() - started,
        )
        for p in group
    ]


def _bundles(
    groups: list[list[Prepared]], settings: Settings, progress: Progress | None
) -> Iterator[tuple[list[Prepared], DocumentBundle | Exception, float]]:
    """Bundles in input order; parsed by a pool of processes when there is enough work for one."""
    workers = min(settings.ingest.workers, os.cpu_count() or 1, len(groups))
    if workers <= 1:
        for g in groups:
            started = time.perf_counter()
            if progress:
                progress(g[0].given, "parse")
            yield g, _bundle_or_error(g, settings), started
        return
    done = 0
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            started = time.perf_counter()
            futures = [pool.submit(_bundle_or_error, g, settings) for g in groups]
            for g, fut in zip(groups, futures, strict=True):
                if progress:
                    progress(g[0].given, "parse")
                bundle = fut.result()
                done += 1
                yield g, bundle, started
                started = time.perf_counter()
    except BrokenProcessPool:
        # A worker could not start (a caller's script without `if __name__ == "__main__":` under spawn,
        # or a killed process): parse what is left here, one by one.
        for g in groups[done:]:
            started = time.perf_counter()
            yield g, _bundle_or_error(g, settings), started


def build(
    paths: Iterable[str | Path],
    store: Store,
    settings: Settings,
    progress: Progress | None = None,
    replace: bool = False,
    as_one: bool = False,
) -> IngestReport:
    """Ingest every path (folders expanded); one FileResult per file, in order.

    Files of one folder that are parts of one disclosure (a 说明 file and a 报表 file of the same
    department and year) become one document; `as_one` makes all the given files one disclosure."""
    files, skipped = expand_paths(paths)
    results: dict[str, list[FileResult]] = {}
    prepared: list[Prepared] = []
    for given in files:
        started = time.perf_counter()
        try:
            prepared.append(prepare(given, settings.ingest, progress))
        except Exception as exc:
            results[given] = [_failed(given, exc, started)]
    todo: list[list[Prepared]] = []
    for group in group_files(prepared, as_one=as_one):
        if store.document(_doc_id(group)) is not None:
            for r in _unchanged(group, time.perf_counter()):
                results.setdefault(r.path, []).append(r)
        else:
            todo.append(group)
    for group, bundle, started in _bundles(todo, settings, progress):
        if progress:
            progress(group[0].given, "index")
        for r in write_group(store, group, bundle, started, replace=replace):
            results.setdefault(r.path, []).append(r)
    out = [r for f in files for r in results.get(f, [])]
    out += [
        FileResult(
            path=s, status="skipped", message=f"不支持的文件类型 {Path(s).suffix or '（无扩展名）'}，已跳过"
        )
        for s in skipped
    ]
    return IngestReport(files=tuple(out))
