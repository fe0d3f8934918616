"""Which files are one disclosure: a 说明 file and a 报表 file of the same department and year.

Two files of one folder are parts of one disclosure when they name the same department and kind, their
years and scopes do not contradict, and they are complementary: one of them states no year (a tables
file), or one is the narrative and the other the tables (sentences in one, almost none in the other).
Anything else stays a document of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.pipeline import Prepared

# A file with fewer sentences than this per page is a tables file (报表), more is a 说明 file.
TABLES_FILE_SENTENCES_PER_PAGE = 0.5


def _is_tables_file(p: Prepared) -> bool:
    return p.narrative_chars < TABLES_FILE_SENTENCES_PER_PAGE * max(1, len(p.page_texts))


def _compatible(a: Prepared, b: Prepared) -> bool:
    ma, mb = a.meta, b.meta
    if a.path.parent != b.path.parent or (ma.department, ma.kind) != (mb.department, mb.kind):
        return False
    if ma.year and mb.year and ma.year != mb.year:
        return False
    if ma.scope and mb.scope and ma.scope != mb.scope:
        return False
    return ma.year is None or mb.year is None or _is_tables_file(a) != _is_tables_file(b)


def group_files(prepared: list[Prepared], as_one: bool = False) -> list[list[Prepared]]:
    """Groups in input order; the 说明 file first in each, so document pages start with the narrative."""
    if as_one:
        return [sorted(prepared, key=_is_tables_file)] if prepared else []
    groups: list[list[Prepared]] = []
    for p in prepared:
        home = next(
            (g for g in groups if len(g) == 1 and _compatible(g[0], p)),
            None,
        )
        if home is None:
            groups.append([p])
        else:
            home.append(p)
            home.sort(key=_is_tables_file)
    return groups
