"""Write tests/golden/known_misses.json: the gold tables and cells a store does not match yet, each with
what the store holds instead. Run it after a parser change on a store holding every gold document
(`python -m tests.known_misses STORE`), read each reason, and commit only misses that are parse gaps
to be fixed (never a gold value changed to fit the parser)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant import Assistant
from tests.gold import GOLD_DIR, Miss, load_gold, match_cell, title_matches
from tests.test_corpus_tables import gold_key


def main(store: str) -> None:
    qa = Assistant.open(store)
    out: dict[str, dict[str, str]] = {}
    for gold in load_gold():
        docs = [d for d in qa.documents() if any(Path(f.path).name == gold["file"] for f in d.source_files)]
        if len(docs) != 1:
            continue
        doc = docs[0]
        tables, cells = qa.tables(doc.doc_id), qa.cells([doc.doc_id])
        misses: dict[str, str] = {}
        for want in gold["tables"]:
            found = [t for t in tables if title_matches(want["title"], t.title)]
            if not found:
                misses[f"table:{want['title']}"] = "title not recognised"
            elif found[0].unit != want["unit"] or found[0].empty != want["empty"]:
                misses[f"table:{want['title']}"] = f"unit/empty read as {found[0].unit}/{found[0].empty}"
            elif want.get("page") is not None and doc.locate(found[0].page_start)[1] != want["page"]:
                misses[f"table:{want['title']}"] = f"starts on page {found[0].page_start}"
        for g in gold["cells"]:
            ok, candidates = match_cell(g, tables, cells, doc)
            if not ok:
                misses[gold_key(g)] = str(Miss(g, candidates)).split(" -> ", 1)[-1][:200]
        if misses:
            out[gold["folder"]] = misses
    path = GOLD_DIR.parent / "known_misses.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print({k: len(v) for k, v in out.items()})


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else str(Path("data/eval-store")))
