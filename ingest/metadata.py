"""Document metadata from the document's own words, by structure and by score.

Candidates for the department come from two structures: titles ("<name> 2026 年度部门预算",
"2026 年<name>（本级）单位预算") and labelled lines ("预算单位：…", "部门名称：…"). Each candidate is cut at
the words a name never contains (lexicon `boundaries`), must end like an organisation, and is scored by
where it was found and how often the document repeats it. The year, kind and scope come from the title
that names the winner. A file that names too few of the standard tables and sections is not a disclosure,
and says what it seems to be instead.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from assistant.textnorm import squash, to_halfwidth

LEXICON = Path(__file__).parent / "lexicon" / "metadata.toml"
HEAD_CHARS = 1200  # the cover and the contents: where a title is printed
TITLE_CHARS = 60  # the title line: what a file says it is


@dataclass(frozen=True)
class Lexicon:
    version: int
    labels: tuple[str, ...]
    boundaries: tuple[str, ...]
    org_suffixes: tuple[str, ...]
    scope_qualifiers: dict[str, str]
    scope_words: dict[str, str]
    non_disclosure_cues: tuple[tuple[str, str], ...]
    disclosure_markers: tuple[str, ...]
    min_disclosure_markers: int


@cache
def lexicon() -> Lexicon:
    data = tomllib.loads(LEXICON.read_text(encoding="utf-8"))
    return Lexicon(
        version=data["version"],
        labels=tuple(sorted(data["labels"], key=len, reverse=True)),
        boundaries=tuple(data["boundaries"]),
        org_suffixes=tuple(data["org_suffixes"]),
        scope_qualifiers=dict(data["scope_qualifiers"]),
        scope_words=dict(data["scope_words"]),
        non_disclosure_cues=tuple((c["cue"], c["what"]) for c in data["non_disclosure_cues"]),
        disclosure_markers=tuple(data["disclosure_markers"]),
        min_disclosure_markers=data["min_disclosure_markers"],
    )


@dataclass(frozen=True)
class Metadata:
    title: str
    department: str
    region: str | None
    year: int | None  # None: the file does not say (a tables file whose 说明 file states it)
    kind: str
    scope: str | None
    published: str | None
    scope_label: str | None = None  # the printed words that decided the scope (本级, 单位预算, …)
    evidence: tuple[str, ...] = ()  # where the department was read, for the parse report


@dataclass
class _Candidate:
    name: str
    score: float = 0.0
    places: list[str] = field(default_factory=list)
    titles: list[tuple[int, str, str | None, str | None]] = field(
        default_factory=list
    )  # year, kind, scope, label


class NotADisclosure(ValueError):
    """The file reads as something else; the message says what, in Chinese."""


def _regexes() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    lex = lexicon()
    quals = "|".join(map(re.escape, sorted(lex.scope_qualifiers, key=len, reverse=True)))
    scope_words = "|".join(map(re.escape, lex.scope_words))
    tail = rf"(?P<qual>[（(](?:{quals})[)）])?(?P<scope>(?:[省市区县]级)?(?:{scope_words}))?(?:综合)?"
    # "<name> 2026 年度 部门预算" and "2026 年 <name>（本级）部门预算", on whitespace-free text.
    name_first = re.compile(
        rf"(?P<pre>[^\d]{{2,80}}?)(?P<year>20\d{{2}})(?:年度?|(?=部门|单位)){tail}(?P<kind>预算|决算)"
    )
    year_first = re.compile(
        rf"(?P<year>20\d{{2}})年度?(?P<body>[^\d]{{2,60}}?){tail}(?P<kind>预算|决算)(?!执行|调整|数|安排)"
    )
    labels = "|".join(map(re.escape, lex.labels))
    labelled = re.compile(rf"(?:{labels})\s*[:：]\s*(?P<name>[\u4e00-\u9fff()（）]{{2,50}})")
    return name_first, year_first, labelled


def _cut_name(text: str) -> tuple[str | None, str | None]:
    """The organisation name at the end of `text` (cut at the last boundary word), and its qualifier."""
    lex = lexicon()
    text = re.sub(r"[^\u4e00-\u9fff()（）]", "|", text)  # digits and punctuation end a name
    for word in lex.boundaries:
        text = text.replace(word, "|")
    name = text.rsplit("|", 1)[-1]
    name = re.sub(r"^[)）]+", "", name)
    qualifier = None
    m = re.search(r"[（(]([^()（）]+)[)）]$", name)
    if m and m.group(1) in lex.scope_qualifiers:
        qualifier = m.group(1)
        name = name[: m.start()]
    for word in lex.scope_words:  # "北京市信访办公室部门 2026 年度部门预算"
        if name.endswith(word) and _is_org(name[: -len(word)]):
            name = name[: -len(word)]
    return (name if _is_org(name) else None), qualifier


def _is_org(name: str) -> bool:
    core = re.sub(r"[（(][^()（）]*[)）]$", "", name)  # "…事务中心（上海市财政科学研究所）"
    return len(core) >= 3 and core.endswith(lexicon().org_suffixes) and core.count("(") == core.count(")")


def _pages_text(pages: list[str]) -> tuple[str, str]:
    flat = [squash(to_halfwidth(p)) for p in pages]
    head = ""
    for p in flat:  # the first pages up to HEAD_CHARS (a blank cover page does not count)
        head += p
        if len(head) >= HEAD_CHARS:
            break
    return head[:HEAD_CHARS], "".join(flat)


def _markers(full: str) -> list[str]:
    return [m for m in lexicon().disclosure_markers if m in full]


def read_metadata(pages: list[str], published: str | None = None) -> Metadata:
    """Metadata of a document given the text of its pages; raises NotADisclosure with the reason."""
    lex = lexicon()
    head, full = _pages_text(pages)
    if not full:
        raise NotADisclosure("没有文字层（可能是扫描件），需要先做文字识别")
    markers = _markers(full)
    cue = next((what for c, what in lex.non_disclosure_cues if c in head[:TITLE_CHARS]), None)
    if cue:
        raise NotADisclosure(f"不是预算/决算公开文件，看起来是{cue}")
    if len(markers) < lex.min_disclosure_markers:
        what = f"，看起来是{cue}" if cue else ""
        raise NotADisclosure(
            f"不是预算/决算公开文件{what}：只提到 {len(markers)} 个预算公开的标准表或章节"
            + (f"（{'、'.join(markers)}）" if markers else "")
        )
    cands: dict[str, _Candidate] = {}

    def vote(name: str | None, weight: float, place: str, title: tuple | None = None) -> None:
        if not name:
            return
        cand = cands.setdefault(name, _Candidate(name))
        cand.score += weight
        cand.places.append(place)
        if title:
            cand.titles.append(title)

    name_first, year_first, labelled = _regexes()
    for where, text, weight in (("封面", head, 5.0), ("正文", full[len(head) :], 1.0)):
        for m in name_first.finditer(text):
            name, qual = _cut_name(m.group("pre"))
            vote(name, weight, f"{where}标题", _title(m, qual))
        for m in year_first.finditer(text):
            name, qual = _cut_name(m.group("body") + (m.group("qual") or ""))
            vote(name, weight, f"{where}标题", _title(m, qual))
    seen_labels: dict[str, int] = defaultdict(int)
    for page_no, page in enumerate(pages, 1):
        for m in labelled.finditer(to_halfwidth(page)):
            name, _ = _cut_name(m.group("name"))
            if name and seen_labels[name] < 4:  # a label repeated on every table page counts a few times
                seen_labels[name] += 1
                vote(name, 4.0 if page_no <= 2 else 1.5, f"第{page_no}页标注")
    if not cands:
        raise NotADisclosure("找不到部门/单位名称：封面和表头都没有写明")
    for cand in cands.values():  # the same name printed again and again in the document
        cand.score += math.log1p(full.count(cand.name))
    best = max(cands.values(), key=lambda c: (c.score, len(c.name)))
    year, kind, scope, scope_label = _year_kind_scope(best, head, full)
    if kind is None:
        raise NotADisclosure("找不到预算/决算的标题")
    region = _region(best.name) or _region(head)
    title = f"{best.name}{year or ''}年度{'决算' if kind == 'final_accounts' else '预算'}"
    return Metadata(
        title=title,
        department=best.name,
        region=region,
        year=year,
        kind=kind,
        scope=scope,
        published=published,
        scope_label=scope_label,
        evidence=tuple(dict.fromkeys(best.places))[:4],
    )


def _title(m: re.Match[str], qual: str | None) -> tuple[int, str, str | None, str | None]:
    lex = lexicon()
    word = m.group("scope") or ""
    scope = lex.scope_qualifiers.get(qual or "") or next(
        (v for k, v in lex.scope_words.items() if word.endswith(k)), None
    )
    label = qual or (word + m.group("kind") if word else None)
    return int(m.group("year")), m.group("kind"), scope, label


_YEAR_KIND = re.compile(r"(20\d{2})年度?(?:[省市区县]级)?(部门|单位)?(?:综合)?(预算|决算)")


def _year_kind_scope(
    best: _Candidate, head: str, full: str
) -> tuple[int | None, str | None, str | None, str | None]:
    """From the title that names the department; else the cover's own ("上海市2026年市级单位预算")."""
    year = kind = scope = label = None
    if best.titles:
        year, kind, scope, label = best.titles[0]
        scope = scope or next((t[2] for t in best.titles if t[2]), None)
        label = label or next((t[3] for t in best.titles if t[3]), None)
    cover = _YEAR_KIND.search(head) or _YEAR_KIND.search(full)
    if cover and year in (None, int(cover.group(1))):
        year, kind = int(cover.group(1)), kind or cover.group(3)
        if scope is None and cover.group(2):
            scope, label = lexicon().scope_words[cover.group(2)], cover.group(2) + cover.group(3)
    if kind is None:  # a tables-only file: its table titles (收入预算总表 / 支出决算表) say which
        budget, final = len(re.findall(r"预算(?:总)?表", full)), len(re.findall(r"决算(?:总)?表", full))
        kind = "决算" if final > budget else "预算" if budget else None
    if kind is None:
        return year, None, scope, label
    return year, ("final_accounts" if kind == "决算" else "budget"), scope, label


_REGION = re.compile(
    r"^(?:中共|中国共产党)?((?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,4}?(?:市|自治州|盟|地区))?"
    r"(?:[\u4e00-\u9fff]{1,4}?(?:区|县|旗))?)"
)


def _region(text: str) -> str | None:
    m = _REGION.match(text)
    return m.group(1) if m and m.group(1) and m.group(1) != text else None
