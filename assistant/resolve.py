"""Which document(s) a question is about: department names as people type them, years, 预算/决算."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.textnorm import squash, to_halfwidth
from assistant.types import DocumentRecord

_REGION_PREFIX = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,7}?(?:省|自治区))?(?:[\u4e00-\u9fff]{2,4}?(?:市|自治州|盟))?(?:[\u4e00-\u9fff]{1,4}?(?:区|县|旗))?"
)
_ORG = re.compile(
    r"([\u4e00-\u9fff]{2,14}?(?:局|委员会|委|办公室|政府办|大学|学院|学校|街道|办事处|中心|厅|部|院|所|馆|政府|镇|乡))"
)
_SHORTEN = [
    ("人民政府", ""),
    ("人民政府", "政府"),
    ("办事处", ""),
    ("委员会", "委"),
    ("办公室", "办"),
    ("工业和信息化", "工信"),
    ("工业信息化", "工信"),
    ("商务和工业信息化", "商务和工信"),
    ("交通委员会", "交委"),
]
# Words that look like organisations but are not departments (科室 names, generic words).
_NOT_DEPT = ("本部门", "本单位", "该部门", "部门", "单位", "本部", "中心", "政府")


def aliases(department: str) -> set[str]:
    """Names a person may use for a department.

    上海市普陀区人民政府万里街道办事处 -> 万里街道, 普陀区万里街道 …"""
    names = {department}
    core = _REGION_PREFIX.sub("", department)
    prefix = department[: len(department) - len(core)]
    if len(core) >= 2:
        names.add(core)
    district = re.sub(r"^[\u4e00-\u9fff]{2,7}?(?:省|自治区|市)", "", prefix)
    if district and district != prefix:
        names.add(district + core)
    changed = True
    while changed:
        changed = False
        for name in list(names):
            for old, new in _SHORTEN:
                short = name.replace(old, new)
                if short != name and len(short) >= 2 and short not in names:
                    names.add(short)
                    changed = True
    generic = {"办公室", "委员会", "办事处", "人民政府", "人民政府办", "政府办公室"}
    return {n for n in names if (len(n) >= 3 and n not in generic) or n == department}


@dataclass
class DocQuery:
    """What a question says about documents."""

    years: list[int] = field(default_factory=list)
    kind: str | None = None  # budget / final_accounts
    departments: list[str] = field(default_factory=list)  # matched departments (as stored)
    unknown_org: str | None = None  # an organisation named in the question that the store does not hold


def read_doc_query(question: str, docs: Sequence[DocumentRecord]) -> DocQuery:
    q = squash(to_halfwidth(question))
    years = [int(y) for y in re.findall(r"(20\d{2})\s*年", q)]
    kind = None
    if "决算" in q or re.search(r"实际(?:支出|花|执行)", q):
        kind = "final_accounts"
    elif re.search(r"(?:\d{4}年度?|部门|单位)(?:部门|单位)?预算(?!数|执行)", q):
        kind = "budget"  # “2023年预算”, “部门预算” name the disclosure; 一般公共预算/年初预算 do not
    found: dict[str, int] = {}
    spans: list[tuple[int, int]] = []
    for dept in {d.department for d in docs}:
        for name in aliases(dept):
            pos = q.find(name)
            if pos >= 0 and len(name) > found.get(dept, 0):
                found[dept] = len(name)
                spans.append((pos, pos + len(name)))
    departments = sorted(found, key=lambda d: -found[d])
    unknown = None
    rest = q
    for a, b in sorted(spans, key=lambda s: -s[0]):
        rest = rest[:a] + "〇" * (b - a) + rest[b:]
    for m in _ORG.finditer(rest):
        name = m.group(1)
        if (name.endswith(_NOT_DEPT) and len(name) <= 4) or any(w == name for w in _NOT_DEPT):
            continue
        if re.search(r"(?:区|市|县|省|州)", name) and not departments:
            unknown = name
            break
    return DocQuery(years=years, kind=kind, departments=departments, unknown_org=unknown)


@dataclass
class Resolution:
    docs: list[DocumentRecord]
    note: str = ""  # said in the answer (which document was assumed)
    refusal: str = ""  # non-empty: the store does not hold what the question names


def _label(d: DocumentRecord) -> str:
    return f"{d.department}{d.year}年{'决算' if d.kind == 'final_accounts' else '预算'}"


def resolve_documents(
    question: str, docs: Sequence[DocumentRecord], previous: Sequence[DocumentRecord] = ()
) -> Resolution:
    """Documents a question is about. Never silently switches to another department or year."""
    if not docs:
        return Resolution(docs=[], refusal="知识库中还没有任何文件。")
    query = read_doc_query(question, docs)
    pool = list(docs)
    if query.departments:
        pool = [d for d in pool if d.department in query.departments]
    elif query.unknown_org:
        held = "、".join(sorted({d.department for d in docs}))
        return Resolution(docs=[], refusal=f"知识库中没有“{query.unknown_org}”的公开文件（现有：{held}）。")
    elif previous:
        pool = [d for d in pool if d.department in {p.department for p in previous}] or pool
    if query.years:
        by_year = [d for d in pool if d.year in query.years]
        names_disclosure = re.search(r"20\d{2}\s*年度?\s*(?:部门|单位)?\s*(?:预算|决算)", squash(question))
        if not by_year and query.departments and not names_disclosure:
            # “截至2019年底有几辆车”: the next year's disclosure reports the year before it.
            by_year = [d for d in pool if d.year - 1 in query.years]
        if not by_year:
            held = "、".join(_label(d) for d in sorted(pool, key=lambda d: d.year))
            return Resolution(
                docs=[],
                refusal=f"知识库中没有{'、'.join(map(str, query.years))}年的相应文件（现有：{held}）。",
            )
        pool = by_year
    elif previous and not query.departments:
        pool = [d for d in pool if d.year in {p.year for p in previous}] or pool
    if query.kind and len(set(query.years)) <= 1:
        by_kind = [d for d in pool if d.kind == query.kind]
        if not by_kind and query.years:
            held = "、".join(_label(d) for d in pool)
            word = "决算" if query.kind == "final_accounts" else "预算"
            return Resolution(docs=[], refusal=f"知识库中没有该年度的{word}文件（现有：{held}）。")
        pool = by_kind or pool
    note = ""
    departments = {d.department for d in pool}
    if len(departments) == 1 and len(pool) > 1 and not query.years:
        latest = max(d.year for d in pool)
        mentioned_multi = len(query.years) > 1
        if not mentioned_multi:
            pool = [d for d in pool if d.year == latest]
            note = f"（未指明年份，按最新的{_label(pool[0])}回答）"
    if len(departments) > 1 and not query.departments and len(docs) > 1:
        note = "（问题未指明部门，以下按各文件分别作答）"
    return Resolution(docs=sorted(pool, key=lambda d: (d.department, d.year)), note=note)
