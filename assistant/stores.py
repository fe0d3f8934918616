"""The store: one folder with a SQLite database (documents, tables, cells, facts, chunks) and chromadb.

Schema lives here and only here. Writes of one document are atomic: vectors are added first under the
new doc_id, then one SQLite transaction swaps the rows, then stale vectors are removed. A crash in
between leaves orphan vectors that no SQLite row points at; they are never returned (results are joined
with SQLite) and `budgetqa check --repair` removes them. Passages without a vector (a crash, a deleted
chroma folder) are re-embedded from their stored text when the store is opened.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import chromadb
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from assistant.errors import ConfigError, IndexMismatchError
from assistant.ports import Embedder
from assistant.settings import Settings
from assistant.types import (
    Chunk,
    DocumentBundle,
    DocumentRecord,
    Fact,
    Provenance,
    SourceFile,
    TableCell,
    TableRecord,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
  doc_id TEXT PRIMARY KEY, source_file TEXT NOT NULL, title TEXT NOT NULL, department TEXT NOT NULL,
  region TEXT, year INTEGER NOT NULL, kind TEXT NOT NULL, scope TEXT, published TEXT, pages INTEGER,
  format TEXT NOT NULL, text TEXT NOT NULL DEFAULT '', ingested_at TEXT DEFAULT CURRENT_TIMESTAMP,
  scope_label TEXT, source_files TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE IF NOT EXISTS tables (
  table_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, title TEXT NOT NULL, table_type TEXT NOT NULL, unit TEXT,
  page_start INTEGER, page_end INTEGER, empty INTEGER NOT NULL, note TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS cells (
  cell_id TEXT PRIMARY KEY, table_id TEXT NOT NULL REFERENCES tables(table_id) ON DELETE CASCADE,
  doc_id TEXT NOT NULL, row INTEGER NOT NULL, col INTEGER NOT NULL, row_label TEXT NOT NULL,
  code TEXT, code_kind TEXT, col_label TEXT NOT NULL, side TEXT NOT NULL, raw TEXT NOT NULL,
  value TEXT, unit TEXT, page INTEGER, section_path TEXT NOT NULL DEFAULT '',
  low_confidence INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS cells_doc ON cells(doc_id);
CREATE INDEX IF NOT EXISTS cells_code ON cells(code);
CREATE TABLE IF NOT EXISTS facts (
  fact_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
  subject TEXT NOT NULL, value TEXT NOT NULL, unit TEXT NOT NULL, raw TEXT NOT NULL, sentence TEXT NOT NULL,
  page INTEGER, section_path TEXT NOT NULL, char_start INTEGER, char_end INTEGER
);
CREATE INDEX IF NOT EXISTS facts_doc ON facts(doc_id);
CREATE TABLE IF NOT EXISTS chunks (
  chunk_id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL, text TEXT NOT NULL, page INTEGER, section_path TEXT NOT NULL,
  char_start INTEGER, char_end INTEGER
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
"""

CHROMA_MAX_BATCH = 5000
DOC_CACHE_SIZE = 256  # (kind, doc_id) entries kept in memory


@dataclass(frozen=True)
class Drift:
    """What `Store.check` found: passages without a vector, vectors of no stored document."""

    missing: int
    orphans: int
    repaired: bool


class Store:
    """SQLite table store + chroma chunk index in one folder."""

    def __init__(self, root: Path, settings: Settings, embedder: Embedder, create: bool = True) -> None:
        """Open the store in `root`. With `create=False` (reading) a folder that holds no store is a
        ConfigError rather than a new empty store: a mistyped path must not look like an empty library."""
        self.root = root
        self.settings = settings
        self.embedder = embedder
        self._path = root / "budgetqa.sqlite"
        if not create and not self._path.is_file():
            raise ConfigError(f"找不到问答库：{root}；请先用 budgetqa ingest 建库")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create store folder {root}: {exc}") from exc
        self._lock = threading.RLock()
        self._local = threading.local()
        self._doc_cache: OrderedDict[tuple[str, str], list[Any]] = OrderedDict()
        self._db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        self._add_missing_columns()
        self._check_fingerprint()
        if not (root / "chroma").exists():
            # The folder was deleted under a running process: chromadb keeps one System per path and
            # would hand back the stale one (“Missing metadata segment”). Open clients keep their own.
            SharedSystemClient.clear_system_cache()
        self._chroma = chromadb.PersistentClient(
            path=str(root / "chroma"), settings=ChromaSettings(anonymized_telemetry=False)
        )
        # Embeddings are always passed in, so chroma's own (downloading) default function is never used.
        self._collection = self._chroma.get_or_create_collection(
            f"chunks_{settings.index_fingerprint()}",
            embedding_function=None,
            metadata={"hnsw:space": "cosine"},
        )
        self.drift = self.check(repair=True, orphans=False)  # vectors lost (a deleted chroma folder) return
        self.revision = self._revision()

    # ----- lifecycle -------------------------------------------------------------------------------
    def _check_fingerprint(self) -> None:
        fingerprint = self.settings.index_fingerprint()
        row = self._db.execute("SELECT value FROM meta WHERE key='fingerprint'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('fingerprint', ?)", (fingerprint,))
            self._db.execute("INSERT INTO meta VALUES ('embedding', ?)", (self.settings.embedding.model,))
        elif row["value"] != fingerprint:
            built = self._db.execute("SELECT value FROM meta WHERE key='embedding'").fetchone()
            raise IndexMismatchError(
                f"store {self.root} was built with embedding {built['value'] if built else '?'} and other "
                f"chunking/parser settings (fingerprint {row['value']}, now {fingerprint}); "
                "re-ingest into a new store or use the settings it was built with"
            )

    def _add_missing_columns(self) -> None:
        """A store made before cells had low_confidence (OCR) gets the column, every cell confirmed."""
        names = {r["name"] for r in self._db.execute("PRAGMA table_info(cells)")}
        if "low_confidence" not in names:
            self._db.execute("ALTER TABLE cells ADD COLUMN low_confidence INTEGER NOT NULL DEFAULT 0")

    def _revision(self) -> str:
        row = self._db.execute("SELECT count(*) AS n, max(ingested_at) AS t FROM documents").fetchone()
        return f"{row['n']}:{row['t']}:{self._db.execute('SELECT total_changes()').fetchone()[0]}"

    def check(self, repair: bool = False, orphans: bool = True) -> Drift:
        """SQLite and the vector index agree? Passages without a vector (a crash between the two, a
        deleted chroma folder) are re-embedded from their stored text when `repair`; vectors of no stored
        document are removed when `repair` and `orphans`. Opening the store repairs missing vectors only:
        another process may be between adding a document's vectors and committing its rows."""
        known = {r[0] for r in self._db.execute("SELECT doc_id FROM documents")}
        stored = self._collection.get(include=["metadatas"])
        have = set(stored["ids"])
        lost = [c for c in self._chunks(None) if c.chunk_id not in have]
        stray = [
            i
            for i, m in zip(stored["ids"], stored["metadatas"] or [], strict=False)
            if m and m.get("doc_id") not in known
        ]
        if repair and lost:
            vectors = self.embedder.embed_documents([index_text(c) for c in lost])
            with self._lock:
                self._add_vectors(lost, vectors)
        if repair and orphans and stray:
            with self._lock:
                self._collection.delete(ids=stray)
        return Drift(
            missing=len(lost), orphans=len(stray), repaired=repair and bool(lost or (orphans and stray))
        )

    def close(self) -> None:
        self._db.close()

    def _read(self) -> sqlite3.Connection:
        """A connection of this thread's own for reads: WAL lets readers run beside the writer, and a
        reader never sees another thread's uncommitted transaction."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self._path, isolation_level=None)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
        return conn

    # ----- reads -----------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        """All documents; cached per thread until any connection, in any process, commits a write
        (SQLite's data_version tells), since the answer path asks on every question."""
        key = self._read().execute("PRAGMA data_version").fetchone()[0]
        cached = getattr(self._local, "docs", None)
        if cached is not None and cached[0] == key:
            return list(cached[1])
        docs = self._documents()
        self._local.docs = (key, docs)
        return list(docs)

    def _documents(self) -> list[DocumentRecord]:
        rows = (
            self._read()
            .execute(
                """SELECT d.*, (SELECT count(*) FROM tables t WHERE t.doc_id=d.doc_id) AS n_tables,
                      (SELECT count(*) FROM cells c WHERE c.doc_id=d.doc_id) AS n_cells
               FROM documents d ORDER BY department, year, kind, d.rowid"""
            )
            .fetchall()
        )
        return [_document(r) for r in rows]

    def document(self, doc_id: str) -> DocumentRecord | None:
        return next((d for d in self.documents() if d.doc_id == doc_id), None)

    def same_files(self, record: DocumentRecord) -> list[DocumentRecord]:
        """Stored documents ingested from one of the same files (paths): a new version of them."""
        paths = {f.path for f in record.source_files} | {record.source_file}
        return [
            d
            for d in self.documents()
            if d.doc_id != record.doc_id and paths & ({f.path for f in d.source_files} | {d.source_file})
        ]

    def look_alike(self, record: DocumentRecord) -> list[DocumentRecord]:
        """Stored documents with the same department, year, kind and scope: maybe the same disclosure."""
        return [
            d
            for d in self.documents()
            if d.doc_id != record.doc_id
            and (d.department, d.year, d.kind, d.scope)
            == (record.department, record.year, record.kind, record.scope)
        ]

    def _per_doc(self, kind: str, doc_id: str, load: Callable[[], list[Any]]) -> list[Any]:
        """Rows of one document never change (a new version is a new doc_id): cache them, LRU."""
        key = (kind, doc_id)
        with self._lock:
            if key in self._doc_cache:
                self._doc_cache.move_to_end(key)
                return self._doc_cache[key]
        rows = load()
        with self._lock:
            self._doc_cache[key] = rows
            while len(self._doc_cache) > DOC_CACHE_SIZE:
                self._doc_cache.popitem(last=False)
        return rows

    def tables(self, doc_id: str) -> list[TableRecord]:
        return self._per_doc("tables", doc_id, lambda: self._tables(doc_id))

    def _tables(self, doc_id: str) -> list[TableRecord]:
        rows = self._read().execute("SELECT * FROM tables WHERE doc_id=? ORDER BY seq", (doc_id,)).fetchall()
        return [_table(r) for r in rows]

    def cells(self, doc_ids: Sequence[str] | None = None, table_id: str | None = None) -> list[TableCell]:
        if doc_ids is not None and len(doc_ids) == 1 and table_id is None:
            doc_id = doc_ids[0]
            return self._per_doc("cells", doc_id, lambda: self._cells([doc_id], None))
        return self._cells(doc_ids, table_id)

    def _cells(self, doc_ids: Sequence[str] | None, table_id: str | None) -> list[TableCell]:
        sql, args = "SELECT * FROM cells WHERE 1=1", []
        if doc_ids is not None:
            sql += f" AND doc_id IN ({','.join('?' * len(doc_ids))})"
            args += list(doc_ids)
        if table_id is not None:
            sql += " AND table_id=?"
            args.append(table_id)
        rows = self._read().execute(sql + " ORDER BY table_id, row, col", args).fetchall()
        return [_cell(r) for r in rows]

    def facts(self, doc_ids: Sequence[str] | None = None) -> list[Fact]:
        if doc_ids is not None and len(doc_ids) == 1:
            doc_id = doc_ids[0]
            return self._per_doc("facts", doc_id, lambda: self._facts([doc_id]))
        return self._facts(doc_ids)

    def _facts(self, doc_ids: Sequence[str] | None) -> list[Fact]:
        sql, args = "SELECT * FROM facts", []
        if doc_ids is not None:
            sql += f" WHERE doc_id IN ({','.join('?' * len(doc_ids))})"
            args = list(doc_ids)
        return [_fact(r) for r in self._read().execute(sql + " ORDER BY fact_id", args).fetchall()]

    def chunks(self, doc_ids: Sequence[str] | None = None) -> list[Chunk]:
        if doc_ids is not None and len(doc_ids) == 1:
            doc_id = doc_ids[0]
            return self._per_doc("chunks", doc_id, lambda: self._chunks([doc_id]))
        return self._chunks(doc_ids)

    def _chunks(self, doc_ids: Sequence[str] | None) -> list[Chunk]:
        sql, args = "SELECT * FROM chunks", []
        if doc_ids is not None:
            sql += f" WHERE doc_id IN ({','.join('?' * len(doc_ids))})"
            args = list(doc_ids)
        return [_chunk(r) for r in self._read().execute(sql + " ORDER BY doc_id, seq", args).fetchall()]

    def document_text(self, doc_id: str) -> str:
        row = self._read().execute("SELECT text FROM documents WHERE doc_id=?", (doc_id,)).fetchone()
        return row[0] if row else ""

    def dense_search(
        self, query: str, k: int, doc_ids: Sequence[str] | None = None
    ) -> list[tuple[str, float]]:
        """(chunk_id, distance) nearest to the query, limited to doc_ids when given."""
        if self._collection.count() == 0:
            return []
        where: Any = {"doc_id": {"$in": list(doc_ids)}} if doc_ids else None
        result = self._collection.query(
            query_embeddings=[self.embedder.embed_query(query)], n_results=k, where=where
        )
        return list(zip(result["ids"][0], result["distances"][0], strict=True))

    # ----- writes ----------------------------------------------------------------------------------
    def write(self, bundle: DocumentBundle, replaces: Iterable[str] = ()) -> None:
        """Store one document whole, replacing `replaces`; all or nothing."""
        doc = bundle.document
        replaces = [r for r in replaces if r != doc.doc_id]
        # Embedding takes seconds for a long document: done before the lock, so questions asked meanwhile
        # (which take the lock for the row cache) are not held up by it.
        texts = [index_text(c) for c in bundle.chunks]
        vectors = self.embedder.embed_documents(texts) if texts else []
        with self._lock:
            self._add_vectors(bundle.chunks, vectors)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                for old in [*replaces, doc.doc_id]:
                    self._db.execute("DELETE FROM documents WHERE doc_id=?", (old,))
                self._insert(bundle)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._collection.delete(where={"doc_id": doc.doc_id})
                raise
            for old in replaces:
                self._collection.delete(where={"doc_id": old})
            self.revision = self._revision()

    def delete(self, doc_id: str) -> None:
        """Remove one document: its rows (tables, cells, facts and chunks cascade) and its vectors.
        Rows go first, so a crash in between leaves only orphan vectors (removed by check --repair)."""
        with self._lock:
            self._db.execute("DELETE FROM documents WHERE doc_id=?", (doc_id,))
            self._collection.delete(where={"doc_id": doc_id})
            for key in [k for k in self._doc_cache if k[1] == doc_id]:
                del self._doc_cache[key]
            self.revision = self._revision()

    def _add_vectors(self, chunks: Sequence[Chunk], vectors: list[list[float]]) -> None:
        for i in range(0, len(chunks), CHROMA_MAX_BATCH):
            part = chunks[i : i + CHROMA_MAX_BATCH]
            self._collection.upsert(
                ids=[c.chunk_id for c in part],
                embeddings=vectors[i : i + CHROMA_MAX_BATCH],  # type: ignore[arg-type]
                documents=[c.text for c in part],
                metadatas=[
                    {
                        "doc_id": c.provenance.doc_id,
                        "page": c.provenance.page or 0,
                        "section": c.provenance.section_path,
                    }
                    for c in part
                ],
            )

    def _insert(self, b: DocumentBundle) -> None:
        d = b.document
        self._db.execute(
            "INSERT INTO documents (doc_id, source_file, title, department, region, year, kind, scope, "
            "published, pages, format, text, scope_label, source_files) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                d.doc_id,
                d.source_file,
                d.title,
                d.department,
                d.region,
                d.year,
                d.kind,
                d.scope,
                d.published,
                d.pages,
                d.format,
                b.text,
                d.scope_label,
                json.dumps([f.model_dump() for f in d.source_files], ensure_ascii=False),
            ),
        )
        self._db.executemany(
            "INSERT INTO tables VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    t.table_id,
                    t.doc_id,
                    t.seq,
                    t.title,
                    t.table_type,
                    t.unit,
                    t.page_start,
                    t.page_end,
                    int(t.empty),
                    t.note,
                )
                for t in b.tables
            ],
        )
        self._db.executemany(
            "INSERT INTO cells VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    c.cell_id,
                    c.table_id,
                    c.provenance.doc_id,
                    c.row,
                    c.col,
                    c.row_label,
                    c.code,
                    c.code_kind,
                    c.col_label,
                    c.side,
                    c.raw,
                    None if c.value is None else str(c.value),
                    c.unit,
                    c.provenance.page,
                    c.provenance.section_path,
                    int(c.low_confidence),
                )
                for c in b.cells
            ],
        )
        self._db.executemany(
            "INSERT INTO facts VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [
                (
                    f.fact_id,
                    f.provenance.doc_id,
                    f.subject,
                    str(f.value),
                    f.unit,
                    f.raw,
                    f.sentence,
                    f.provenance.page,
                    f.provenance.section_path,
                    f.provenance.char_start,
                    f.provenance.char_end,
                )
                for f in b.facts
            ],
        )
        self._db.executemany(
            "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
            [
                (
                    c.chunk_id,
                    c.provenance.doc_id,
                    n,
                    c.text,
                    c.provenance.page,
                    c.provenance.section_path,
                    c.provenance.char_start,
                    c.provenance.char_end,
                )
                for n, c in enumerate(b.chunks)
            ],
        )


def index_text(chunk: Chunk) -> str:
    """What retrieval indexes for a chunk: its section headings, then its text."""
    path = chunk.provenance.section_path
    return (
        f"{path}\n{chunk.text}" if path and not chunk.text.startswith(path.split(" > ")[-1]) else chunk.text
    )


def _document(r: sqlite3.Row) -> DocumentRecord:
    return DocumentRecord(
        doc_id=r["doc_id"],
        source_file=r["source_file"],
        source_files=tuple(SourceFile(**f) for f in json.loads(r["source_files"] or "[]")),
        scope_label=r["scope_label"],
        title=r["title"],
        department=r["department"],
        region=r["region"],
        year=r["year"],
        kind=r["kind"],
        scope=r["scope"],
        published=r["published"],
        pages=r["pages"],
        tables=r["n_tables"],
        cells=r["n_cells"],
        format=r["format"],
    )


def _table(r: sqlite3.Row) -> TableRecord:
    return TableRecord(
        table_id=r["table_id"],
        doc_id=r["doc_id"],
        seq=r["seq"],
        title=r["title"],
        table_type=r["table_type"],
        unit=r["unit"],
        page_start=r["page_start"],
        page_end=r["page_end"],
        empty=bool(r["empty"]),
        note=r["note"],
    )


def _cell(r: sqlite3.Row) -> TableCell:
    return TableCell(
        cell_id=r["cell_id"],
        table_id=r["table_id"],
        row=r["row"],
        col=r["col"],
        row_label=r["row_label"],
        code=r["code"],
        code_kind=r["code_kind"],
        col_label=r["col_label"],
        side=r["side"],
        raw=r["raw"],
        value=None if r["value"] is None else Decimal(r["value"]),
        unit=r["unit"],
        provenance=_provenance(r),
        low_confidence=bool(r["low_confidence"]),
    )


def _provenance(r: sqlite3.Row) -> Provenance:
    keys = r.keys()
    return Provenance(
        doc_id=r["doc_id"],
        page=r["page"],
        section_path=r["section_path"],
        char_start=r["char_start"] if "char_start" in keys else None,
        char_end=r["char_end"] if "char_end" in keys else None,
    )


def _fact(r: sqlite3.Row) -> Fact:
    return Fact(
        fact_id=r["fact_id"],
        subject=r["subject"],
        value=Decimal(r["value"]),
        unit=r["unit"],
        raw=r["raw"],
        sentence=r["sentence"],
        provenance=_provenance(r),
    )


def _chunk(r: sqlite3.Row) -> Chunk:
    return Chunk(chunk_id=r["chunk_id"], text=r["text"], provenance=_provenance(r))
