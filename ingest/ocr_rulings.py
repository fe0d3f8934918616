"""Ruled tables in a straightened page image: ruling lines by morphology, row and column boundaries
from the line segments, merged cells where a wall is missing, and each recognised word put into its cell.

Every budget table is ruled (STACK.md), so the lines, not the word positions, give the cells, as
pdfplumber's line-based table finding does on text PDFs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

Reread = Callable[[np.ndarray, tuple[int, int, int, int]], tuple[str, float]]

LINE_PX = 3  # boundaries closer than this many pixels (after clustering) are one line
TOUCH_PX = 6  # a vertical ruling ends within this many pixels of a horizontal one
OPEN_SIDE_PX = 25  # horizontal rulings reaching this far past the outer vertical one: an open side
WALL = 0.6  # share of a cell side that must be drawn for it to be a wall
MIN_TABLE_PX = (120, 40)  # smallest table (width, height) in pixels at 200 dpi


@dataclass(frozen=True)
class Word:
    """One recognised text box (a word or a whole line), axis-aligned, in PDF points."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    score: float


@dataclass(frozen=True)
class Cell:
    """A table cell found from the ruling lines: rows r0..r1-1 and columns c0..c1-1 of its table."""

    r0: int
    c0: int
    r1: int
    c1: int
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Table:
    """A ruled table in the image: its row and column boundaries (points) and its (merged) cells."""

    ys: tuple[float, ...]
    xs: tuple[float, ...]
    cells: tuple[Cell, ...]

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return self.xs[0], self.ys[0], self.xs[-1], self.ys[-1]


def find_tables(
    gray: np.ndarray, words: list[Word], scale: float, reread: Reread
) -> tuple[list[Table], list[Word]]:
    """The page's ruled tables with their words, and the words outside every table."""
    horizontal, vertical = _rulings(gray)
    tables: list[Table] = []
    taken: set[int] = set()
    for x0, y0, x1, y1 in _regions(horizontal, vertical):
        ys = _boundaries(horizontal[y0:y1, x0:x1], axis=0, origin=(x0, y0))
        xs = _boundaries(vertical[y0:y1, x0:x1], axis=1, origin=(x0, y0), ends=ys)
        xs = _open_sides(horizontal[y0:y1, x0:x1], xs, x0)
        if len(ys) < 2 or len(xs) < 3:
            continue
        groups = _merged_cells(horizontal, vertical, ys, xs)
        boxes = [(xs[c0], ys[r0], xs[c1], ys[r1]) for r0, c0, r1, c1 in groups]
        content: list[list[Word]] = [[] for _ in groups]
        for i, w in enumerate(words):
            px = (w.x0 * scale, w.top * scale, w.x1 * scale, w.bottom * scale)
            cx, cy = (px[0] + px[2]) / 2, (px[1] + px[3]) / 2
            if not (xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]):
                continue
            taken.add(i)
            for k, piece in _split(w, px, boxes, gray, scale, reread):
                content[k].append(piece)
        cells = tuple(
            Cell(r0, c0, r1, c1, tuple(ws)) for (r0, c0, r1, c1), ws in zip(groups, content, strict=True)
        )
        tables.append(Table(tuple(y / scale for y in ys), tuple(x / scale for x in xs), cells))
    outside = [w for i, w in enumerate(words) if i not in taken]
    return tables, outside


def _rulings(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of horizontal and vertical ruling lines (long thin runs of ink)."""
    ink = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)[1]
    h, w = gray.shape
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(40, w // 30)), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((max(30, h // 70), 1), np.uint8))
    # Noise and JPEG leave gaps in a line: close them along the line.
    horizontal = cv2.morphologyEx(horizontal, cv2.MORPH_CLOSE, np.ones((1, 9), np.uint8))
    vertical = cv2.morphologyEx(vertical, cv2.MORPH_CLOSE, np.ones((9, 1), np.uint8))
    return horizontal, vertical


def _regions(horizontal: np.ndarray, vertical: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Bounding boxes of connected line networks that have both kinds of line: the tables."""
    both = cv2.dilate(cv2.bitwise_or(horizontal, vertical), np.ones((5, 5), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(both, connectivity=8)
    out = []
    for i in range(1, n):
        x, y, w, h, _ = stats[i]
        if w < MIN_TABLE_PX[0] or h < MIN_TABLE_PX[1]:
            continue
        box = (max(int(x) - 2, 0), max(int(y) - 2, 0), int(x + w) + 2, int(y + h) + 2)
        if (
            horizontal[box[1] : box[3], box[0] : box[2]].any()
            and vertical[box[1] : box[3], box[0] : box[2]].any()
        ):
            out.append(box)
    return sorted(out, key=lambda b: (b[1], b[0]))


def _boundaries(
    mask: np.ndarray, axis: int, origin: tuple[int, int], ends: list[int] | None = None
) -> list[int]:
    """Positions of lines across `axis` (0: y of horizontal lines, 1: x of vertical lines), clustered.
    With `ends` (the y of the horizontal lines), a vertical segment counts only when both its ends
    meet one of them: a character's long stroke (财, 出) stops short of the rulings."""
    n, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
    length_index = cv2.CC_STAT_WIDTH if axis == 0 else cv2.CC_STAT_HEIGHT

    def meets(y: int) -> bool:
        return ends is None or any(abs(y - e) <= TOUCH_PX for e in ends)

    positions = sorted(
        float(centroids[i][1 - axis])
        for i in range(1, n)
        if stats[i][length_index] >= 20
        and (
            axis == 0
            or (
                meets(stats[i][cv2.CC_STAT_TOP] + origin[1])
                and meets(stats[i][cv2.CC_STAT_TOP] + stats[i][cv2.CC_STAT_HEIGHT] + origin[1])
            )
        )
    )
    offset = origin[1] if axis == 0 else origin[0]
    clusters: list[list[float]] = []
    for p in positions:
        if clusters and p - clusters[-1][-1] <= LINE_PX + 4:
            clusters[-1].append(p)
        else:
            clusters.append([p])
    return [round(sum(c) / len(c)) + int(offset) for c in clusters]


def _open_sides(horizontal: np.ndarray, xs: list[int], x0: int) -> list[int]:
    """A table drawn without its outer left or right border (or cut by the page edge) still has a
    first and last column: the horizontal rulings reach past the outermost vertical one."""
    drawn = np.flatnonzero(horizontal.any(axis=0))
    if not xs or drawn.size == 0:
        return xs
    left, right = int(drawn[0]) + x0, int(drawn[-1]) + x0
    if xs[0] - left > OPEN_SIDE_PX:
        xs = [left, *xs]
    if right - xs[-1] > OPEN_SIDE_PX:
        xs = [*xs, right]
    return xs


def _merged_cells(
    horizontal: np.ndarray, vertical: np.ndarray, ys: list[int], xs: list[int]
) -> list[tuple[int, int, int, int]]:
    """Cells as (r0, c0, r1, c1) spans of the elementary grid: neighbours with no wall between them
    are one merged cell (union-find)."""
    n_rows, n_cols = len(ys) - 1, len(xs) - 1
    parent = list(range(n_rows * n_cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def drawn(mask: np.ndarray, fixed: int, a: int, b: int, along_x: bool) -> bool:
        lo, hi = a + (b - a) // 5, b - (b - a) // 5  # the side's middle: corners belong to both lines
        if hi <= lo:
            return True
        band = (
            mask[fixed - LINE_PX : fixed + LINE_PX + 1, lo:hi]
            if along_x
            else mask[lo:hi, fixed - LINE_PX : fixed + LINE_PX + 1]
        )
        covered = band.any(axis=0) if along_x else band.any(axis=1)
        return bool(covered.mean() >= WALL)

    for r in range(n_rows):
        for c in range(n_cols):
            if c + 1 < n_cols and not drawn(vertical, xs[c + 1], ys[r], ys[r + 1], along_x=False):
                parent[find(r * n_cols + c + 1)] = find(r * n_cols + c)
            if r + 1 < n_rows and not drawn(horizontal, ys[r + 1], xs[c], xs[c + 1], along_x=True):
                parent[find((r + 1) * n_cols + c)] = find(r * n_cols + c)
    spans: dict[int, list[int]] = {}
    for r in range(n_rows):
        for c in range(n_cols):
            root = find(r * n_cols + c)
            s = spans.setdefault(root, [r, c, r + 1, c + 1])
            s[0], s[1] = min(s[0], r), min(s[1], c)
            s[2], s[3] = max(s[2], r + 1), max(s[3], c + 1)
    return sorted((s[0], s[1], s[2], s[3]) for s in spans.values())


def _split(
    word: Word,
    px: tuple[float, float, float, float],
    boxes: list[tuple[int, int, int, int]],
    gray: np.ndarray,
    scale: float,
    reread: Reread,
) -> list[tuple[int, Word]]:
    """The word in the cell it lies in; a box that crosses cell walls is cut at the walls and each
    piece recognised again (the detector sometimes joins two columns' figures)."""
    cy = (px[1] + px[3]) / 2
    overlaps = []
    for k, (x0, y0, x1, y1) in enumerate(boxes):
        if y0 <= cy <= y1:
            width = min(px[2], x1) - max(px[0], x0)
            if width > 0:
                overlaps.append((k, width, x0, x1))
    if not overlaps:
        return []
    wide = [o for o in overlaps if o[1] >= max(8.0, 0.15 * (px[2] - px[0]))]
    if len(wide) <= 1:
        best = max(overlaps, key=lambda o: o[1])
        return [(best[0], word)]
    out = []
    for k, _, x0, x1 in wide:
        a, b = max(px[0], x0 + LINE_PX), min(px[2], x1 - LINE_PX)
        text, score = reread(gray, (int(a), int(px[1]), int(b), int(px[3])))
        if text:
            out.append((k, Word(text, a / scale, word.top, b / scale, word.bottom, score)))
    return out
