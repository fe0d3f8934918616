"""Which document(s) a question is about: department names as people type them, years, 预算/决算."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.orgs import OrgMatch, lexicon, match_department, parse_org, region_mentions
from assistant.textnorm import squash, to_halfwidth
from assistant.types import DocumentRecord

_ORG = re.compile(
    r"([\u4e00-\u9fff]{2,14}?(?:局|委员会|委|办公室|政府办|大学|学院|学校|街道|办事处|中心|厅|部|院|所|馆|政府|镇|乡))"
)
# Words that look like organisations but are not departments (科室 names, generic words).
_NOT_DEPT = ("本部门", "本单位", "该部门", "部门", "单位", "本部", "中心", "政府")
TIE = 0.01  # two departments whose scores differ by less than this are named equally well


@dataclass
class DocQuery:
    """What a question says about documents."""

    years: list[int] = field(default_factory=list)
    kind: str | None = None  # budget / final_accounts
    departments: list[str] = field(default_factory=list)  # matched departments (as stored)
    unknown_org: str | None = None  # an organisation named in the question that the store does not hold
    ambiguous: list[str] = field(default_factory=list)  # departments one name fits equally well
    mention: str = ""  # the words of the question that named the ambiguous departments


def read_doc_query(question: str, docs: Sequence[DocumentRecord]) -> DocQuery:
    q = squash(to_halfwidth(question))
    years = [int(y) for y in re.findall(r"(20\d{2})\s*年", q)]
    kind = None
    if "决算" in q or re.search(r"实际(?:支出|花|执行)", q):
        kind = "final_accounts"
    elif re.search(r"(?:\d{4}年度?|部门|单位)(?:部门|单位)?预算(?!数|执行)", q):
        kind = "budget"  # “2023年预算”, “部门预算” name the disclosure; 一般公共预算/年初预算 do not
    regions = {r for d in docs for r in parse_org(d.department).regions}
    mentions = region_mentions(q, regions)
    matches = [m for dept in {d.department for d in docs} if (m := match_department(q, dept, mentions))]
    accepted: list[OrgMatch] = []
    ambiguous: list[OrgMatch] = []
    for m in sorted(matches, key=lambda m: (-m.score, m.department)):
        clash = [a for a in accepted if m.start < a.end and a.start < m.end]
        if not clash:
            accepted.append(m)
        elif any(abs(a.score - m.score) < TIE for a in clash):
            ambiguous.append(m)
    tied = [a for a in accepted if any(m.start < a.end and a.start < m.end for m in ambiguous)]
    departments = [a.department for a in accepted if a not in tied]
    unknown = None
    rest = q
    for a in sorted(matches, key=lambda m: -m.start):
        rest = rest[: a.start] + "〇" * (a.end - a.start) + rest[a.end :]
    for m in _ORG.finditer(rest):
        name = m.group(1)
        if (name.endswith(_NOT_DEPT) and len(name) <= 4) or any(w == name for w in _NOT_DEPT):
            continue
        if not departments and not tied:  # “火星街道…”: an organisation the store does not hold
            unknown = name
            break
    if tied:
        return DocQuery(
            years=years,
            kind=kind,
            departments=departments,
            ambiguous=sorted({m.department for m in (*tied, *ambiguous)}),
            mention=q[tied[0].start : tied[0].end],
        )
    return DocQuery(years=years, kind=kind, departments=departments, unknown_org=unknown)


@dataclass
class Resolution:
    docs: list[DocumentRecord]
    note: str = ""  # said in the answer (which document was assumed)
    refusal: str = ""  # non-empty: the store does not hold what the question names
    # With a refusal for scope: the 部门 and 本级 disclosures either could mean. When both give the
    # same answer, the ambiguity does not matter.
    candidates: list[DocumentRecord] = field(default_factory=list)


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
    if query.ambiguous:
        names = "、".join(query.ambiguous)
        return Resolution(
            docs=[],
            refusal=f"问题中的“{query.mention}”可能指{len(query.ambiguous)}个部门：{names}。请写明是哪一个（例如加上地区）。",
        )
    if query.departments:
        pool = [d for d in pool if d.department in query.departments]
    elif query.unknown_org:
        names = sorted({d.department for d in docs})
        held = "、".join(names[:8]) + (f"等{len(names)}个部门" if len(names) > 8 else "")
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
    scoped, refusal = _by_scope(question, pool)
    if refusal:
        return Resolution(docs=[], refusal=refusal, candidates=pool)
    pool = scoped
    pool, note = _one_per_disclosure(pool, docs)
    departments = {d.department for d in pool}
    if len(departments) == 1 and len(pool) > 1 and not query.years:
        latest = max(d.year for d in pool)
        mentioned_multi = len(query.years) > 1
        if not mentioned_multi:
            pool = [d for d in pool if d.year == latest]
            note += f"（未指明年份，按最新的{_label(pool[0])}回答）"
    if len(departments) > 1 and not query.departments and len(docs) > 1:
        return Resolution(
            docs=[],
            refusal=f"问题没有指明是哪个部门，库中有{len(departments)}个部门的公开文件；请写明部门名称。",
        )
    return Resolution(docs=sorted(pool, key=lambda d: (d.department, d.year)), note=note)


def _by_scope(question: str, pool: list[DocumentRecord]) -> tuple[list[DocumentRecord], str]:
    """A department's 部门 disclosure and its 本级 unit's, same year and kind: the question's words
    choose; when they do not, a refusal that names both."""
    if len({d.department for d in pool}) > 1:  # no department named: not a question of scope
        return pool, ""
    groups: dict[tuple[str, int, str], list[DocumentRecord]] = {}
    for d in pool:
        groups.setdefault((d.department, d.year, d.kind), []).append(d)
    words = lexicon()["scope_words"]
    q = squash(question)
    unit = any(w in q for w in words["unit"])
    dept = any(w in q for w in words["department"])
    out: list[DocumentRecord] = []
    for group in groups.values():
        scopes = {d.scope for d in group}
        if len(scopes) < 2:
            out += group
            continue
        want = "unit" if unit else ("department" if dept else None)
        chosen = [d for d in group if d.scope == want]
        if not chosen:
            labels = "、".join(f"{_label(d)}（{d.scope_label or d.scope}）" for d in group)
            return (
                [],
                f"库中有{len(group)}份同名同年的公开：{labels}。请说明问的是部门（汇总）还是本级（单位）。",
            )
        out += chosen
    return out, ""


def _one_per_disclosure(
    pool: list[DocumentRecord], order: Sequence[DocumentRecord]
) -> tuple[list[DocumentRecord], str]:
    """Two stored files that look like one disclosure (same department, year, kind and scope: a copy, a
    text export) are one source, not two years to compare: the one with the most tables and cells
    answers (the first ingested on a tie), and the answer says the other was not used."""
    rank = {d.doc_id: i for i, d in enumerate(order)}
    groups: dict[tuple, list[DocumentRecord]] = {}
    for d in pool:
        groups.setdefault((d.department, d.year, d.kind, d.scope), []).append(d)
    kept, skipped = [], []
    for group in groups.values():
        group.sort(key=lambda d: (-d.cells, -d.tables, rank.get(d.doc_id, 0)))
        kept.append(group[0])
        skipped += group[1:]
    if not skipped:
        return pool, ""
    names = "、".join(d.source_file.rsplit("/", 1)[-1] for d in skipped)
    return [d for d in pool if d in kept], f"（库中另有看起来相同的文件未使用：{names}）"
