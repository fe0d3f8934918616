"""Plain text (UTF-8 / GB18030 / GBK, detected) and HTML -> ParsedDocument.

Text extracted from PDFs often carries tables flattened into lines ("201 03 01 行政运行 443.35 443.35"):
they are recovered as FlatTables (values in order, columns resolved later in text_tables.py)."""

from __future__ import annotations

import re
from pathlib import Path

from bs4 import BeautifulSoup
from charset_normalizer import from_bytes

from assistant.errors import ParseError
from assistant.textnorm import find_unit, is_amount, normalize_code, squash, to_halfwidth
from ingest.model import FlatRow, FlatTable, PageText, ParsedDocument
from ingest.tables import clean_title, is_title

_TABLE_NO = re.compile(r"^(?:附表|表)\s*[0-9一二三四五六七八九十]+\s*[:：]?$")
_PART = re.compile(r"^第[一二三四五六七八九十]+部分")
_PAGE_NO = re.compile(r"^[-—]\s*\d+\s*[-—]$|^第?\s*\d+\s*页?$")
_NOTE = re.compile(r"^(?:备注|注)\s*[:：]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
EMPTY_FILE = "文件是空的（空文件，没有可读的内容）"


def decode(data: bytes) -> str:
    """Bytes -> str: UTF-8 (with or without BOM) first, then the best detected Chinese encoding."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for enc in ("gb18030",):
        try:
            text = data.decode(enc)
            if len(_CJK.findall(text)) > len(text) / 20:
                return text
        except UnicodeDecodeError:
            pass
    best = from_bytes(data).best()
    if best is None:
        raise ParseError("无法识别的文字编码")
    return str(best)


def html_to_text(html: str) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "noscript", "head"]):
        tag.decompose()
    for br in soup.find_all(["br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table"]):
        br.insert_after("\n")
    return soup.get_text("\n")


def sniff_html(data: bytes) -> bool:
    """An HTML page, whatever its name says (crawlers save web pages as .pdf)."""
    head = data[:2000].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def parse_text_file(path: Path) -> ParsedDocument:
    data = path.read_bytes()
    if not data.strip():
        raise ParseError(EMPTY_FILE)
    text = decode(data)
    fmt = "text"
    if (
        path.suffix.lower() in {".html", ".htm"}
        or sniff_html(data)
        or re.search(r"<(?:html|body|div|p)\b", text[:2000], re.I)
    ):
        text = html_to_text(text)
        fmt = "html"
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln and not _PAGE_NO.match(ln)]
    if sum(len(_CJK.findall(ln)) for ln in lines) < 20:
        raise ParseError("没有中文文字，不是预算公开文件")
    narrative, tables = _split_tables(lines)
    body = "\n".join(narrative)
    return ParsedDocument(
        path=str(path),
        format=fmt,
        pages=[PageText(page=None, text=body)],
        grids=[],
        page_count=None,
        first_text="\n".join(lines[:40]),
        flat_tables=tables,
        all_text="\n".join(lines),
        page_texts=["\n".join(lines)],
    )


def _split_tables(lines: list[str]) -> tuple[list[str], list[FlatTable]]:
    narrative: list[str] = []
    tables: list[FlatTable] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if _TABLE_NO.match(squash(line)):
            i += 1
            continue
        if is_title(line) and "…" not in line and "..." not in line:
            end = _table_end(lines, i + 1)
            tables.append(_flat_table(line, lines[i + 1 : end]))
            if end < len(lines) and _NOTE.match(lines[end]):
                end += 1
            i = end
            continue
        narrative.append(line)
        i += 1
    return narrative, tables


def _table_end(lines: list[str], start: int) -> int:
    for j in range(start, len(lines)):
        t = squash(lines[j])
        if _NOTE.match(t) or _TABLE_NO.match(t) or _PART.match(t) or (is_title(lines[j]) and j > start):
            return j
        if t.endswith("。") and len(t) > 30:
            return j
    return len(lines)


def _tokens(line: str) -> list[str]:
    """Whitespace tokens with justified single CJK characters ("合 计") and glued codes ("210卫生") split."""
    raw = to_halfwidth(line).split()
    out: list[str] = []
    for tok in raw:
        m = re.fullmatch(r"(\d{3,7})([\u4e00-\u9fff].*)", tok)
        parts = [m.group(1), m.group(2)] if m else [tok]
        for p in parts:
            if out and _CJK.search(p) and _CJK.search(out[-1]) and not is_amount(out[-1]):
                out[-1] += p
            else:
                out.append(p)
    return out


def _parse_row(tokens: list[str]) -> list[FlatRow]:
    """One line -> one FlatRow per side: [code] label values… [code] label values…"""
    rows: list[FlatRow] = []
    code: list[str] = []
    label = ""
    values: list[str] = []

    def flush() -> None:
        nonlocal code, label, values
        if code or label or values:
            rows.append(
                FlatRow(code=normalize_code("".join(code)), label=label, values=values, side=len(rows))
            )
        code, label, values = [], "", []

    for k, tok in enumerate(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else ""
        if re.fullmatch(r"\d{2,7}", tok):
            starts = (
                len(tok) in (3, 5, 7)
                and tok[0] in "23"
                and (
                    bool(_CJK.search(nxt))
                    or bool(re.fullmatch(r"\d{2}", nxt))
                    or (not nxt and not label and not values)
                )
            )
            continues = bool(code) and not label and not values and len(tok) == 2
            if starts or continues:
                if starts and (label or values):
                    flush()
                code.append(tok)
                continue
        if is_amount(tok):
            values.append(tok)
            continue
        if values:
            flush()
        label += tok
    flush()
    return rows


def _flat_table(title_line: str, body: list[str]) -> FlatTable:
    unit = None
    header: list[str] = []
    rows: list[FlatRow] = []
    started = False
    pending: FlatRow | None = None  # a row whose label or values wrap onto the next lines
    for line in body:
        t = squash(line)
        if not started and (find_unit(t) or t.startswith(("编制部门", "编制单位", "填报部门"))):
            unit = find_unit(t) or unit
            continue
        parsed = _parse_row(_tokens(line))
        if not started and not any(r.values or r.code for r in parsed):
            header.append(t)
            continue
        started = True
        single = parsed[0] if len(parsed) == 1 else None
        if single and single.code and not single.label and not single.values:
            if pending:
                rows.append(pending)
            pending = single
            continue
        if pending and single and not single.code and (not pending.values or not single.values):
            pending = FlatRow(
                code=pending.code, label=pending.label + single.label, values=pending.values + single.values
            )
            continue
        if pending:
            rows.append(pending)
            pending = None
        if (
            single
            and not single.code
            and not single.values
            and rows
            and rows[-1].label.count("(") > rows[-1].label.count(")")
        ):
            last = rows.pop()
            rows.append(
                FlatRow(code=last.code, label=last.label + single.label, values=last.values, side=last.side)
            )
            continue
        rows.extend(parsed)
    if pending:
        rows.append(pending)
    return FlatTable(title=clean_title(title_line), unit=unit, header=header, rows=rows)
