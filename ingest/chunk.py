"""Narrative pages -> sections by heading -> sentence-aware chunks and stated figures (facts)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.settings import ChunkingSettings
from assistant.textnorm import CN_NUMERAL, cn_number, find_unit, squash, to_halfwidth
from assistant.types import Chunk, Fact, Provenance
from ingest.model import PageText
from ingest.tables import is_title

_LEVEL_PATTERNS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^第[一二三四五六七八九十]+部分")),
    (2, re.compile(r"^[一二三四五六七八九十]+[、.．]")),
    (3, re.compile(r"^[（(][一二三四五六七八九十]+[)）]")),
]
_KNOWN_HEADINGS = re.compile(
    r"(?:主要职能|机构设置|名词解释|情况说明|编制说明|基本情况|单位构成|概况|人员情况|绩效目标|其他重要事项)$"
)
_TOC_LINE = re.compile(r"(?:…{2,}|\.{4,}|·{4,})\s*\d*\s*$")
_PAGE_NO = re.compile(r"^[-—]?\s*\d{1,3}\s*[-—]?$")
_SENTENCE_END = re.compile(r"(?<=[。！？；])")
_FIGURE = re.compile(
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>亿元|万元|千元|元|%|个百分点|人|辆|个|家|项|台|套|次|分(?!之|配|别|类|析|钟|成|解|级|管|担|期))"
)
_CLAUSE = re.compile(r"[，,；;：:。！？、]")
# Counts written in Chinese numerals: 内设十个机构, 两辆, 四个二级项目 (never 第一个, 一次性).
_CN_FIGURE = re.compile(
    rf"(?<![第{CN_NUMERAL}])(?P<num>[{CN_NUMERAL}]{{1,4}})\s*(?P<unit>个|辆|家|项|台|套|名)"
)


@dataclass(frozen=True)
class Section:
    path: str
    text: str  # heading line + body
    start: int  # offset in the document text


@dataclass(frozen=True)
class Narrative:
    text: str
    sections: list[Section]
    page_starts: list[tuple[int, int | None]]  # (offset, page) where each page's text begins

    def page_at(self, offset: int) -> int | None:
        keys = [o for o, _ in self.page_starts]
        i = bisect.bisect_right(keys, offset) - 1
        return self.page_starts[i][1] if i >= 0 else None


def _is_table_caption(line: str) -> bool:
    """Table titles and 编制部门/单位 lines belong to the tables, not to the narrative."""
    return is_title(line) or (find_unit(line) is not None and len(line) < 60)


def _heading_level(line: str) -> int | None:
    if line.endswith("。") and len(line) <= 12:  # “（二）单位构成。”
        line = line[:-1]
    # A heading is short and has no sentence punctuation inside; a wrapped line of an enumerated
    # paragraph (“（一）贯彻执行…方针、政策；研”) is not one.
    if len(line) > 40 or line.endswith(("。", "；", "，")) or re.search(r"[；，。]", line[:-1]):
        return None
    for level, pattern in _LEVEL_PATTERNS:
        if pattern.match(line):
            # "（一）财政拨款收入：是…" is a definition, not a heading
            return None if "：" in line[:20] and len(line) > 18 else level
    return 2 if _KNOWN_HEADINGS.search(line) and len(line) <= 30 else None


def build_narrative(pages: list[PageText]) -> Narrative:
    """Join wrapped lines into paragraphs, split sections at headings, remember page offsets."""
    parts: list[str] = []
    page_starts: list[tuple[int, int | None]] = []
    sections: list[Section] = []
    stack: list[tuple[int, str]] = []
    offset = 0
    section_start = 0
    section_path = ""

    def close_section(end: int) -> None:
        if end > section_start:
            sections.append(
                Section(path=section_path, text="".join(parts)[section_start:end], start=section_start)
            )

    for page in pages:
        page_starts.append((offset, page.page))
        for raw in page.text.splitlines():
            line = squash(to_halfwidth(raw)) if raw.strip() else ""
            if not line or _TOC_LINE.search(line) or _PAGE_NO.match(line) or _is_table_caption(line):
                continue
            level = _heading_level(line)
            if level is not None:
                close_section(offset)
                stack = [(lv, t) for lv, t in stack if lv < level] + [(level, line)]
                section_path = " > ".join(t for _, t in stack)
                section_start = offset
                piece = ("\n" if offset else "") + line + "\n"
            else:
                new_para = (
                    offset == 0
                    or parts[-1].endswith(("\n", "。", "：", "！", "？"))
                    or bool(
                        re.match(r"^(?:\d{1,2}[.．、](?!\d)|[（(]\d+[)）]|[一二三四五六七八九十]+、)", line)
                    )
                )
                piece = ("\n" if new_para and parts and not parts[-1].endswith("\n") else "") + line
            parts.append(piece)
            offset += len(piece)
    close_section(offset)
    return Narrative(text="".join(parts), sections=sections, page_starts=page_starts)


def _sentences(text: str, base: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for para_match in re.finditer(r"[^\n]+", text):
        start = para_match.start()
        for piece in _SENTENCE_END.split(para_match.group()):
            if piece.strip():
                spans.append((base + start, base + start + len(piece)))
            start += len(piece)
    return spans


def chunk_narrative(narrative: Narrative, doc_id: str, settings: ChunkingSettings) -> list[Chunk]:
    """Sentence-aware chunks that never cross a section; each starts with its section heading words."""
    chunks: list[Chunk] = []
    for section in narrative.sections:
        body = section.text.strip().split("\n", 1)[1:] if section.path else [section.text]
        if not "".join(body).strip():  # a heading with nothing under it (contents pages)
            continue
        spans = _sentences(section.text, section.start)
        i = 0
        while i < len(spans):
            j = i
            while j + 1 < len(spans) and spans[j + 1][1] - spans[i][0] <= settings.max_chars:
                j += 1
            start, end = spans[i][0], spans[j][1]
            text = narrative.text[start:end].strip()
            if text:
                chunks.append(
                    Chunk(
                        chunk_id=f"{doc_id}:{len(chunks)}",
                        text=text,
                        provenance=Provenance(
                            doc_id=doc_id,
                            page=narrative.page_at(start),
                            section_path=section.path,
                            char_start=start,
                            char_end=end,
                        ),
                    )
                )
            nxt = j + 1
            i = max(nxt - settings.overlap_sentences, i + 1) if nxt < len(spans) else nxt
    return chunks


def extract_facts(narrative: Narrative, doc_id: str) -> list[Fact]:
    """Every figure with a unit stated in the narrative, with the words before it and its sentence."""
    facts: list[Fact] = []
    for section in narrative.sections:
        for start, end in _sentences(section.text, section.start):
            sentence = narrative.text[start:end]
            figures = [(m, Decimal(m.group("num").replace(",", ""))) for m in _FIGURE.finditer(sentence)]
            figures += [(m, Decimal(n)) for m in _CN_FIGURE.finditer(sentence) if (n := cn_number(m["num"]))]
            for m, value in sorted(figures, key=lambda f: f[0].start()):
                if (
                    m.group("unit") in {"人", "个", "家", "项", "次"}
                    and m.start() > 0
                    and sentence[m.start() - 1] == "第"
                ):
                    continue
                head = sentence[: m.start()]
                cut = max((x.end() for x in _CLAUSE.finditer(head)), default=0)
                subject = head[cut:].strip()
                if len(subject) < 4:  # "为", "减少": take the clause before too
                    prev = max((x.end() for x in _CLAUSE.finditer(head[: max(cut - 1, 0)])), default=0)
                    subject = head[prev:].strip()
                facts.append(
                    Fact(
                        fact_id=f"{doc_id}:f{len(facts)}",
                        subject=subject[-60:],
                        value=value,
                        unit=m.group("unit"),
                        raw=m.group(),
                        sentence=sentence.strip(),
                        provenance=Provenance(
                            doc_id=doc_id,
                            page=narrative.page_at(start + m.start()),
                            section_path=section.path,
                            char_start=start + m.start(),
                            char_end=start + m.end(),
                        ),
                    )
                )
    return facts
