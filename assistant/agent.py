"""The deterministic planner: resolve documents -> find cells or figures -> compute -> compose -> cite.

Every number in an answer comes from a stored cell or a stated figure, and arithmetic happens in calc.py.
When nothing in the store supports an answer, the answer is a refusal that says what the store holds."""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant import calc
from assistant.answer_checks import mismatch
from assistant.citations import (
    doc_label,
)
from assistant.columns import frame_lexicon, table_mention
from assistant.compose import Evidence, same_unit, where, yes_no_answer
from assistant.lookup import Target, find_targets, question_key
from assistant.orgs import lexicon as org_lexicon
from assistant.question import (
    CHANGE,
    CONSISTENCY,
    COUNT,
    DIFF,
    SHARE,
    STATED_CHANGE,
    SUM,
    TEXT,
    WHY,
    asked_unit,
    asks_several,
    asks_signed,
    doc_words,
    expand_follow_up,
    is_follow_up,
    main_target,
    mention,
    older_year,
    operand_phrases,
    parallel,
    residual,
    strip_names,
    uncovered,
)
from assistant.resolve import resolve_documents
from assistant.steps import NoEvidence
from assistant.steps_stated import StatedSteps
from assistant.steps_text import TextSteps
from assistant.types import Answer, DocumentRecord


class Planner(TextSteps, StatedSteps):
    """FixedPlan: the default, rule-based agent. Needs no language model."""

    def answer(
        self, question: str, history: Sequence[Answer] = (), scope: Sequence[str] | None = None
    ) -> Answer:
        docs = [d for d in self.store.documents() if scope is None or d.doc_id in scope]
        if any(w in question for w in frame_lexicon()["inventory"]):
            return self._inventory(question, docs)
        previous = [d for d in docs if history and d.doc_id in history[-1].doc_ids]
        if history and is_follow_up(question):
            question = expand_follow_up(question, history[-1])
        resolution = resolve_documents(question, docs, previous)
        if resolution.refusal and resolution.candidates:
            same = self._same_everywhere(question, resolution.candidates)
            if same:
                return same
        if resolution.refusal:
            return self._refuse(question, resolution.refusal)
        chosen = resolution.docs
        try:
            answer = yes_no_answer(question, self._plan(question, chosen))
        except NoEvidence as exc:
            return self._refuse(question, str(exc), chosen)
        why = mismatch(question, answer, chosen) or self._outside_named_table(question, answer, chosen)
        if why:
            return self._refuse(question, why, chosen)
        if resolution.note:
            answer = answer.model_copy(update={"text": answer.text + resolution.note})
        return answer

    def _same_everywhere(self, q: str, docs: Sequence[DocumentRecord]) -> Answer | None:
        """The question fits several disclosures (部门 and 本级 of one department): answered only when
        each of them gives the same answer (the same duty clause, the same figure)."""
        answers = []
        for doc in docs:
            try:
                answer = yes_no_answer(q, self._plan(q, [doc]))
            except NoEvidence:
                return None
            if answer.status != "answered" or mismatch(q, answer, [doc]):
                return None
            answers.append(answer)
        shown = {(a.value, a.unit, re.sub(r"第\d+页|[（(]来源[^）)]*[）)]", "", a.text)) for a in answers}
        if len(shown) != 1:
            return None
        labels = "、".join(f"{doc_label(d)}（{d.scope_label or d.scope}）" for d in docs)
        cited = [c for a in answers for c in a.citations]  # each disclosure's own source
        return answers[0].model_copy(
            update={
                "text": answers[0].text + f"（{labels}中此项相同）",
                "citations": tuple(c.model_copy(update={"key": f"c{i + 1}"}) for i, c in enumerate(cited)),
                "doc_ids": tuple(d.doc_id for d in docs),
            }
        )

    def _inventory(self, q: str, docs: Sequence[DocumentRecord]) -> Answer:
        """“哪些部门的公开文件在库里？”: what the store holds, by department."""
        if not docs:
            return self._refuse(q, "知识库中还没有任何文件。")
        by_dept: dict[str, list[str]] = {}
        for d in sorted(docs, key=lambda d: (d.department, d.year)):
            by_dept.setdefault(d.department, []).append(doc_label(d).removeprefix(d.department))
        lines = "；".join(f"{dept}（{'、'.join(held)}）" for dept, held in by_dept.items())
        text = f"库中有{len(by_dept)}个部门的{len(docs)}份公开文件：{lines}。"
        return self._answer(q, text, list(docs), None, None, None, [])

    def _plan(self, question: str, docs: list[DocumentRecord]) -> Answer:
        q = question
        drop = doc_words(docs)
        if CONSISTENCY.search(q):
            return self._consistency(q, docs, drop)
        duty = self._duty(q, docs[0]) if len(docs) == 1 else None
        if duty:
            return duty
        if WHY.search(q) or (TEXT.search(q) and not COUNT.search(q) and not asked_unit(q)):
            return self._text(q, docs, drop)
        # Figures the 说明 states item by item (执行数 vs 预算安排, 年初预算 vs 决算): the newest document
        # states both, so it answers even when the question names last year too.
        pair_kind = "execution" if "执行数" in q else ("initial_budget" if "年初预算" in q else None)
        if pair_kind:
            for doc in sorted(docs, key=lambda d: -d.year):
                pair = self._stated_pair(q, doc, pair_kind)
                if pair:
                    return pair
        same_department = len({d.department for d in docs}) == 1
        if same_department and len(docs) >= 2:
            if re.search(r"推算|据此|根据", q):
                docs = [max(docs, key=lambda d: d.year)]
            elif (SUM.search(q) or "分别" in q) and not CHANGE.search(q) and not DIFF.search(q):
                return self._per_document(q, docs)
            else:
                return self._change(q, docs)
        if len(docs) > 1:
            return self._per_document(q, docs)
        doc = docs[0]
        several = self._several(q, doc, drop) if asks_several(q) else None
        if several:
            return several
        if (
            older_year(q, doc)
            or re.search(r"推算|据此|上年(?!结转|结余)|去年|上一年", q)
            or STATED_CHANGE.search(q)
        ):
            stated = self._stated_change(q, doc, drop)
            if stated:
                return stated
        if COUNT.search(q):
            return self._figure(q, doc, drop)
        if SHARE.search(q):
            return self._share(q, doc)
        targets = self._targets(q, doc)
        asked = [t for t in targets if not t.qualifier]  # “基本支出里基本工资比绩效工资多多少”
        total_diff = self._total_minus_item(q, doc, asked) if len(asked) == 1 and DIFF.search(q) else None
        if total_diff:
            return total_diff
        if len(asked) >= 2 and DIFF.search(q):
            frame = operand_phrases(strip_names(q, [doc]))
            if frame and (frame[0] == "measures" or not all(self._targets(p, doc) for p in frame[1])):
                # “行政运行的决算比年初预算多多少”: one row's two measures, not two rows
                raise NoEvidence("没有找到这项比较所需的两个数。")
            operands = asked[:2]
            if frame:  # each operand is the last thing its phrase names (“基本支出口径下，201…比…”)
                named = [[t for t in self._targets(p, doc) if not t.qualifier] for p in frame[1]]
                if all(named):
                    operands = [next((t for t in ts if t.code), ts[-1]) for ts in named]
            a, b = (self._evidence(q, t, doc) for t in operands)
            if a.citations[0].cell_id and a.citations[0].cell_id == b.citations[0].cell_id:
                raise NoEvidence(f"两个数都只找到同一个数（{a.label}），无法相减。")
            return self._compose_calc(
                q, [doc], calc.difference(a.value, same_unit(b, a.unit), a.unit), [a, b]
            )
        if len(asked) >= 2 and SUM.search(q) and parallel(q, asked, doc):
            evs = [self._evidence(q, t, doc) for t in asked]
            unit = evs[0].unit
            return self._compose_calc(q, [doc], calc.total([same_unit(e, unit) for e in evs], unit), evs)
        if targets:
            try:
                return self._lookup(q, doc, main_target(targets))
            except NoEvidence:
                pass
        total = self._table_total(q, doc)
        if total:
            return self._evidence_answer(q, doc, total)
        column = self._column_lookup(q, doc)
        return column if column else self._figure(q, doc, drop)

    def _total_minus_item(self, q: str, doc: DocumentRecord, asked: list[Target]) -> Answer | None:
        """“一般公共预算支出表里，合计比教育支出多了多少”: the total row of the table the question names,
        minus the item read from that same table."""
        frame = operand_phrases(strip_names(q, [doc]))
        if not frame or frame[0] != "difference" or not re.search(r"(?:合计|总计)$", frame[1][0].strip()):
            return None
        total = self._table_total(frame[1][0], doc)
        if total is None:
            return None
        item = self._evidence(q, asked[0], doc)
        if total.citations[0].table != item.citations[0].table:
            return None  # both from the table the question names, or no answer
        return self._compose_calc(
            q, [doc], calc.difference(total.value, same_unit(item, total.unit), total.unit), [total, item]
        )

    def _lookup(self, q: str, doc: DocumentRecord, target: Target) -> Answer:
        ev = self._evidence(q, target, doc)
        unit = asked_unit(q)
        value, shown_unit = ev.value, ev.unit
        extra = ""
        if unit and unit not in {"%", ev.unit}:
            value, shown_unit = calc.in_unit(ev.value, ev.unit, unit), unit
            shown = calc.fmt(ev.value, ev.unit)
            extra = f"（表中为{shown}，{shown} = {calc.fmt(value, unit)}）"
        source = where(ev.citations[0])
        text = f"{doc_label(doc)}中，{ev.label}为{calc.fmt(value, shown_unit)}{extra}。{source}"
        return self._answer(q, text, [doc], value, shown_unit, None, ev.citations)

    def _share(self, q: str, doc: DocumentRecord) -> Answer:
        key = strip_names(q, [doc])
        # "A占B的比例" / "A是B的百分之几": the part before the marker, the whole after it
        left, _, right = key.partition("占") if "占" in key else key.rpartition("是")
        inside = re.search(r"在(?P<whole>[^，。？?]{2,30}?)(?:中|里|之中)$", left)
        if inside:  # “A在B中占比多少”: the whole is named before 占
            left, right = left[: inside.start()], inside.group("whole") + right
        cells = self.store.cells([doc.doc_id])
        part_targets = find_targets(left, cells)
        whole_targets = find_targets(right, cells)
        if part_targets and not whole_targets and part_targets[0].code:  # “该科目支出合计”: the same row
            whole_targets = [part_targets[0]]
        tables = self.store.tables(doc.doc_id)
        phrases: tuple[str, str] | None = (
            residual(table_mention(left, tables)[1], part_targets),
            residual(table_mention(right, tables)[1], whole_targets),
        )
        if not whole_targets and len(part_targets) >= 2 and part_targets[0].qualifier:
            whole_targets, part_targets = part_targets[:1], part_targets[1:]  # “基本支出中，人员经费占多少”
            keyed = question_key(table_mention(left, tables)[1])
            w = whole_targets[0]
            phrases = (residual(keyed, part_targets)[w.end :], keyed[: w.start])
        joint = (
            self._pair_in_one_table(q, main_target(part_targets), main_target(whole_targets), doc)
            if part_targets and whole_targets
            else None
        )
        if joint:
            return self._share_of(q, doc, *joint, phrases=phrases)
        a = (
            self._evidence(left, main_target(part_targets), doc)
            if part_targets
            else self._column_evidence(left, doc)
        )
        b = self._evidence(right, main_target(whole_targets), doc) if whole_targets else None
        if a is None or b is None:
            raise NoEvidence("没有找到计算比例所需的两个数。")
        return self._share_of(q, doc, a, b, phrases=phrases)

    def _share_of(
        self, q: str, doc: DocumentRecord, a: Evidence, b: Evidence, phrases: tuple[str, str] | None = None
    ) -> Answer:
        for ev, phrase in zip((a, b), phrases or (), strict=False):
            c = ev.citations[0]  # “财政拨款基本支出”: a 基本支出 from a table of all funds is another base
            labels = (c.table or "", c.row or "", c.column or "", c.section or "", ev.label, doc.department)
            left = uncovered(phrase, *labels, *org_lexicon()["generic"])
            if left:
                raise NoEvidence(f"没有找到“{'、'.join(left)}”口径的{ev.label}，无法计算占比。")
        if a.citations[0].cell_id and a.citations[0].cell_id == b.citations[0].cell_id:
            raise NoEvidence(f"部分与整体都只找到同一个数（{a.label}），无法计算占比。")
        whole = same_unit(b, a.unit)
        if not whole:
            raise NoEvidence(f"{b.label}为0，无法计算比例。")
        if a.value > whole > 0:  # a part never exceeds its whole: the operands are not part and whole
            raise NoEvidence(f"{a.label}大于{b.label}，二者不是部分与整体，无法计算占比。")
        calculation = calc.share(a.value, whole)
        return self._compose_calc(q, [doc], calculation, [a, b])

    def _per_document(self, q: str, docs: list[DocumentRecord]) -> Answer:
        evs = []
        for doc in sorted(docs, key=lambda d: mention(q, d)):
            targets = self._targets(q, doc)
            if targets:
                try:
                    evs.append(self._evidence(q, main_target(targets), doc))
                except NoEvidence:
                    continue
        if len(evs) < 2:
            raise NoEvidence("没有找到可比较的数据。")
        unit = evs[0].unit
        values = [same_unit(e, unit) for e in evs]
        used = [e.doc for e in evs if e.doc]
        if SUM.search(q) or "加起来" in q:
            return self._compose_calc(q, used, calc.total(values, unit), evs)
        if DIFF.search(q) or "多多少" in q:
            a, b = (values[1], values[0]) if "相差" in q and values[1] > values[0] else (values[0], values[1])
            return self._compose_calc(q, used, calc.difference(a, b, unit), evs)
        lines = [f"{doc_label(e.doc)}：{e.label}为{calc.fmt(e.value, e.unit)}" for e in evs if e.doc]
        text = "；".join(lines) + "。"
        if re.search(r"哪个|谁|更多|更少|较多|较少|最", q):
            top = max(evs, key=lambda e: same_unit(e, unit))
            text += f"较多的是{top.doc.department if top.doc else ''}。"
        return self._answer(q, text, used, None, None, None, [c for e in evs for c in e.citations])

    def _change(self, q: str, docs: list[DocumentRecord]) -> Answer:
        docs = sorted(docs, key=lambda d: d.year)
        old, new = docs[0], docs[-1]
        new_targets, old_targets = self._targets(q, new), self._targets(q, old)
        if not new_targets or not old_targets:
            raise NoEvidence("没有找到要比较的项目。")
        a = self._evidence(q, main_target(new_targets), new)
        b = self._evidence(q, main_target(old_targets), old)
        calculation, rate = calc.change(a.value, same_unit(b, a.unit), a.unit)
        if asked_unit(q) == "%" and rate is not None:
            trend = "增长" if rate > 0 else "下降"
            text = (
                f"{a.label}：{new.year}年{calc.fmt(a.value, a.unit)}，"
                f"{old.year}年{calc.fmt(b.value, b.unit)}，{trend}{calc.fmt(abs(rate), '%', 2)}；"
                f"{calculation.expression}。"
            )
            return self._answer(
                q,
                text,
                [new, old],
                calc.quantize(rate if asks_signed(q) else abs(rate), 2),
                "%",
                calculation,
                a.citations + b.citations,
                derived=True,
            )
        word = "增加" if calculation.result > 0 else ("减少" if calculation.result < 0 else "持平")
        value = calculation.result if asks_signed(q) else abs(calculation.result)
        text = (
            f"{a.label}：{new.year}年为{calc.fmt(a.value, a.unit)}，"
            f"{old.year}年为{calc.fmt(b.value, b.unit)}，"
            f"{new.year}年比{old.year}年{word}{calc.fmt(abs(value), a.unit)}"
            + (
                f"（{'增长' if calculation.result > 0 else '下降'}{calc.fmt(abs(rate), '%', 2)}）"
                if rate is not None
                else ""
            )
            + "。"
        )
        return self._answer(
            q, text, [new, old], value, a.unit, calculation, a.citations + b.citations, derived=True
        )

    def _column_lookup(self, q: str, doc: DocumentRecord) -> Answer | None:
        ev = self._column_evidence(q, doc)
        return self._evidence_answer(q, doc, ev) if ev else None

    def _evidence_answer(self, q: str, doc: DocumentRecord, ev: Evidence) -> Answer:
        value, unit = ev.value, ev.unit
        wanted = asked_unit(q)
        if wanted and wanted != "%" and wanted != unit:
            value, unit = calc.in_unit(value, unit, wanted), wanted
        text = f"{doc_label(doc)}中，{ev.label}为{calc.fmt(value, unit)}。{where(ev.citations[0])}"
        return self._answer(q, text, [doc], value, unit, None, ev.citations)
