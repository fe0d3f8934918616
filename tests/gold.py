"""Matching hand-verified gold cells (tests/golden/corpus/*.json) against stored TableCells."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from assistant.textnorm import label_key, squash
from assistant.types import DocumentRecord, TableCell, TableRecord

GOLD_DIR = Path(__file__).parent / "golden" / "corpus"


def find_corpus() -> Path | None:
    """The shared corpus: $BUDGETQA_CORPUS, ../shared/corpus beside the project, or /work/shared/corpus."""
    root = Path(__file__).resolve().parents[1]
    candidates = [os.environ.get("BUDGETQA_CORPUS"), root.parent / "shared" / "corpus", "/work/shared/corpus"]
    return next((Path(c) for c in candidates if c and Path(c).is_dir()), None)


CORPUS = find_corpus() or Path("shared-corpus-not-found")


def load_gold() -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(GOLD_DIR.glob("*.json"))]


def corpus_files(gold: dict) -> list[Path]:
    """The disclosure's files: one, or several when it was published as 说明 + 报表 ("files")."""
    folder = CORPUS / gold["folder"]
    if gold.get("files"):
        return [folder / f for f in gold["files"]]
    if gold.get("file"):
        return [folder / gold["file"]]
    return [next(p for p in sorted(folder.iterdir()) if p.suffix in {".pdf", ".txt", ".html"})]


def title_matches(gold_title: str, title: str) -> bool:
    return label_key(gold_title).replace("“", "").replace("”", "") in label_key(title).replace(
        "“", ""
    ).replace("”", "")


@dataclass
class Miss:
    gold: dict
    candidates: list[TableCell]

    def __str__(self) -> str:
        g = self.gold
        near = "; ".join(
            f"[{c.row_label}|{c.code}|{c.col_label}={c.raw} {c.unit} p{c.provenance.page}]"
            for c in self.candidates[:4]
        )
        where = f"{g['table']} / {g.get('row')} / {g.get('code')} / {g['column']}"
        return f"{where} = {g['value']} {g['unit']} p{g.get('page')} -> {near or 'no candidate'}"


def match_cell(
    gold: dict, tables: Sequence[TableRecord], cells: Sequence[TableCell], doc: DocumentRecord | None = None
) -> tuple[bool, list[TableCell]]:
    """True when a stored cell has the gold row, code, column, value, unit and page."""
    table_ids = {t.table_id for t in tables if title_matches(gold["table"], t.title)}
    in_table = [c for c in cells if c.table_id in table_ids]
    row = label_key(gold.get("row") or "")
    cols = [label_key(c) for c in gold["column"]]
    candidates = [
        c
        for c in in_table
        if (not gold.get("code") or c.code == gold["code"])
        and (label_key(c.row_label) == row or (gold.get("code") and not row))
        and all(k in label_key(c.col_label) or k == label_key(c.side) or k in label_key(c.side) for k in cols)
    ]
    want = Decimal(squash(gold["value"]).replace(",", ""))
    ok = [
        c
        for c in candidates
        if c.value == want
        and c.unit == gold["unit"]
        and (gold.get("page") is None or _file_page(c, doc) == gold["page"])
    ]
    if ok:
        return True, ok
    if not candidates:  # for the failure message: same row in that table
        candidates = [
            c
            for c in in_table
            if label_key(c.row_label) == row or (gold.get("code") and c.code == gold["code"])
        ]
    return False, candidates


def _file_page(cell: TableCell, doc: DocumentRecord | None) -> int | None:
    """The page inside the cell's own file (gold pages are read off that file)."""
    return doc.locate(cell.provenance.page)[1] if doc else cell.provenance.page
