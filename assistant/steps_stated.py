"""Answers from figures the 说明 states: changes from last year (比上年增减), last year's figure derived
from them, and pairs stated item by item (执行数 / 预算安排, 年初预算 / 决算)."""

from __future__ import annotations

import re

from assistant import calc
from assistant.citations import cite_fact
from assistant.narrative import find_change, find_stated_pair, keywords
from assistant.question import (
    DIFF,
    GENERIC_WORDS,
    STATED_CHANGE,
    asked_unit,
    asks_signed,
    main_target,
    strip_names,
)
from assistant.steps import Steps
from assistant.types import Answer, DocumentRecord


class StatedSteps(Steps):
    def _stated_change(self, q: str, doc: DocumentRecord, drop: list[str]) -> Answer | None:
        """“比上年减少X”: the change itself, its rate, or last year's figure derived from it."""
        facts = self._facts(doc)
        wants_rate = asked_unit(q) == "%"
        key = strip_names(q, [doc])
        targets = self._targets(q, doc)  # the item asked (三公) must be the one whose change is stated
        label = main_target(targets).label if targets else ""
        required = [w for w in keywords(label) if w not in GENERIC_WORDS]
        change = find_change(key, facts, drop, percent=wants_rate, required=required)
        if change is None and wants_rate:  # a rate from a stated amount: 减少X ÷ 上年数
            change = find_change(key, facts, drop, required=required)
        if change is None:
            return None
        cite = [cite_fact(change.fact, doc)]
        base = change.base if change.base not in {"上年", "上一年", "去年"} else f"{doc.year - 1}年（上年）"
        quote = f"文中写明“{change.fact.sentence[:90]}”"
        asks_change = bool(STATED_CHANGE.search(q)) and not re.search(r"推算|据此", q)
        if change.unit == "%":
            if asks_change and asked_unit(q) == "%":
                text = f"{quote}，即{calc.fmt(change.delta, '%')}。"
                return self._answer(q, text, [doc], change.delta, "%", None, cite)
            return None
        current, unit = change.current, change.current_unit or change.unit
        if current is None:
            targets = self._targets(q, doc)
            if not targets:
                return None
            ev = self._evidence(q, main_target(targets), doc)
            current, unit = calc.in_unit(ev.value, ev.unit, change.unit), change.unit
            cite = ev.citations + cite
        delta = calc.in_unit(change.delta, change.unit, unit)
        prior = calc.derive_prior(current, delta, change.direction, unit)
        if asks_change and asked_unit(q) == "%":
            rate = calc.share(delta, prior.result)
            text = f"{quote}。上年数 = {prior.expression}；{change.direction}幅度 = {rate.expression}。"
            return self._answer(q, text, [doc], calc.quantize(rate.result, 2), "%", rate, cite, derived=True)
        if asks_change:
            signed = -delta if change.decrease and asks_signed(q) else delta
            text = f"{quote}，即比{base}{change.direction}{calc.fmt(delta, unit)}。"
            return self._answer(q, text, [doc], signed, unit, None, cite)
        text = f"文件未直接给出{base}数，{quote}，据此推算{base}数：{prior.expression}。"
        return self._answer(q, text, [doc], prior.result, unit, prior, cite, derived=True)

    def _stated_pair(self, q: str, doc: DocumentRecord, kind: str) -> Answer | None:
        """“比上年预算执行数增减多少” / “决算比年初预算少多少”: both figures stated by the 科目's item."""
        targets = self._targets(q, doc)
        cells = self.store.cells([doc.doc_id])
        main = [main_target(targets)] if targets else []  # “卫生健康管理事务的行政运行”: 行政运行
        labels = [t.row_key or t.label for t in main if not t.code] + [
            c.row_label for t in main if t.code for c in cells if c.code == t.code
        ][:1]
        text = self.store.document_text(doc.doc_id)
        facts = self._facts(doc)
        names = ("上年预算执行数", "预算安排") if kind == "execution" else ("年初预算", "决算")
        for label in labels:
            key = strip_names(q, [doc])  # “卫生健康管理事务的行政运行”: the words naming where the 科目 is
            before = re.split(r"[，,。；;：:]", key[: key.find(label)])[-1] if label in key else ""
            context = [w for w in keywords(before) if w not in GENERIC_WORDS and len(w) >= 2]
            pair = find_stated_pair(label, kind, text, facts, context=context)
            if pair is None:
                continue
            cite = [cite_fact(pair.fact, doc)]
            quote = f"文中写明“{pair.quote[:160]}”"
            asked = [n for n in names if n in q]
            if not DIFF.search(q) and len(asked) == 1:  # one figure of the pair: “年初预算是多少”
                value = pair.base if asked[0] == names[0] else pair.current
                return self._answer(
                    q,
                    f"{quote}，即{asked[0]}{calc.fmt(value, pair.unit)}。",
                    [doc],
                    value,
                    pair.unit,
                    None,
                    cite,
                )
            calculation = calc.difference(pair.current, pair.base, pair.unit)
            word = "增加" if calculation.result > 0 else ("减少" if calculation.result < 0 else "持平")
            text_ = (
                f"{quote}：{names[1]}{calc.fmt(pair.current, pair.unit)}，"
                f"{names[0]}{calc.fmt(pair.base, pair.unit)}，"
                f"{word}{calc.fmt(abs(calculation.result), pair.unit)}"
                f"（{calculation.expression}）。"
            )
            value = calculation.result if asks_signed(q) else abs(calculation.result)
            return self._answer(q, text_, [doc], value, pair.unit, calculation, cite, derived=True)
        return None
