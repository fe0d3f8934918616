"""Answers from the narrative: stated figures (facts), quoted sentences, and last year's figures derived
from a stated change (比上年减少X)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from assistant.columns import frame_lexicon
from assistant.retrieval import Hit, tokenize
from assistant.textnorm import UNIT_FACTORS
from assistant.types import Fact

_UNIT_CUES = [
    (re.compile(r"几辆|多少辆|车辆数|车辆|几台|多少台"), {"辆", "台"}),
    (re.compile(r"几家|多少家"), {"家", "个"}),
    (re.compile(r"多少人|几人|人数|编制数|人员数"), {"人"}),
    (re.compile(r"几个|多少个|几项(?!目)|多少项(?!目)"), {"个", "项"}),
    (re.compile(r"百分之|百分比|%|比例|比重|增长率|下降率|幅度"), {"%"}),
    (re.compile(r"得分|多少分|几分"), {"分"}),
]
_QUESTION_WORDS = re.compile(
    r"是多少|有多少|多少|有几|几个|几辆|几家|几项|几人|哪些|哪个|什么|是否|截至|截止|分别|大约|约为|一共|总共|共有|是谁|"
    r"根据|按照|据此|推算|与上年相比|相比|比上年|上年|增加|减少|增长|下降|变化|(?<=\d)[辆个家人项名]|[？?。，,、：:（）()“”\"]"
)
MONEY = frozenset(UNIT_FACTORS)  # 元 千元 万元 亿元 …
_CHANGE = re.compile(
    r"(?:比|与|较)(?P<base>上年|上一年|去年|20\d{2}\s*年度?)[^，。；;]{0,16}?(?:相比)?[，,]?\s*"
    r"[^，。；;]{0,16}?(?P<dir>增加|减少|下降|增长|降低|减|增)(?:了)?\s*"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)\s*(?P<unit>亿元|万元|元|%)"
)
# A paragraph whose text layer came out of order: two amounts glued into one token (68632.1240233.95,
# 0.000.00) or an amount glued to 年 (28398.17年). Its numbers no longer sit beside their words, so no
# check reads it (seen where a PDF draws every phrase in its own box).
GLUED = re.compile(r"\d\.\d{2}\d+\.\d{2}|\d\.\d{2}年|\d\.\d{2}万\d|[；;，,。]\s*万?元\s*[；;，,。]")


# Years that are not the year a figure is for: a date (截至2024年底, 截至2025年8月31日) and the base of
# a comparison (比2025年增加).
_COMPARED = re.compile(r"(?:比|较|与|同|和)\s*(20\d{2})\s*年度?")
NOT_THE_YEAR = re.compile(
    r"(?:截至|截止|至)\s*20\d{2}\s*年(?:底|末|\d{1,2}\s*月(?:\d{1,2}\s*日)?)?|" + _COMPARED.pattern
)


def years_named(text: str) -> list[int]:
    """The fiscal years a text names, in order, without dates and comparison bases."""
    return [int(y) for y in re.findall(r"(20\d{2})\s*年", NOT_THE_YEAR.sub(" ", text))]


def years_compared(text: str) -> list[int]:
    """The years a text compares with (比2025年 -> 2025)."""
    return [int(y) for y in _COMPARED.findall(text)]


def fact_year(fact: Fact) -> int | None:
    """The year a stated figure is for: the last year named in the words before it in its clause."""
    years = years_named(fact.subject)
    return years[-1] if years else None


def garbled_pages(facts: Sequence[Fact]) -> set[int]:
    """Pages whose text layer came out of order (a figure's sentence has glued numbers there): their
    figures no longer sit beside their words, so none of them answers a question."""
    return {f.provenance.page for f in facts if f.provenance.page is not None and GLUED.search(f.sentence)}


_AMOUNT = re.compile(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(亿元|万元|元)")


def expected_units(question: str) -> set[str]:
    for pattern, units in _UNIT_CUES:
        if pattern.search(question):
            return units
    return set(MONEY)


@dataclass(frozen=True)
class ScoredFact:
    fact: Fact
    score: float
    coverage: float


def keywords(question: str, drop: Sequence[str] = ()) -> list[str]:
    """Content words of a question: no department names, years, question words or punctuation."""
    q = re.sub(r"(?:几|多少)?辆车", "车辆", question)
    for word in sorted(drop, key=len, reverse=True):
        q = q.replace(word, " ")
    q = re.sub(r"20\d{2}\s*年度?", " ", q)
    q = _QUESTION_WORDS.sub(" ", q)
    return list(dict.fromkeys(tokenize(q)))


def coverage(words: Sequence[str], text: str) -> float:
    """Share of the question's content (by characters) that the text carries; a word is carried by any
    of its synonyms (公务车 by 车辆, 处室 by 内设机构: frame.toml [synonyms])."""
    total = sum(len(w) for w in words) or 1
    return sum(len(w) for w in words if any(x in text for x in synonyms(w))) / total


@cache
def synonyms(word: str) -> tuple[str, ...]:
    for group in frame_lexicon()["synonyms"]["groups"]:
        if word in group:
            return tuple(group)
    return (word,)


COUNT_UNITS = frozenset("个家辆人项名台套次所")
# Where the noun after a count ends: punctuation, a conjunction, or the verb of its clause
# (“2个预算单位开展了…编报工作”: the noun is 预算单位, not the whole clause; words in frame.toml).
_NOUN_END = re.compile(r"[，。；;、,（(）)]|" + "|".join(map(re.escape, frame_lexicon()["count_noun_ends"])))


def states_change(fact: Fact) -> bool:
    """“人员经费支出增加335.94万元”: the figure is a change from last year, not the amount itself."""
    return any(w in fact.subject[-6:] for w in frame_lexicon()["change_words"])


def counted_noun(fact: Fact) -> str:
    """The words after a count up to the end of its clause: “3个下属单位” -> 下属单位."""
    pos = fact.sentence.find(fact.raw)
    after = fact.sentence[pos + len(fact.raw) :] if pos >= 0 else ""
    m = _NOUN_END.search(after)
    return after[: m.start()] if m else after[:12]


def rank_facts(question: str, facts: Sequence[Fact], drop: Sequence[str] = ()) -> list[ScoredFact]:
    words = keywords(question, drop)
    units = expected_units(question)
    if not words:
        return []
    out = []
    for f in facts:
        if f.unit not in units:
            continue
        share = coverage(words, f.sentence)
        if not share:
            continue
        score = 2 * coverage(words, f.subject) + share - 1e-7 * (f.provenance.char_start or 0)
        if f.unit in COUNT_UNITS:  # "6个处室及3个下属单位": a count's noun follows it
            score += 2 * coverage(words, counted_noun(f))
        out.append(ScoredFact(f, score, share))
    return sorted(out, key=lambda s: -s.score)


@dataclass(frozen=True)
class StatedChange:
    """“X万元，比上年减少Y万元”: this year's figure (when stated in the clause) and the stated change."""

    fact: Fact
    current: Decimal | None
    current_unit: str | None
    delta: Decimal
    direction: str
    unit: str
    base: str

    @property
    def decrease(self) -> bool:
        return self.direction in {"减少", "下降", "降低", "减"}


def find_change(
    question: str,
    facts: Sequence[Fact],
    drop: Sequence[str] = (),
    percent: bool = False,
    required: Sequence[str] = (),
) -> StatedChange | None:
    """The stated change from last year of the question's metric: its clause (“X万元，比上年增加Y”, or
    “与上年相比，X增加Y”) must name it, with every `required` word (三公: not 机关运行经费's change).
    Money changes unless `percent`."""
    words = keywords(question, drop)
    best: tuple[float, int, StatedChange] | None = None
    seen: set[str] = set()
    for f in facts:
        if f.sentence in seen:
            continue
        seen.add(f.sentence)
        last_end = 0
        for m in _CHANGE.finditer(f.sentence):
            head = f.sentence[last_end : m.start()]
            last_end = m.end()
            if (m.group("unit") == "%") != percent:
                continue
            clause = re.split(r"[。；;]", head)[-1]
            hits = coverage(words, clause + m.group(0))
            if not hits or (required and coverage(required, clause + m.group(0)) < 1):
                continue
            amounts = _AMOUNT.findall(clause)
            num, unit = amounts[-1] if amounts else (None, None)
            change = StatedChange(
                f,
                Decimal(num.replace(",", "")) if num else None,
                unit,
                Decimal(m.group("num").replace(",", "")),
                m.group("dir"),
                m.group("unit"),
                re.sub(r"\s", "", m.group("base")),
            )
            key = (hits, -(f.provenance.char_start or 0))
            if best is None or key > best[:2]:
                best = (*key, change)
    return best[2] if best else None


_NUM = r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(万元|元)"
# Two stated figures of one 科目: (base, current). 编制说明: last year's execution vs this year's budget;
# 决算说明: the year's initial budget vs the final accounts.
PAIRS = {
    "execution": re.compile(rf"执行数为\s*{_NUM}[^。]*?预算安排\s*{_NUM}"),
    "initial_budget": re.compile(rf"年初预算(?:数)?为?\s*{_NUM}[^。]*?决算(?:数)?为?\s*{_NUM}"),
}


@dataclass(frozen=True)
class StatedPair:
    fact: Fact  # the sentence stating both figures
    base: Decimal
    current: Decimal
    unit: str
    quote: str  # from the 科目 to the second figure: “行政运行（项）。年初预算…支出决算3,883.48万元”


_NEXT_ITEM = re.compile(r"\n\s*(?:\d{1,2}\s*[.．、]|[（(][一二三四五六七八九十\d]+[)）])")


def find_stated_pair(
    label: str,
    kind: str,
    text: str,
    facts: Sequence[Fact],
    reach: int = 200,
    context: Sequence[str] = (),
) -> StatedPair | None:
    """Both figures of a pair stated right after the 科目 they describe (the closest one wins). With
    `context` (卫生健康管理事务 of “卫生健康管理事务的行政运行”), only a 科目 whose own item line carries
    those words: 行政运行 is a 项 of many 款."""
    pattern = PAIRS[kind]
    best: tuple[int, re.Match[str], int] | None = None
    for occurrence in re.finditer(re.escape(label), text) if label else ():
        start = occurrence.start()
        if context and coverage(context, text[max(text.rfind("。", 0, start), start - 80) : start]) < 0.5:
            continue
        m = pattern.search(text, occurrence.end(), occurrence.end() + reach)
        if m and _NEXT_ITEM.search(text, occurrence.end(), m.start()):
            continue  # the figures belong to the next item of the list (“16.…传染病医院（项）。年初预算…”)
        if m and m.group(2) == m.group(4):
            distance = m.start() - occurrence.end()
            if best is None or distance < best[0]:
                best = (distance, m, start)
    if best is None:
        return None
    m = best[1]
    covering = [
        f
        for f in facts
        if (f.provenance.char_start or 0) <= m.end()
        and m.start() <= (f.provenance.char_end or 0) + len(f.sentence)
    ]
    fact = min(covering, key=lambda f: abs((f.provenance.char_start or 0) - m.start()), default=None)
    if fact is None:
        return None
    return StatedPair(
        fact,
        Decimal(m.group(1).replace(",", "")),
        Decimal(m.group(3).replace(",", "")),
        m.group(2),
        text[best[2] : m.end()],
    )


def best_sentences(
    question: str, hits: Sequence[Hit], drop: Sequence[str] = (), limit: int = 3
) -> list[tuple[Hit, str, float]]:
    """Sentences of the retrieved passages that carry the question's words, best first."""
    words = keywords(question, drop)
    why = bool(re.search(r"为什么|原因|为何", question))
    define = bool(re.search(r"指什么|定义|意思|名词解释|是指", question))
    scored: list[tuple[float, int, Hit, str]] = []
    for rank, hit in enumerate(hits):
        for sentence in re.split(r"(?<=[。！？；\n])", hit.chunk.text):
            s = sentence.strip()
            if len(s) < 4:
                continue
            overlap = coverage(words, s)
            if overlap:
                bonus = 0.5 if why and "原因" in s else 0.0
                bonus += 0.5 if define and "名词解释" in hit.chunk.provenance.section_path else 0.0
                scored.append((overlap + bonus - 0.02 * rank, rank, hit, s))
    scored.sort(key=lambda x: -x[0])
    return [(hit, s, coverage(words, s)) for _, _, hit, s in scored[:limit]]
