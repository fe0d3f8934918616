"""Organisation names as people type them, and scored matching of a question to departments.

A stored name is parsed into its regions (省 / 市 / 区县, by suffix) and its core ("上海市普陀区司法局" ->
上海市, 普陀区, 司法局). A question matches a department when a variant of the core (abbreviation rules
from the lexicon, or the letters of a typed abbreviation in order: 安监局 in 安全生产监督管理局) appears in
it; regions the question names add to the score, and a region the question names at a level where the
department has another one excludes it ("深圳市财政局" is never 湖州市财政局).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LEXICON = Path(__file__).parent / "lexicon" / "orgs.toml"
SUBSEQUENCE_WEIGHT = 0.7  # a typed abbreviation matched letter by letter counts less than a substring
REGION_BONUS = 2.0


@cache
def lexicon() -> dict:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


def lexicon_version() -> str:
    return hashlib.sha256(LEXICON.read_bytes()).hexdigest()[:8]


@dataclass(frozen=True)
class OrgName:
    name: str
    regions: tuple[tuple[str, str], ...]  # (level, region as printed), outermost first
    core: str


@cache
def parse_org(name: str) -> OrgName:
    lex = lexicon()
    rest = name
    prefix = next((p for p in lex["party_prefixes"] if rest.startswith(p)), "")
    rest = rest[len(prefix) :]
    regions: list[tuple[str, str]] = []
    for level in lex["levels"]:
        suffixes = "|".join(map(re.escape, level["suffixes"]))
        # "深圳市委宣传部" is the city's 市委: its region all the same (the core becomes 委宣传部 -> 宣传部)
        m = re.match(rf"^([\u4e00-\u9fff]{{2,6}}?(?:{suffixes}))(?=[\u4e00-\u9fff]{{2,}})", rest)
        if m:
            regions.append((level["level"], m.group(1)))
            rest = rest[m.end() :]
    return OrgName(name=name, regions=tuple(regions), core=rest if regions else prefix + rest)


def _stem(region: str) -> str:
    for level in lexicon()["levels"]:
        for s in level["suffixes"]:
            if region.endswith(s) and len(region) - len(s) >= 2:
                return region[: -len(s)]
    return region


@cache
def core_variants(core: str) -> frozenset[str]:
    """The core and every form the abbreviation rules make of it."""
    names = {core}
    changed = True
    while changed:
        changed = False
        for old, new in lexicon()["abbreviations"]:
            for n in list(names):
                short = n.replace(old, new)
                if short != n and len(short) >= 2 and short not in names:
                    names.add(short)
                    changed = True
    generic = set(lexicon()["generic"])
    return frozenset(n for n in names if n not in generic and len(n) >= 2)


def aliases(department: str) -> set[str]:
    """Names a person may use for a department: the full name, with or without its regions."""
    org = parse_org(department)
    out = {department}
    for v in core_variants(org.core):
        out.add(v)
        for k in range(len(org.regions)):
            regions = [r for _, r in org.regions[k:]]
            out.add("".join(regions) + v)
            out.add("".join(_stem(r) for r in regions[:1]) + "".join(regions[1:]) + v)
    return {a for a in out if len(a) >= 3 or a == department}


def _subsequence_span(token: str, text: str) -> bool:
    it = iter(text)
    return all(ch in it for ch in token)


_ORG_TOKEN = re.compile(r"[\u4e00-\u9fff]{2,10}?(?:局|委|办|院|队|厅|部|中心|室|处|所|站|校|馆)")


@dataclass(frozen=True)
class OrgMatch:
    department: str
    score: float
    start: int
    end: int


def match_department(q: str, department: str, region_mentions: dict[str, tuple[str, int]]) -> OrgMatch | None:
    """How well a question names a department; None when it does not, or names another region.

    `region_mentions` maps each level to (region, position) of the regions the question names."""
    org = parse_org(department)
    best: tuple[float, int, int] | None = None
    for v in core_variants(org.core):
        pos = q.find(v)
        if pos >= 0 and (best is None or len(v) > best[0]):
            best = (float(len(v)), pos, pos + len(v))
    if best is None:  # a typed abbreviation: 安监局, 卫健委, 交管支队
        for m in _ORG_TOKEN.finditer(q):
            token = m.group(0)
            for start in range(len(token) - 2):
                t = token[start:]
                if t[-1] == org.core[-1] and t[0] == org.core[0] and _subsequence_span(t, org.core):
                    best = (SUBSEQUENCE_WEIGHT * len(t), m.start() + start, m.end())
                    break
            if best:
                break
    if best is None:
        return None
    score, start, end = best
    own = dict(org.regions)
    for level, (region, _) in region_mentions.items():
        if level in own:
            if _stem(own[level]) != _stem(region):
                return None
            score += REGION_BONUS
    return OrgMatch(department, score, start, end)


def region_mentions(q: str, regions: set[tuple[str, str]]) -> dict[str, tuple[str, int]]:
    """Regions (of the stored documents) the question names, full or without suffix, by level;
    and a bare level word before an organisation ("省检察院") as that level's wildcard."""
    found: dict[str, tuple[str, int]] = {}
    for level, region in sorted(regions, key=lambda r: -len(r[1])):
        for form in (region, _stem(region)):
            pos = q.find(form)
            if len(form) >= 2 and pos >= 0 and level not in found:
                found[level] = (region, pos)
    return found
