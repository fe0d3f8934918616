"""Document metadata (department, year, kind, scope, region, date) and narrative sections by heading."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from assistant.textnorm import squash, to_halfwidth
from ingest.model import ParsedDocument

_DEPT_LINE = re.compile(
    r"(?:预算主管部门|编制部门|编制单位|填报部门|填报单位|部门名称|单位名称|主管部门)\s*[:：]\s*"
    r"([\u4e00-\u9fff()（）]{3,40}?)(?=\s|金额单位|单位\s*[:：]|$)",
    re.M,
)
_TITLE = re.compile(
    r"(?P<dept>[\u4e00-\u9fff()（）]{2,40}?)\s*(?P<year>20\d{2})?\s*年度?\s*(?:区级|市级|县级|省级|本级)?\s*"
    r"(?P<scope>部门|单位)?\s*(?P<kind>预算|决算)"
)
_YEAR_KIND = re.compile(r"(20\d{2})\s*年度?\s*(?:区级|市级|县级|省级|本级)?\s*(部门|单位)?\s*(预算|决算)")
_REGION = re.compile(
    r"^((?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,4}?(?:市|自治州|盟|地区))?"
    r"(?:[\u4e00-\u9fff]{1,4}?(?:区|县|旗|市))?)"
)
_DATE = re.compile(r"(20\d{2})[ \t]*[年\-/.][ \t]*(\d{1,2})[ \t]*[月\-/.]?[ \t]*(?:(\d{1,2})[ \t]*日?)?")
_DATE_CUE = re.compile(r"(?:发布|公开|更新|印发|编制)(?:日期|时间)?\s*[:：]?\s*$")


@dataclass(frozen=True)
class Metadata:
    title: str
    department: str
    region: str | None
    year: int
    kind: str
    scope: str | None
    published: str | None


def extract_metadata(doc: ParsedDocument) -> Metadata | None:
    """Metadata from the document's own words; None when it does not read as a budget disclosure."""
    head = squash(to_halfwidth(doc.first_text))[:1500]
    all_text = to_halfwidth(doc.all_text)
    dept_votes = Counter(m.group(1) for m in _DEPT_LINE.finditer(all_text))
    title_match = _TITLE.search(head)
    year_kind = _YEAR_KIND.search(head) or _YEAR_KIND.search(squash(all_text)[:20000])
    if year_kind is None and title_match is None:
        return None
    kind_word = year_kind.group(3) if year_kind else title_match.group("kind")  # type: ignore[union-attr]
    year_text = year_kind.group(1) if year_kind else None
    if year_text is None:
        years = re.findall(r"20\d{2}", head[:300])
        if not years:
            return None
        year_text = years[0]
    scope_word = (
        year_kind.group(2)
        if year_kind and year_kind.group(2)
        else (title_match.group("scope") if title_match else None)
    )
    department = ""
    if dept_votes:
        department = dept_votes.most_common(1)[0][0]
    elif title_match:
        department = _strip_region_prefix_noise(title_match.group("dept"))
    if not department:
        return None
    title = _title_line(doc.first_text) or ""
    if year_text not in title:
        title = f"{department}{year_text}年度{scope_word or ''}{kind_word}"
    region_match = _REGION.match(department)
    region = region_match.group(1) if region_match and region_match.group(1) not in ("", department) else None
    if region is None:
        cover = _REGION.match(title)
        region = cover.group(1) if cover and cover.group(1) and cover.group(1) != title else None
    return Metadata(
        title=title,
        department=department,
        region=region,
        year=int(year_text),
        kind="final_accounts" if kind_word == "决算" else "budget",
        scope={"部门": "department", "单位": "unit"}.get(scope_word or ""),
        published=_published(doc.first_text),
    )


def _strip_region_prefix_noise(dept: str) -> str:
    return re.sub(r"^(?:第[一二三四五六七八九十]+部分|目录)", "", dept)


def _title_line(first_text: str) -> str | None:
    lines = [squash(ln) for ln in first_text.splitlines() if squash(ln)]
    for i in range(min(len(lines), 12)):
        joined = "".join(lines[i : i + 3])
        m = _TITLE.search(joined)
        if m and m.start() == 0:
            end = m.end()
            return joined[:end] + ("情况说明" if joined[end:].startswith("情况说明") else "")
    return None


def _published(first_text: str) -> str | None:
    """A date on a line of its own on the cover, or after 发布/公开/更新时间."""
    for line in to_halfwidth(first_text).splitlines()[:60]:
        line = line.strip()
        m = _DATE.search(line)
        if m is None:
            continue
        standalone = m.start() == 0 and m.end() == len(line)
        if _DATE_CUE.search(line[: m.start()]) or standalone:
            year, month, day = m.group(1), int(m.group(2)), m.group(3)
            if not 1 <= month <= 12:
                continue
            return f"{year}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    return None
