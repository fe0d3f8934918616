"""An OCR page as the structures a text page gives: text lines (pdfplumber's `extract_text_lines` shape)
and table Grids, so titles, 单位 lines, headers and continuation pages are handled by the same code."""

from __future__ import annotations

import dataclasses
import itertools
import re
from functools import cache
from typing import Any

from assistant.textnorm import find_unit, squash
from ingest.metadata import lexicon
from ingest.model import Grid
from ingest.ocr import OcrPage
from ingest.ocr_rulings import Table, Word

DOUBT_SCORE = 0.9  # a figure recognised below this score is doubtful unless arithmetic confirms it
SAME_LINE = 0.5  # words whose vertical centres differ by less than this share of their height: one line
WORD_GAP = 0.6  # a horizontal gap wider than this share of the text height is printed as a space


def text_lines(page: OcrPage) -> list[dict[str, Any]]:
    """The words outside tables as text lines: {"text", "x0", "x1", "top", "bottom"} in points."""
    return [
        {
            "text": join_line(line),
            "x0": min(w.x0 for w in line),
            "x1": max(w.x1 for w in line),
            "top": min(w.top for w in line),
            "bottom": max(w.bottom for w in line),
        }
        for line in group_lines(page.words)
    ]


def group_lines(words: tuple[Word, ...] | list[Word]) -> list[list[Word]]:
    """Words into visual lines, top to bottom, each left to right."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top + w.bottom) / 2):
        centre, height = (w.top + w.bottom) / 2, w.bottom - w.top
        if lines:
            last = lines[-1]
            last_centre = sum((x.top + x.bottom) / 2 for x in last) / len(last)
            if abs(centre - last_centre) < SAME_LINE * max(height, last[0].bottom - last[0].top):
                last.append(w)
                continue
        lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def join_line(line: list[Word]) -> str:
    out = line[0].text
    for prev, w in itertools.pairwise(line):
        gap = w.x0 - prev.x1
        out += (" " if gap > WORD_GAP * (w.bottom - w.top) else "") + w.text
    return out


def cell_text(words: tuple[Word, ...]) -> str:
    """A cell's words; wrapped lines joined by newlines, as pdfplumber extracts a wrapped cell."""
    return "\n".join(join_line(line) for line in group_lines(words)) if words else ""


def table_grid(table: Table, page: int) -> Grid:
    """The table as a Grid: a merged cell's text repeated over its span, origin at its top-left."""
    n_rows, n_cols = len(table.ys) - 1, len(table.xs) - 1
    texts = [["" for _ in range(n_cols)] for _ in range(n_rows)]
    origin = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    for cell in table.cells:
        text = cell_text(cell.words)
        for r in range(cell.r0, cell.r1):
            for c in range(cell.c0, cell.c1):
                texts[r][c] = text
                origin[r][c] = (cell.r0, cell.c0)
    bounds = [(table.xs[c], table.xs[c + 1]) for c in range(n_cols)]
    return Grid(page=page, texts=texts, origin=origin, col_bounds=bounds)


def doubtful_texts(page: OcrPage) -> set[str]:
    """Cell texts holding a word recognised below DOUBT_SCORE."""
    return {
        cell_text(cell.words)
        for t in page.tables
        for cell in t.cells
        if any(w.score < DOUBT_SCORE for w in cell.words)
    }


@cache
def _labelled_line() -> re.Pattern[str]:
    # A misread first character ("顾算单位：" for 预算单位：) still leaves the label's end and its colon.
    return re.compile(rf"^.{{0,2}}(?:{'|'.join(map(re.escape, lexicon().labels))})[:：]")


def lift_context_rows(grid: Grid) -> Grid:
    """Rows at the top of a grid that only hold the 预算单位/编制部门 or 单位 line (a scan can show the
    ruling round them without the title) go to the lines above the grid, where a text page has them."""
    k = 0
    while k < grid.n_rows - 1:
        texts = [t for t in dict.fromkeys(squash(c) for c in grid.texts[k]) if t]
        if not texts or not all(find_unit(t) or _labelled_line().match(t) for t in texts):
            break
        k += 1
    if k == 0:
        return grid
    lifted = [" ".join(t for t in dict.fromkeys(grid.texts[r]) if t.strip()) for r in range(k)]
    return dataclasses.replace(
        grid,
        texts=grid.texts[k:],
        origin=[[(max(r - k, 0), c) for r, c in row] for row in grid.origin[k:]],
        above=[*grid.above, *lifted],
    )
