"""Scoring one answer against its EvalCase: numbers after unit conversion, phrases, refusals, citations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from assistant.textnorm import UNIT_FACTORS, label_key
from assistant.types import Answer
from eval.dataset import EvalCase

_DIRECTION = {"增加", "减少", "增长", "下降"}


def numeric_match(case: EvalCase, answer: Answer) -> bool:
    """Value within tol after converting the answer into the gold unit (元/万元/亿元); % and counts as is."""
    if answer.value is None or case.value is None:
        return False
    value, gold = Decimal(str(answer.value)), Decimal(str(case.value))
    if answer.unit != case.unit:
        if answer.unit in UNIT_FACTORS and case.unit in UNIT_FACTORS:
            value = value * UNIT_FACTORS[answer.unit] / UNIT_FACTORS[case.unit]
        elif not (answer.unit in {"个", "项", "家"} and case.unit in {"个", "项", "家"}):
            return False
    tol = Decimal(str(case.tol))
    if set(case.expect_all) & _DIRECTION:  # "增加还是减少了多少": the words carry the sign
        return abs(abs(value) - abs(gold)) <= tol
    return abs(value - gold) <= tol


_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def _has(phrase: str, text: str, numbers: set[Decimal]) -> bool:
    """A phrase is in the text; a phrase that is a number matches the same number however it is
    printed (“5000” and “5,000.00”)."""
    if label_key(phrase) in label_key(text):
        return True
    return bool(_NUMBER.fullmatch(phrase)) and Decimal(phrase.replace(",", "")) in numbers


def phrases_match(case: EvalCase, text: str) -> bool:
    numbers = {Decimal(n.replace(",", "")) for n in _NUMBER.findall(text)}
    if not all(_has(p, text, numbers) for p in case.expect_all):
        return False
    return not case.expect_any or any(_has(p, text, numbers) for p in case.expect_any)


def citation_ok(case: EvalCase, answer: Answer) -> bool:
    """The answer cites one of the gold documents, and (when given) a source phrase."""
    if not answer.citations:
        return False
    in_docs = [
        c for c in answer.citations if not case.docs or any(c.source_file.endswith(d) for d in case.docs)
    ]
    if not in_docs:
        return False
    if not case.source:
        return True
    blob = [
        label_key(" ".join(filter(None, [c.table, c.row, c.column, c.quote, c.section]))) for c in in_docs
    ]
    return any(label_key(s) in b for s in case.source for b in blob)


@dataclass(frozen=True)
class Score:
    correct: bool
    citation: bool | None  # None for refusals
    reason: str


def score(case: EvalCase, answer: Answer) -> Score:
    if case.type == "refusal":
        ok = answer.status == "refused" and answer.value is None
        return Score(ok, None, "" if ok else "answered a question the documents cannot answer")
    if answer.status == "refused":
        return Score(False, False, "refused an answerable question")
    cited = citation_ok(case, answer)
    if case.type == "number":
        ok = numeric_match(case, answer) and phrases_match(case, answer.text)
        why = "" if ok else f"value {answer.value} {answer.unit} != {case.value} {case.unit}"
    else:
        ok = phrases_match(case, answer.text)
        why = "" if ok else "missing phrases"
    if (
        ok
        and case.docs
        and not any(any(c.source_file.endswith(d) for d in case.docs) for c in answer.citations)
    ):
        ok, why = False, "cites none of the gold documents"
    return Score(ok, cited, why)
