"""Every corpus document against values read off its rendered pages (tests/golden/corpus)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.textnorm import label_key
from tests.gold import Miss, load_gold, match_cell, title_matches

GOLD = load_gold()
IDS = [g["folder"] for g in GOLD]

# Cells a parser cannot place from the document alone, as (folder, column): none at present. (Flattened
# text loses blank cells; the 三公 row "10.40 10.40 10.40" of 00 is placed only because its narrative
# states 公务用车购置 0万元.)
KNOWN_GAPS: set[tuple[str, str]] = set()

# Gold tables and cells of the newer corpus documents that the parser does not get right yet, each
# with its reason (tests/golden/known_misses.json). The tests fail on any other miss, and on a listed
# miss that now parses (remove it from the list): the list only shrinks.
KNOWN_MISSES: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent / "golden" / "known_misses.json").read_text(encoding="utf-8")
)


def gold_key(g: dict) -> str:
    return f"{g['table']}|{g.get('row')}|{g.get('code')}|{'/'.join(g['column'])}|{g['value']}"


def _doc(qa: Assistant, gold: dict):
    matches = [d for d in qa.documents() if any(Path(f.path).name == gold["file"] for f in d.source_files)]
    assert len(matches) == 1, gold["file"]
    return matches[0]


@pytest.mark.parametrize("gold", GOLD, ids=IDS)
def test_metadata(corpus_qa: Assistant, gold: dict) -> None:
    doc = _doc(corpus_qa, gold)
    assert (doc.department, doc.year, doc.kind) == (gold["department"], gold["year"], gold["kind"])
    if gold.get("scope"):
        assert doc.scope == gold["scope"]
    assert doc.model_dump(mode="json")["doc_id"] == doc.doc_id


@pytest.mark.parametrize("gold", GOLD, ids=IDS)
def test_tables_found_with_units_and_pages(corpus_qa: Assistant, gold: dict) -> None:
    doc = _doc(corpus_qa, gold)
    tables = corpus_qa.tables(doc.doc_id)
    known = KNOWN_MISSES.get(gold["folder"], {})
    problems, missed = [], set()
    for want in gold["tables"]:
        key = f"table:{want['title']}"
        found = [t for t in tables if title_matches(want["title"], t.title)]
        why = ""
        if not found:
            why = f"not found among {[t.title for t in tables]}"
        elif found[0].unit != want["unit"] or found[0].empty != want["empty"]:
            why = f"unit/empty {found[0].unit}/{found[0].empty}"
        elif want.get("page") is not None and doc.locate(found[0].page_start)[1] != want["page"]:
            why = f"page {found[0].page_start}"
        if why:
            missed.add(key)
            if key not in known:
                problems.append(f"{key}: {why}")
    fixed = {k for k in known if k.startswith("table:")} - missed
    assert not problems, "\n".join(problems)
    assert not fixed, f"now parsed, remove from known_misses.json: {sorted(fixed)}"


@pytest.mark.parametrize("gold", GOLD, ids=IDS)
def test_cells_match_the_page(corpus_qa: Assistant, gold: dict) -> None:
    doc = _doc(corpus_qa, gold)
    tables = corpus_qa.tables(doc.doc_id)
    cells = corpus_qa.cells([doc.doc_id])
    misses, gaps_hit, missed = [], set(), set()
    known = KNOWN_MISSES.get(gold["folder"], {})
    for g in gold["cells"]:
        ok, candidates = match_cell(g, tables, cells, doc)
        gap = (gold["folder"], label_key(g["column"][-1]))
        if gap in KNOWN_GAPS:
            gaps_hit.add(gap)
            assert not ok, f"known gap {gap} now parses: remove it from KNOWN_GAPS"
            continue
        if not ok:
            missed.add(gold_key(g))
            if gold_key(g) not in known:
                misses.append(str(Miss(g, candidates)))
    assert not misses, "\n".join(misses)
    fixed = {k for k in known if not k.startswith("table:")} - missed
    assert not fixed, f"now parsed, remove from known_misses.json: {sorted(fixed)}"
    assert gaps_hit == {k for k in KNOWN_GAPS if k[0] == gold["folder"]}


def test_every_cell_carries_provenance_and_unit(corpus_qa: Assistant) -> None:
    for doc in corpus_qa.documents():
        for cell in corpus_qa.cells([doc.doc_id]):
            assert cell.provenance.doc_id == doc.doc_id
            if doc.format == "pdf":
                assert cell.provenance.page is not None and 1 <= cell.provenance.page <= (doc.pages or 0)
            table = next(t for t in corpus_qa.tables(doc.doc_id) if t.table_id == cell.table_id)
            column_unit = next(
                (u for u in ("亿元", "万元", "千元", "元") if f"({u})" in label_key(cell.col_label)), None
            )
            assert cell.unit == (column_unit or table.unit), (cell.cell_id, cell.unit, table.unit)
