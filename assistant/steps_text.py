"""Answers from the narrative: whole sections, 名词解释 entries, quoted sentences, stated figures."""

from __future__ import annotations

import re
from decimal import Decimal

from assistant import calc
from assistant.citations import cite_fact, cite_text, doc_label
from assistant.columns import frame_lexicon
from assistant.compose import Evidence, same_unit, where
from assistant.narrative import (
    COUNT_UNITS,
    best_sentences,
    counted_noun,
    coverage,
    fact_year,
    keywords,
    rank_facts,
    states_change,
)
from assistant.question import (
    DEFINE,
    DUTY_COVERAGE,
    GENERIC_WORDS,
    SECTION_INTENTS,
    STATED_CHANGE,
    WHY,
    ask_clauses,
    asked_unit,
    asked_year,
    asks_operation,
    counted_noun_asked,
    duty_asked,
    has_specific_word,
    listed_items,
    main_target,
    operand_phrases,
    other_side,
    pair_coverage,
    scope_missing,
    strip_names,
)
from assistant.retrieval import Hit
from assistant.steps import NoEvidence, Steps
from assistant.types import Answer, Chunk, DocumentRecord, Fact

_AUDIT_WORDS = frozenset(  # words of the question about checking, not about what to check
    "矛盾 一致 前后 是否 正确 核对 不符 有误 数字 列出 说明 编制 这份 公开 金额 科目 名称 预算表".split()
)


# Two stated figures whose scores differ by less than this fit the question equally well.
_TIE = 0.05
# Share of a why-question's subject words a sentence must carry to give its reason (“项目支出” is not
# carried by “公务用车运行维护费预算支出”; “财政拨款收支” is by “财政拨款收入、支出”).
_SUBJECT_COVERAGE = 0.6


_COUNTED = re.compile(r"(?:多少|几)([个辆家项人名台])")


def _label(words: list[str]) -> str:
    """A part's words without the pieces of longer ones (培训 inside 培训费)."""
    return "".join(w for w in words if not any(w != x and w in x for x in words))


def _sentence_end(text: str, facts: list[Fact]) -> int:
    """Where the sentence of the last of `facts` ends (its 。 included)."""
    last = max((f.provenance.char_end or 0) for f in facts)
    end = text.find("。", last)
    return len(text) if end < 0 else end + 1


def _same_count(a: Fact, b: Fact) -> bool:
    """Two counts of the same thing: the same noun after the number (“87个一级项目的绩效自评结果”)."""
    noun = counted_noun(a)
    return a.unit in COUNT_UNITS and len(noun) >= 2 and noun == counted_noun(b)


class TextSteps(Steps):
    def _consistency(self, q: str, docs: list[DocumentRecord], drop: list[str]) -> Answer:
        """“这份公开有没有前后矛盾？”: the audit's findings closest to the question, with their sources."""
        words = [w for w in keywords(q, drop) if not any(a in w for a in _AUDIT_WORDS)]  # 前后矛盾
        lines, citations = [], []
        for doc in docs:
            findings = self.audit(doc)
            hits = {f.message: sum(w in f.message for w in words) for f in findings}
            best = max(hits.values(), default=0)
            relevant = [f for f in findings if hits[f.message] == best > 0] if words else findings
            for f in relevant or []:
                lines.append(f"{doc_label(doc)}：{f.message}")
                citations.extend(f.citations)
        if not lines:
            checked = (
                "表内合计与明细、总表与明细表、功能分类与经济分类、说明与表格、说明中的增减比例和比较年份"
            )
            subject = f"与“{'、'.join(words)}”有关的" if words else ""
            text = f"已核对{checked}，未发现{subject}前后不一致之处。"
            return self._answer(q, text, docs, None, None, None, [])
        return self._answer(
            q,
            "发现以下不一致：\n" + "\n".join(f"{i + 1}. {x}" for i, x in enumerate(lines)),
            docs,
            None,
            None,
            None,
            citations,
        )

    def _figure(self, q: str, doc: DocumentRecord, drop: list[str]) -> Answer:
        if asks_operation(q) and not re.search(r"上年|去年|上一年", q):
            calculated = self._figure_calc(q, doc, drop)
            if calculated:
                return calculated
            raise NoEvidence(f"{doc_label(doc)}中没有找到这项计算所需的每一个数。")
        facts = self._facts(doc)
        targets = self._targets(q, doc)
        asked = main_target(targets).concept if targets else None
        if asked:  # the metric asked for must be what the sentence states, not a word near another number
            facts = [f for f in facts if asked.names(f.subject)]
        key = strip_names(q, [doc])
        facts = [  # the words before the figure name its side of the account and its money scope
            f
            for f in facts
            for before in [f.sentence.split(f.raw, 1)[0]]
            if not other_side(q, before) and not scope_missing(key, before)
        ]
        # “比上年减少了多少” is answered by a change, never by the amount beside it, and the other way round
        asks_change = bool(STATED_CHANGE.search(q))
        facts = [f for f in facts if states_change(f) == asks_change]
        year = asked_year(q, doc)  # “2025年预算数为9.23万元” answers 2025, never the 2026 figure beside it
        facts = [f for f in facts if fact_year(f) == year or (fact_year(f) is None and year == doc.year)]
        ranked = rank_facts(q, facts, drop)
        if not ranked or ranked[0].coverage < 0.5 or not has_specific_word(q, ranked[0].fact.sentence, drop):
            listed = self._listed_count(q, doc)
            if listed:
                return listed
            raise NoEvidence(f"{doc_label(doc)}中没有找到与问题对应的数字。")
        fact = ranked[0].fact
        rival = next(
            (
                r.fact
                for r in ranked[1:]
                if r.coverage >= 0.5 and r.fact.value != fact.value and _same_count(r.fact, fact)
            ),
            None,
        )
        if rival:  # the document counts one thing twice, differently: no single answer
            said = "；".join(f"第{f.provenance.page}页写“{f.sentence.strip()}”" for f in (fact, rival))
            raise NoEvidence(f"{doc_label(doc)}前后说法不一致（{said}），无法确定哪个正确")
        unit = asked_unit(q)
        value, shown = fact.value, fact.unit
        if unit and unit != "%" and fact.unit in {"元", "万元", "亿元"} and unit != fact.unit:
            value, shown = calc.in_unit(fact.value, fact.unit, unit), unit
        source = where(cite_fact(fact, doc))
        text = f"{doc_label(doc)}中写明：“{fact.sentence}”即{calc.fmt(value, shown)}。{source}"
        return self._answer(q, text, [doc], value, shown, None, [cite_fact(fact, doc)])

    def _several(self, q: str, doc: DocumentRecord, drop: list[str]) -> Answer | None:
        """“人员编制多少、实有多少人？”: several figures asked at once are answered only from one passage
        that states each of them (“本部门人员编制10964人……实有人员10887人”), quoted whole, each figure
        cited; figures from different places might not belong together, so they never answer. When two
        passages fit equally well and disagree, there is no answer."""
        parts = ask_clauses(strip_names(q, [doc]))
        if len(parts) < 2:
            return None
        # “人员编制多少、实有多少人”: a unit written once counts for every part that names none
        units = [m.group(1) for p in parts for m in [_COUNTED.search(p)] if m]
        parts = [p if _COUNTED.search(p) or not units else p + units[0] for p in parts]
        # “…年初预算是多少，决算是多少”: a part naming only a measure keeps the measure word
        drops = [drop if keywords(p, drop) else [] for p in parts]
        text = self.store.document_text(doc.doc_id)
        year = asked_year(q, doc)
        by_passage: dict[int, list[Fact]] = {}
        for f in self._facts(doc):  # a passage: a sentence and the one before it (“行政运行（项）。年初…”)
            if fact_year(f) in (year, None):
                start = f.provenance.char_start or 0
                begin = text.rfind("。", 0, max(0, text.rfind("。", 0, start))) + 1
                by_passage.setdefault(begin, []).append(f)
        found: list[tuple[float, int, list[Fact]]] = []
        for begin, group in by_passage.items():
            window = text[begin : _sentence_end(text, group)]
            picked: list[Fact] = []
            total = 0.0
            for part, dropped in zip(parts, drops, strict=True):
                words = keywords(part, dropped)
                ranked = [
                    r
                    for r in rank_facts(part, group, dropped)
                    if r.fact not in picked and max(r.coverage, coverage(words, window)) >= 0.5
                ]
                if not ranked:
                    break
                picked.append(ranked[0].fact)
                total += ranked[0].score
            else:
                found.append((total, begin, picked))
        if not found:
            return None
        found.sort(key=lambda x: -x[0])
        score, begin, picked = found[0]
        values = [(f.value, f.unit) for f in picked]
        if any(
            s > score - _TIE * len(parts) and [(f.value, f.unit) for f in p] != values
            for s, _, p in found[1:]
        ):
            return None  # two passages fit equally well and say different things
        first = min((f.provenance.char_start or 0) for f in picked)
        own = max(text.rfind("。", 0, first), text.rfind("\n", 0, first)) + 1  # the first figure's sentence
        end = _sentence_end(text, picked)
        words = [w for p, d in zip(parts, drops, strict=True) for w in keywords(p, d)]
        quote = text[own if coverage(words, text[own:end]) >= 0.5 else begin : end].strip()
        figures = "；".join(
            f"{_label(keywords(p, d))}{calc.fmt(f.value, f.unit)}"
            for p, d, f in zip(parts, drops, picked, strict=True)
        )
        citations = [cite_fact(f, doc) for f in picked]
        answer = f"{doc_label(doc)}中写明：“{quote}”即{figures}。{where(citations[0])}"
        return self._answer(q, answer, [doc], None, None, None, citations)

    def _chunk_at(self, doc: DocumentRecord, pos: int) -> Chunk | None:
        """The passage holding character `pos` of the document's narrative."""
        return next(
            (
                c
                for c in self.store.chunks([doc.doc_id])
                if (c.provenance.char_start or 0) <= pos < (c.provenance.char_end or 0)
            ),
            None,
        )

    def _listed_count(self, q: str, doc: DocumentRecord) -> Answer | None:
        """“二级预算单位有几个？” when the 说明 lists them instead of counting them (“…二级预算单位包括:
        1.… 2.… 6.…”): the items of the list right after the noun and 包括/有/为, counted and shown."""
        noun = counted_noun_asked(q)
        if not noun:
            return None
        text = self.store.document_text(doc.doc_id)
        for m in re.finditer(
            rf"{re.escape(noun)}[^。\n]{{0,6}}?(?:包括|分别是|分别为|有|为)\s*[:：]\s*", text
        ):
            items = listed_items(text[m.end() :])
            if len(items) < 2:
                continue
            chunk = self._chunk_at(doc, m.start())
            if chunk is None:
                continue
            quote = text[m.start() : m.end()] + "、".join(items)
            answer = f"{doc_label(doc)}列出的{noun}有{len(items)}个：{'、'.join(items)}。"
            return self._answer(
                q, answer, [doc], Decimal(len(items)), "个", None, [cite_text(chunk, doc, quote)]
            )
        return None

    def _figure_calc(self, q: str, doc: DocumentRecord, drop: list[str]) -> Answer | None:
        """A difference or sum of amounts the 说明 states item by item (“驻京经费312万元，…接待中心运行费
        116万元”): each operand is the one stated figure whose subject carries all its words, and no
        figure with another value comes close."""
        frame = operand_phrases(strip_names(q, [doc]))
        if frame is None or frame[0] == "measures":
            return None
        op, phrases = frame
        money = [f for f in self._facts(doc) if f.unit in {"元", "万元", "亿元"}]
        evs: list[Evidence] = []
        for phrase in phrases:
            words = keywords(phrase, drop)
            ranked = [r for r in rank_facts(phrase, money, drop) if all(w in r.fact.subject for w in words)]
            if not words or not ranked:
                return None
            top = ranked[0]
            if any(r.fact.value != top.fact.value and r.score > top.score - 0.5 for r in ranked[1:]):
                return None  # two stated figures fit this operand equally well
            label = "".join(words)
            evs.append(Evidence(top.fact.value, top.fact.unit, label, [cite_fact(top.fact, doc)], doc))
        unit = evs[0].unit
        values = [same_unit(e, unit) for e in evs]
        calculation = (
            calc.difference(values[0], values[1], unit) if op == "difference" else calc.total(values, unit)
        )
        return self._compose_calc(q, [doc], calculation, evs)

    def _text(self, q: str, docs: list[DocumentRecord], drop: list[str]) -> Answer:
        by_id = {d.doc_id: d for d in docs}
        for doc in docs:
            section = self._section_answer(q, doc) or self._definition(q, doc)
            if section:
                return section
        hits = self.retriever.search(q, [d.doc_id for d in docs], k=self.settings.retrieval.top_k + 3)
        chosen = best_sentences(q, hits, drop, limit=3)
        if not chosen or chosen[0][2] < 0.34:
            raise NoEvidence("文件中没有找到回答这个问题的内容。")
        listing = bool(re.search(r"哪些|职能|职责|构成|包括|包含|牌子", q))
        if listing:
            hit = chosen[0][0]
            quote = self._section_text(hit.chunk)
            citations = [cite_text(hit.chunk, by_id[hit.chunk.provenance.doc_id], quote)]
        elif WHY.search(q):
            picked = self._reason(q, hits, drop)
            quote = "".join(s for _, s, _ in picked)
            citations = [cite_text(h.chunk, by_id[h.chunk.provenance.doc_id], s) for h, s, _ in picked]
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

    def _reason(self, q: str, hits: list[Hit], drop: list[str]) -> list[tuple[Hit, str, float]]:
        """“机关运行经费为什么减少”: a sentence that names the subject before its reason (原因/由于/主要是),
        or names it and is followed by the sentence giving the reason. Never another item's reason."""
        ignore = frame_lexicon()["why_ignore"]
        asked = q
        for w in sorted(ignore, key=len, reverse=True):  # “出国费为什么增加”: 费 must not join 为
            asked = asked.replace(w, " ")
        words = [w for w in keywords(asked, drop) if len(w) >= 2 and not any(w in x for x in ignore)]
        specific = [w for w in words if w not in GENERIC_WORDS and w not in frame_lexicon()["filler"]]
        subject = specific or words  # 收入 only when it is all there is
        if not subject:
            raise NoEvidence("问题没有说明要问哪一项的原因。")
        for hit, sentence, score in best_sentences(q, hits, drop, limit=12):
            reason = re.search(r"原因|由于|主要是|主要用于", sentence)
            if coverage(subject, sentence) < _SUBJECT_COVERAGE:  # the subject, not one word of it
                continue
            first = min(sentence.find(w) for w in subject if w in sentence)
            if reason and 0 <= first < reason.start():
                return [(hit, sentence, score)]
            if first >= 0 and not reason:
                after = hit.chunk.text.split(sentence, 1)[-1]
                following = next((x for x in re.split(r"(?<=[。；！？\n])", after) if x.strip()), "")
                if re.match(r"\s*(?:主要|原因|是由于|由于)", following):  # “…下降1.41%。主要是在职民警…减少”
                    return [(hit, sentence + following.strip(), score)]
        raise NoEvidence(f"文件中没有找到说明“{'、'.join(subject)}”原因的内容。")

    def _section_answer(self, q: str, doc: DocumentRecord) -> Answer | None:
        """“主要职能有哪些”, “包括哪些单位”: the section with that heading, quoted whole."""
        chunks = sorted(self.store.chunks([doc.doc_id]), key=lambda c: c.provenance.char_start or 0)
        for ask, heading in SECTION_INTENTS:  # most specific heading first
            if not ask.search(q):
                continue
            for chunk in chunks:  # the section's first passage (its items are sub-sections of it)
                if any(heading.search(part) for part in chunk.provenance.section_path.split(" > ")):
                    quote = self._section_text(chunk, limit=2000)
                    if len(quote) < 40:  # a heading repeated in a contents list
                        continue
                    text = f"据{doc_label(doc)}：{quote}"
                    return self._answer(q, text, [doc], None, None, None, [cite_text(chunk, doc, quote)])
        return None

    def _duty(self, q: str, doc: DocumentRecord) -> Answer | None:
        """“湖州市财政局负责全市政府采购监督管理吗？”: the clause of the 主要职能 section that carries
        the duty asked about (most of its words, as character pairs), quoted; when no clause does, a
        refusal that says the section does not mention it (never a guessed 否)."""
        what = duty_asked(q)
        if not what:
            return None
        heading = SECTION_INTENTS[0][1]
        chunks = [
            c
            for c in self.store.chunks([doc.doc_id])
            if any(heading.search(part) for part in c.provenance.section_path.split(" > "))
        ]
        if not chunks:
            return None
        # the section, read once: from its first passage to the end of its last
        start = min(c.provenance.char_start or 0 for c in chunks)
        end = max(c.provenance.char_end or 0 for c in chunks)
        section = self.store.document_text(doc.doc_id)[start:end]
        clauses = [(m.start() + start, m.group().strip()) for m in re.finditer(r"[^；;。\n]+", section)]
        scored = [(pair_coverage(what, clause), pos, clause) for pos, clause in clauses]
        score, pos, clause = max(scored, key=lambda x: x[0], default=(0.0, start, ""))
        chunk = self._chunk_at(doc, pos)
        if score < DUTY_COVERAGE or chunk is None:
            raise NoEvidence(f"{doc_label(doc)}的主要职能部分没有写到“{what}”。")
        text = f"是。据{doc_label(doc)}的主要职能：“{clause}”"
        return self._answer(q, text, [doc], None, None, None, [cite_text(chunk, doc, clause)])

    def _definition(self, q: str, doc: DocumentRecord) -> Answer | None:
        """“机关运行经费指什么”: the 名词解释 entry of the term, as printed."""
        if not DEFINE.search(q):
            return None
        quoted = re.findall(r"[“\"]([^”\"]{2,20})[”\"]", q)
        terms = quoted or [t.concept.name.strip("“”") for t in self._targets(q, doc) if t.concept]
        text = self.store.document_text(doc.doc_id)
        for term in terms:
            # the entry of the 名词解释 section, or an entry that defines (“X：是指…”); never a heading
            # “（一）机关运行经费：2025年…” of another section that merely reports the figure
            found = [
                (m, chunk)
                for m in re.finditer(
                    rf"“?{re.escape(term.strip('“”'))}”?\s*[：:]\s*(?P<verb>是指|指|是)?[^\n]*", text
                )
                for chunk in [self._chunk_at(doc, m.start())]
                if chunk is not None and (m.group("verb") or "名词解释" in chunk.provenance.section_path)
            ]
            if found:
                m, chunk = found[0]
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
