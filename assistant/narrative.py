"""Answers from the narrative: stated figures (facts), quoted sentences, and last year's figures derived
from a stated change (比上年减少X)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.retrieval import Hit, tokenize
from assistant.types import Fact

_UNIT_CUES = [
    (re.compile(r"几辆|多少辆|车辆数|车辆|几台"), {"辆", "台"}),
    (re.compile(r"几家|多少家"), {"家", "个"}),
    (re.compile(r"多少人|几人|人数|编制数|人员数"), {"人"}),
    (re.compile(r"几个|多少个|几项|多少项"), {"个", "项"}),
    (re.compile(r"百分之|百分比|%|比例|比重|增长率|下降率|幅度"), {"%"}),
]
_MONEY = {"元", "千元", "万元", "亿元"}
_CHANGE = re.compile(
    r"比(?P<base>上年|上一年|去年|20\d{2}年度?)[^，。；]*?(?P<dir>增加|减少|下降|增长|降低|减)(?:了)?"
    r"(?P<num>\d+(?:,\d{3})*(?:\.\d+)?)(?P<unit>亿元|万元|元)"
)


def expected_units(question: str) -> set[str]:
    for pattern, units in _UNIT_CUES:
        if pattern.search(question):
            return units
    return _MONEY


@dataclass(frozen=True)
class ScoredFact:
    fact: Fact
    score: float
    coverage: float


def keywords(question: str, drop: Sequence[str] = ()) -> list[str]:
    q = question
    for word in sorted(drop, key=len, reverse=True):
        q = q.replace(word, " ")
    q = re.sub(r"20\d{2}\s*年度?", " ", q)
    return list(dict.fromkeys(tokenize(q)))


def rank_facts(question: str, facts: Sequence[Fact], drop: Sequence[str] = ()) -> list[ScoredFact]:
    words = keywords(question, drop)
    units = expected_units(question)
    if not words:
        return []
    out = []
    for f in facts:
        if f.unit not in units:
            continue
        subject_hits = sum(1 for w in words if w in f.subject)
        sentence_hits = sum(1 for w in words if w in f.sentence)
        if not sentence_hits:
            continue
        score = 2 * subject_hits + sentence_hits - 0.001 * (f.provenance.char_start or 0) / 1000
        out.append(ScoredFact(f, score, sentence_hits / len(words)))
    return sorted(out, key=lambda s: -s.score)


@dataclass(frozen=True)
class Derivation:
    fact: Fact
    current: Decimal
    delta: Decimal
    direction: str
    unit: str
    base: str


def find_change(question: str, facts: Sequence[Fact], drop: Sequence[str] = ()) -> Derivation | None:
    """A sentence stating this year's figure and its change from last year, for the question's metric."""
    words = keywords(question, drop)
    best: tuple[float, Derivation] | None = None
    for f in facts:
        m = _CHANGE.search(f.sentence)
        if not m:
            continue
        head = f.sentence[: m.start()]
        amounts = re.findall(r"(\d+(?:,\d{3})*(?:\.\d+)?)\s*(亿元|万元|元)", head)
        if not amounts:
            continue
        hits = sum(1 for w in words if w in head) + 0.5 * sum(1 for w in words if w in f.sentence)
        if hits and (best is None or hits > best[0]):
            num, unit = amounts[-1]
            if unit != m.group("unit"):
                continue
            best = (hits, Derivation(f, Decimal(num.replace(",", "")), Decimal(m.group("num").replace(",", "")),
                                     m.group("dir"), unit, m.group("base")))
    return best[1] if best else None


def best_sentences(question: str, hits: Sequence[Hit], drop: Sequence[str] = (), limit: int = 3
                   ) -> list[tuple[Hit, str, float]]:
    """Sentences of the retrieved passages that carry the question's words, best first."""
    words = keywords(question, drop)
    scored: list[tuple[float, int, Hit, str]] = []
    for rank, hit in enumerate(hits):
        for sentence in re.split(r"(?<=[。！？；\n])", hit.chunk.text):
            s = sentence.strip()
            if len(s) < 4:
                continue
            overlap = sum(len(w) for w in words if w in s)
            if overlap:
                scored.append((overlap - 0.1 * rank, rank, hit, s))
    scored.sort(key=lambda x: -x[0])
    total = sum(len(w) for w in words) or 1
    return [(hit, s, score / total) for score, _, hit, s in scored[:limit]]
