"""Intermediate shapes of ingestion: what a parser hands to table assembly and chunking."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Grid:
    """A ruled table region found on one page.

    texts[r][c] holds the text of the cell covering (r, c): a merged cell's text is repeated over its
    span, and origin[r][c] names the (row, col) where that cell starts, so spans can be told apart.
    """

    page: int | None
    texts: list[list[str]]
    origin: list[list[tuple[int, int]]]
    above: list[str] = field(default_factory=list)  # text lines between the previous grid and this one
    below: list[str] = field(default_factory=list)  # text lines after the grid, up to the next one
    col_bounds: list[tuple[float, float]] = field(default_factory=list)  # x extent of each column (PDF)

    @property
    def n_rows(self) -> int:
        return len(self.texts)

    @property
    def n_cols(self) -> int:
        return len(self.texts[0]) if self.texts else 0

    def is_span_start(self, r: int, c: int) -> bool:
        return self.origin[r][c] == (r, c)

    def resample(self, bounds: list[tuple[float, float]]) -> Grid:
        """This grid on another grid's columns (a continuation piece whose columns merged or vanished)."""

        def source(x0: float, x1: float) -> int | None:
            mid = (x0 + x1) / 2
            return next((c for c, (a, b) in enumerate(self.col_bounds) if a - 1 <= mid <= b + 1), None)

        cols = [source(a, b) for a, b in bounds]
        texts = [[row[c] if c is not None else "" for c in cols] for row in self.texts]
        origin: list[list[tuple[int, int]]] = []
        for r, row in enumerate(self.origin):
            first_of: dict[tuple[int, int], int] = {}
            out = []
            for j, c in enumerate(cols):
                key = row[c] if c is not None else (r, -1 - j)
                first_of.setdefault(key, j)
                out.append((key[0], first_of[key]))
            origin.append(out)
        return Grid(
            page=self.page,
            texts=texts,
            origin=origin,
            above=self.above,
            below=self.below,
            col_bounds=list(bounds),
        )


@dataclass(frozen=True)
class FlatRow:
    """A table row of flattened text: blank cells vanished, so values are known only in order."""

    code: str | None
    label: str
    values: list[str]
    side: int = 0


@dataclass(frozen=True)
class FlatTable:
    """A table recovered from text without layout (tables flattened into lines)."""

    title: str
    unit: str | None
    header: list[str]
    rows: list[FlatRow]
    note: str = ""


@dataclass(frozen=True)
class PageText:
    """Narrative text of one page (table regions removed)."""

    page: int | None
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    """A file read into pages of narrative text and table grids, in reading order."""

    path: str
    format: str  # pdf | text | html
    pages: list[PageText]
    grids: list[Grid]
    page_count: int | None
    first_text: str  # cover / opening text, for metadata
    flat_tables: list[FlatTable] = field(default_factory=list)
    all_text: str = ""  # every text line, tables included (编制部门 lines live beside tables)
    page_texts: list[str] = field(default_factory=list)  # each page's whole text layer, for metadata
    ocr_pages: list[int] = field(default_factory=list)  # pages read by OCR (no usable text layer)
    ocr_doubts: list[tuple[int, str]] = field(default_factory=list)  # (page, cell text) read uncertainly
