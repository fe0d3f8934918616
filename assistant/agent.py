"""The deterministic planner: resolve documents -> find cells or figures -> compute -> compose -> cite.

Every number in an answer comes from a stored cell or a stated figure, and arithmetic happens in calc.py.
When nothing in the store supports an answer, the answer is a refusal that says what the store holds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from assistant import calc
from assistant.citations import (
    cite_cell,
    cite_fact,
    cite_table_note,
    cite_text,
    doc_label,
    number_keys,
)
from assistant.compose import Evidence, cell_label, same_unit, where
from assistant.lookup import CONCEPTS, Target, column_targets, find_targets, infer_unit, select_cells
from assistant.narrative import best_sentences, find_change, find_stated_pair, rank_facts
from assistant.question import (
    CHANGE,
    COUNT,
    DEFINE,
    DIFF,
    SECTION_INTENTS,
    SHARE,
    STATED_CHANGE,
    SUM,
    TEXT,
    WHY,
    asked_unit,
    asks_signed,
    doc_words,
    expand_follow_up,
    has_specific_word,
    is_follow_up,
    main_target,
    mention,
    older_year,
    parallel,
    strip_names,
)
from assistant.resolve import resolve_documents
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.stores import Store
from assistant.types import Answer, Calculation, Chunk, Citation, DocumentRecord, TableCell, TableRecord


class Planner:
    """FixedPlan: the default, rule-based agent. Needs no language model."""

    def __init__(self, store: Store, retriever: Retriever, settings: Settings) -> None:
        self.store = store
        self.retriever = retriever
        self.settings = settings

    # ----- entry ---------------------------------------------------------------------------------
    def answer(
        self, question: str, history: Sequence[Answer] = (), scope: Sequence[str] | None = None
    ) -> Answer:
        docs = [d for d in self.store.documents() if scope is None or d.doc_id in scope]
        previous = [d for d in docs if history and d.doc_id in history[-1].doc_ids]
        resolution = resolve_documents(question, docs, previous)
        if resolution.refusal:
            return self._refuse(question, resolution.refusal)
        chosen = resolution.docs
        if history and is_follow_up(question):
            question = expand_follow_up(question, history[-1])
        try:
            answer = self._plan(question, chosen)
        except _NoEvidence as exc:
            return self._refuse(question, str(exc), chosen)
        if resolution.note:
            answer = answer.model_copy(update={"text": answer.text + resolution.note})
        return answer

    def _plan(self, question: str, docs: list[DocumentRecord]) -> Answer:
        q = question
        drop = doc_words(docs)
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
        if len(targets) >= 2 and DIFF.search(q):
            a, b = (self._evidence(q, t, doc) for t in targets[:2])
            return self._compose_calc(
                q, [doc], calc.difference(a.value, same_unit(b, a.unit), a.unit), [a, b]
            )
        if len(targets) >= 2 and SUM.search(q) and parallel(q, targets, doc):
            evs = [self._evidence(q, t, doc) for t in targets]
            unit = evs[0].unit
            return self._compose_calc(q, [doc], calc.total([same_unit(e, unit) for e in evs], unit), evs)
        if targets:
            try:
                return self._lookup(q, doc, main_target(targets))
            except _NoEvidence:
                pass
        column = self._column_lookup(q, doc)
        return column if column else self._figure(q, doc, drop)

    def metric(self, doc: DocumentRecord, name: str) -> Evidence | None:
        """A named concept (“三公”经费, 基本支出 …) of one document, or None when it has none."""
        concept = next((c for c in CONCEPTS if c.name == name), None)
        if concept is None:
            return None
        try:
            return self._evidence(name, Target(label=name, start=0, concept=concept), doc)
        except _NoEvidence:
            return None

    # ----- table lookups -------------------------------------------------------------------------
    def _targets(self, q: str, doc: DocumentRecord) -> list[Target]:
        return find_targets(strip_names(q, [doc]), self.store.cells([doc.doc_id]))

    def _evidence(self, q: str, target: Target, doc: DocumentRecord) -> Evidence:
        tables = self.store.tables(doc.doc_id)
        cells = self.store.cells([doc.doc_id])
        picked = select_cells(q, target, tables, cells, doc.kind)
        if picked:
            return self._cell_evidence(picked[0], cell_label(picked[0], target), tables, cells, doc)
        if target.concept:
            empty = [t for t in tables if t.table_type in target.concept.tables and t.empty]
            if empty:
                t = empty[0]
                return Evidence(
                    Decimal(0), t.unit or "元", target.concept.name, [cite_table_note(t, doc)], doc
                )
            named = [
                f
                for f in self.store.facts([doc.doc_id])
                if f.unit in {"万元", "元", "亿元"} and target.concept.pattern.search(f.subject)
            ]
            facts = rank_facts(target.concept.name, named)
            if facts:
                f = facts[0].fact
                return Evidence(f.value, f.unit, target.concept.name, [cite_fact(f, doc)], doc)
        raise _NoEvidence(f"{doc_label(doc)}中没有找到“{target.label}”的数据。")

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
        left, _, right = strip_names(q, [doc]).partition("占")
        cells = self.store.cells([doc.doc_id])
        part_targets = find_targets(left, cells)
        whole_targets = find_targets(right, cells)
        if part_targets and not whole_targets and part_targets[0].code:  # “该科目支出合计”: the same row
            whole_targets = [part_targets[0]]
        a = (
            self._evidence(left, main_target(part_targets), doc)
            if part_targets
            else self._column_evidence(left, doc)
        )
        b = self._evidence(right, main_target(whole_targets), doc) if whole_targets else None
        if a is None or b is None:
            raise _NoEvidence("没有找到计算比例所需的两个数。")
        calculation = calc.share(a.value, same_unit(b, a.unit))
        return self._compose_calc(q, [doc], calculation, [a, b])

    def _per_document(self, q: str, docs: list[DocumentRecord]) -> Answer:
        evs = []
        for doc in sorted(docs, key=lambda d: mention(q, d)):
            targets = self._targets(q, doc)
            if targets:
                try:
                    evs.append(self._evidence(q, main_target(targets), doc))
                except _NoEvidence:
                    continue
        if len(evs) < 2:
            raise _NoEvidence("没有找到可比较的数据。")
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
            raise _NoEvidence("没有找到要比较的项目。")
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

    def _stated_change(self, q: str, doc: DocumentRecord, drop: list[str]) -> Answer | None:
        """“比上年减少X”: the change itself, its rate, or last year's figure derived from it."""
        facts = self.store.facts([doc.doc_id])
        wants_rate = asked_unit(q) == "%"
        change = find_change(strip_names(q, [doc]), facts, drop, percent=wants_rate)
        if change is None and wants_rate:  # a rate from a stated amount: 减少X ÷ 上年数
            change = find_change(strip_names(q, [doc]), facts, drop)
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
        labels = [t.row_key or t.label for t in targets if not t.code] + [
            c.row_label for t in targets if t.code for c in cells if c.code == t.code
        ][:1]
        text = self.store.document_text(doc.doc_id)
        facts = self.store.facts([doc.doc_id])
        for label in labels:
            pair = find_stated_pair(label, kind, text, facts)
            if pair is None:
                continue
            calculation = calc.difference(pair.current, pair.base, pair.unit)
            word = "增加" if calculation.result > 0 else ("减少" if calculation.result < 0 else "持平")
            names = ("上年预算执行数", "预算安排") if kind == "execution" else ("年初预算", "决算")
            text_ = (
                f"文中写明“{pair.fact.sentence[:120]}”：{names[1]}{calc.fmt(pair.current, pair.unit)}，"
                f"{names[0]}{calc.fmt(pair.base, pair.unit)}，"
                f"{word}{calc.fmt(abs(calculation.result), pair.unit)}"
                f"（{calculation.expression}）。"
            )
            value = calculation.result if asks_signed(q) else abs(calculation.result)
            return self._answer(
                q, text_, [doc], value, pair.unit, calculation, [cite_fact(pair.fact, doc)], derived=True
            )
        return None

    def _column_evidence(self, q: str, doc: DocumentRecord) -> Evidence | None:
        tables = self.store.tables(doc.doc_id)
        hits = column_targets(strip_names(q, [doc]), tables, self.store.cells([doc.doc_id]))
        if not hits:
            return None
        label = re.sub(r"^其中[:：]?", "", hits[0].col_label.split("/")[-1])
        return self._cell_evidence(hits[0], label, tables, self.store.cells([doc.doc_id]), doc)

    def _cell_evidence(
        self,
        cell: TableCell,
        label: str,
        tables: list[TableRecord],
        cells: list[TableCell],
        doc: DocumentRecord,
    ) -> Evidence:
        """A cell as evidence, in its table's unit (inferred, and said so, when the table prints none)."""
        table = next(t for t in tables if t.table_id == cell.table_id)
        unit, note = cell.unit, ""
        if unit is None:
            unit, source = infer_unit(cell.table_id, tables, cells)
            if unit is None:
                raise _NoEvidence(f"《{table.title}》未标明单位，无法确定金额的单位。")
            note = f"（该表未标明单位，按其合计与《{source}》相同推定为{unit}）"
        return Evidence(cell.value or Decimal(0), unit, label + note, [cite_cell(cell, table, doc)], doc)

    def _column_lookup(self, q: str, doc: DocumentRecord) -> Answer | None:
        ev = self._column_evidence(q, doc)
        if ev is None:
            return None
        value, unit = ev.value, ev.unit
        wanted = asked_unit(q)
        if wanted and wanted != "%" and wanted != unit:
            value, unit = calc.in_unit(value, unit, wanted), wanted
        text = f"{doc_label(doc)}中，{ev.label}为{calc.fmt(value, unit)}。{where(ev.citations[0])}"
        return self._answer(q, text, [doc], value, unit, None, ev.citations)

    # ----- narrative -------------------------------------------------------------------------------
    def _figure(self, q: str, doc: DocumentRecord, drop: list[str]) -> Answer:
        facts = self.store.facts([doc.doc_id])
        targets = self._targets(q, doc)
        asked = main_target(targets).concept if targets else None
        if asked:  # the metric asked for must be what the sentence states, not a word near another number
            facts = [f for f in facts if asked.names(f.subject)]
        ranked = rank_facts(q, facts, drop)
        if not ranked or ranked[0].coverage < 0.5 or not has_specific_word(q, ranked[0].fact.sentence, drop):
            raise _NoEvidence(f"{doc_label(doc)}中没有找到与问题对应的数字。")
        fact = ranked[0].fact
        unit = asked_unit(q)
        value, shown = fact.value, fact.unit
        if unit and unit != "%" and fact.unit in {"元", "万元", "亿元"} and unit != fact.unit:
            value, shown = calc.in_unit(fact.value, fact.unit, unit), unit
        source = where(cite_fact(fact, doc))
        text = f"{doc_label(doc)}中写明：“{fact.sentence}”即{calc.fmt(value, shown)}。{source}"
        return self._answer(q, text, [doc], value, shown, None, [cite_fact(fact, doc)])

    def _text(self, q: str, docs: list[DocumentRecord], drop: list[str]) -> Answer:
        by_id = {d.doc_id: d for d in docs}
        for doc in docs:
            section = self._section_answer(q, doc) or self._definition(q, doc)
            if section:
                return section
        hits = self.retriever.search(q, [d.doc_id for d in docs], k=self.settings.retrieval.top_k + 3)
        chosen = best_sentences(q, hits, drop, limit=3)
        if not chosen or chosen[0][2] < 0.34:
            raise _NoEvidence("文件中没有找到回答这个问题的内容。")
        listing = bool(re.search(r"哪些|职能|职责|构成|包括|包含|牌子", q))
        if listing:
            hit = chosen[0][0]
            quote = self._section_text(hit.chunk)
            citations = [cite_text(hit.chunk, by_id[hit.chunk.provenance.doc_id], quote)]
        else:
            picked = chosen[:2]
            if WHY.search(q) and "原因" not in picked[0][1]:  # the reason is often the next sentence
                hit, sentence, score = picked[0]
                after = hit.chunk.text.split(sentence, 1)[-1]
                following = next((x for x in re.split(r"(?<=[。；！？\n])", after) if x.strip()), "")
                if "原因" in following:
                    picked = [(hit, sentence + following.strip(), score)]
            quote = "".join(dict.fromkeys(s for _, s, _ in picked))
            citations = [cite_text(h.chunk, by_id[h.chunk.provenance.doc_id], s) for h, s, _ in picked]
        doc = by_id[chosen[0][0].chunk.provenance.doc_id]
        text = f"据{doc_label(doc)}：{quote}"
        return self._answer(q, text, docs, None, None, None, citations)

    def _section_answer(self, q: str, doc: DocumentRecord) -> Answer | None:
        """“主要职能有哪些”, “包括哪些单位”: the section with that heading, quoted whole."""
        chunks = self.store.chunks([doc.doc_id])
        for ask, heading in SECTION_INTENTS:  # most specific heading first
            if not ask.search(q):
                continue
            for chunk in chunks:
                if heading.search(chunk.provenance.section_path.split(" > ")[-1]):
                    quote = self._section_text(chunk)
                    if len(quote) < 40:  # a heading repeated in a contents list
                        continue
                    text = f"据{doc_label(doc)}：{quote}"
                    return self._answer(q, text, [doc], None, None, None, [cite_text(chunk, doc, quote)])
        return None

    def _definition(self, q: str, doc: DocumentRecord) -> Answer | None:
        """“机关运行经费指什么”: the 名词解释 entry of the term, as printed."""
        if not DEFINE.search(q):
            return None
        quoted = re.findall(r"[“\"]([^”\"]{2,20})[”\"]", q)
        terms = quoted or [t.concept.name.strip("“”") for t in self._targets(q, doc) if t.concept]
        text = self.store.document_text(doc.doc_id)
        for term in terms:
            m = re.search(rf"“?{re.escape(term.strip('“”'))}”?\s*[：:]\s*(?:是|指)?[^\n]*", text)
            if m:
                chunk = next(
                    (
                        c
                        for c in self.store.chunks([doc.doc_id])
                        if (c.provenance.char_start or 0) <= m.start() < (c.provenance.char_end or 0)
                    ),
                    None,
                )
                if chunk is None:
                    continue
                quote = m.group(0)[:400]
                return self._answer(
                    q,
                    f"据{doc_label(doc)}的名词解释：{quote}",
                    [doc],
                    None,
                    None,
                    None,
                    [cite_text(chunk, doc, quote)],
                )
        return None

    def _section_text(self, chunk: Chunk, limit: int = 700) -> str:
        """The passage and what follows it in its section and sub-sections (lists run over chunks)."""
        start = chunk.provenance.char_start or 0
        text = self.store.document_text(chunk.provenance.doc_id)
        section_end = len(text)
        path = chunk.provenance.section_path
        for c in self.store.chunks([chunk.provenance.doc_id]):
            if not c.provenance.section_path.startswith(path) and (c.provenance.char_start or 0) > start:
                section_end = min(section_end, c.provenance.char_start or section_end)
        body = text[start : min(section_end, start + limit)].strip()
        if len(body) < 40 and section_end < len(text):  # a bare heading: take the next section too
            body = text[start : start + limit].strip()
        return body

    # ----- composing -------------------------------------------------------------------------------
    def _compose_calc(
        self, q: str, docs: list[DocumentRecord], calculation: Calculation, evs: list[Evidence]
    ) -> Answer:
        unit = calculation.unit
        value = calculation.result
        wanted = asked_unit(q)
        if wanted and wanted != "%" and unit in {"元", "万元", "亿元"} and wanted != unit:
            value, unit = calc.in_unit(value, unit, wanted), wanted
        parts = "，".join(
            f"{doc_label(e.doc) if len(docs) > 1 and e.doc else ''}{e.label}{calc.fmt(e.value, e.unit)}"
            for e in evs
        )
        shown = calc.fmt(value, unit, 2 if unit == "%" else None)
        names = "、".join(map(doc_label, docs))
        text = f"{names}：{parts}；计算：{calculation.expression}，结果为{shown}。"
        return self._answer(
            q,
            text,
            docs,
            calc.quantize(value, 2) if unit == "%" else value,
            unit,
            calculation,
            [c for e in evs for c in e.citations],
            derived=True,
        )

    def _answer(
        self,
        q: str,
        text: str,
        docs: Sequence[DocumentRecord],
        value: Decimal | None,
        unit: str | None,
        calculation: Calculation | None,
        citations: list[Citation],
        derived: bool = False,
    ) -> Answer:
        return Answer(
            question=q,
            status="answered",
            text=text,
            value=float(value) if value is not None else None,
            unit=unit,
            calculation=calculation.expression if calculation else None,
            citations=tuple(number_keys(citations)),
            derived=derived,
            doc_ids=tuple(d.doc_id for d in docs),
            settings_hash=self.settings.index_fingerprint(),
        )

    def _refuse(self, q: str, why: str, docs: Sequence[DocumentRecord] = ()) -> Answer:
        held = (
            "；知识库中现有：" + "、".join(doc_label(d) for d in self.store.documents()[:12])
            if not docs
            else ""
        )
        return Answer(
            question=q,
            status="refused",
            text=f"无法回答：{why}{held}",
            doc_ids=tuple(d.doc_id for d in docs),
            settings_hash=self.settings.index_fingerprint(),
        )


class _NoEvidence(Exception):
    """Internal: the documents do not hold the answer (becomes status='refused')."""
