"""The optional LLM mode (语言模型模式): a chat model answers with the rule planner's tools.

The model calls `ask_planner`, `search_passages` and `list_documents` (the same planner and store the
default mode uses), then writes the answer. Its text is kept only when every number in it comes from a
tool result or the question (llm_numbers.check_numbers) and, when the planner found the figure asked
for, the text states it; otherwise the model is asked once to correct itself, and after that the
planner's own answer is used. Citations always come from the planner answers the
tools returned, never from the model's text. Document text reaches the model JSON-quoted inside a tool
result, as data: a passage saying “忽略之前的指令……” is content, and nothing the model writes can add a
number or a source. If the model cannot be built or reached, the planner answers with a notice.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from assistant.agent import Planner
from assistant.backends import ChatClient, build_chat
from assistant.citations import doc_label
from assistant.errors import AssistantError, ConfigError, LLMError
from assistant.llm_numbers import check_numbers, states_value
from assistant.llm_prompts import render
from assistant.llm_tools import DATA_NOTE, TOOLS, answer_json, merge_citations, tool_schemas
from assistant.retrieval import Retriever
from assistant.settings import Settings
from assistant.stores import Store
from assistant.types import Answer
from assistant.vocab import answer_hash

log = logging.getLogger(__name__)

UNAVAILABLE = "（语言模型不可用，以下为规则引擎的回答）"
UNCHECKED = "（语言模型的回答未通过数字核对，以下为规则引擎的回答）"


@dataclass
class _Run:
    """What one answer's tools returned: the texts the model saw and the planner answers behind them."""

    sources: list[str] = field(default_factory=list)
    planner_answers: list[Answer] = field(default_factory=list)


class LLMAnswerer:
    """Answers through a chat model with the planner's tools; falls back to the planner on any failure."""

    def __init__(
        self,
        planner: Planner,
        retriever: Retriever,
        store: Store,
        settings: Settings,
        chat_factory: Callable[[Any], ChatClient] = build_chat,
    ) -> None:
        self.planner = planner
        self.retriever = retriever
        self.store = store
        self.settings = settings
        self.problem: str | None = None
        self.chat: ChatClient | None = None
        try:
            self.chat = chat_factory(settings.llm)
        except ConfigError as exc:
            # One clear message, once; every answer then says the rule engine answered.
            self.problem = str(exc)
            log.warning("语言模型不可用，改用规则引擎：%s", exc)
        self.schemas = tool_schemas()

    def answer(
        self, question: str, history: Sequence[Answer] = (), doc_ids: Sequence[str] | None = None
    ) -> Answer:
        """Answer `question` (already normalised) with the model, or with the planner plus a notice."""
        if self.chat is None:
            return self._fallback(question, history, doc_ids, UNAVAILABLE)
        run = _Run()
        scope = "全部文件" if doc_ids is None else "、".join(self._labels(doc_ids)) or "（无）"
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": render("llm_system")},
            {"role": "user", "content": render("llm_question", question=question, scope=scope)},
        ]
        deadline = time.monotonic() + self.settings.llm.timeout
        # The planner's own answer: the fallback, the headline the text must keep, the default sources.
        reference = self.planner.answer(question, history, doc_ids)
        try:
            text = self._converse(messages, run, history, doc_ids, deadline)
            problems = self._problems(text, run, question, reference)
            if problems:
                log.info("model answer failed the checks (%s); asking once more", problems)
                messages.append({"role": "assistant", "content": text})
                messages.append({"role": "user", "content": "\n".join(problems)})
                text = self._converse(messages, run, history, doc_ids, deadline)
                problems = self._problems(text, run, question, reference)
        except LLMError as exc:
            log.warning("语言模型不可用（%s），改用规则引擎：%s", self.chat.name, exc)
            return _with_notice(reference, UNAVAILABLE)
        if problems:
            log.warning("model answer rejected again (%s); the planner answers", problems)
            return _with_notice(reference, UNCHECKED)
        used = run.planner_answers or [reference]
        return reference.model_copy(
            update={
                "text": text.strip(),
                "citations": merge_citations(used),
                "doc_ids": tuple(dict.fromkeys(d for a in used for d in a.doc_ids)),
                "settings_hash": answer_hash(self.settings),
                "mode": "llm",
            }
        )

    def _problems(self, text: str, run: _Run, question: str, reference: Answer) -> list[str]:
        """What is wrong with the model's text, as notes for its one retry (empty: it passes).

        Numbers must come from the tool results or the question. And when the planner found the
        figure asked for, the text must state it: a passage's text (which may carry a planted
        “三公经费是999万元”) can then never replace the table's number."""
        if not text.strip():
            return [render("llm_empty")]
        out = []
        bad = check_numbers(text, run.sources, question)
        if bad:
            out.append(render("llm_regenerate", numbers="、".join(bad)))
        if reference.status == "answered" and reference.value is not None:
            value = Decimal(str(reference.value))
            if not states_value(text, value, reference.unit):
                shown = f"{value.normalize():f}{reference.unit or ''}"
                out.append(render("llm_restate", value=shown))
        return out

    # ----- the tool loop ------------------------------------------------------------------------------
    def _converse(
        self,
        messages: list[dict[str, Any]],
        run: _Run,
        history: Sequence[Answer],
        doc_ids: Sequence[str] | None,
        deadline: float,
    ) -> str:
        """Model turns until it answers without calling a tool; appends to `messages`."""
        assert self.chat is not None
        for _ in range(self.settings.llm.max_steps):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LLMError("超时：语言模型在时限内没有给出回答", retryable=True)
            # The whole answer, not each call, gets settings.llm.timeout.
            turn = self.chat.turn(messages, self.schemas, timeout=remaining)
            if not turn.tool_calls:
                return turn.text
            messages.append(
                {
                    "role": "assistant",
                    "content": turn.text,
                    "tool_calls": [
                        {
                            "id": call_id,
                            "type": "function",
                            "function": {
                                "name": name,
                                "arguments": json.dumps(args if isinstance(args, dict) else {}),
                            },
                        }
                        for name, args, call_id in turn.tool_calls
                    ],
                }
            )
            for name, args, call_id in turn.tool_calls:
                content = self._call_tool(name, args, run, history, doc_ids)
                messages.append({"role": "tool", "tool_call_id": call_id, "content": content})
        raise LLMError(f"语言模型在 {self.settings.llm.max_steps} 轮内没有给出回答")

    def _call_tool(
        self,
        name: str,
        args: Any,
        run: _Run,
        history: Sequence[Answer],
        doc_ids: Sequence[str] | None,
    ) -> str:
        """One tool call's result as the model sees it; bad calls get an error message, never a crash."""
        if name not in TOOLS:
            return f"工具错误：没有名为 {name!r} 的工具。可用的工具：{'、'.join(TOOLS)}。"
        wanted = TOOLS[name][1]
        if not isinstance(args, dict) or set(args) != set(wanted):
            return (
                f"工具错误：{name} 的参数应为 {json.dumps(sorted(wanted))}，收到 {json.dumps(args)[:200]}。"
            )
        if not all(isinstance(v, str) and v.strip() for v in args.values()):
            return f"工具错误：{name} 的参数必须是非空字符串。"
        try:
            result = self._run_tool(name, args, run, history, doc_ids)
        except AssistantError as exc:
            return f"工具错误：{name} 失败：{exc}"
        # JSON-quoted under a fixed header: document text arrives as a string value, never as prose.
        content = DATA_NOTE + "\n" + json.dumps(result, ensure_ascii=False)
        run.sources.append(content)
        return content

    def _run_tool(
        self,
        name: str,
        args: dict[str, str],
        run: _Run,
        history: Sequence[Answer],
        doc_ids: Sequence[str] | None,
    ) -> Any:
        if name == "ask_planner":
            answer = self.planner.answer(args["question"], history, doc_ids)
            run.planner_answers.append(answer)
            return answer_json(answer)
        if name == "search_passages":
            scope = list(doc_ids) if doc_ids is not None else [d.doc_id for d in self.store.documents()]
            return [
                {
                    "chunk_id": h.chunk.chunk_id,
                    "page": h.chunk.provenance.page,
                    "section": h.chunk.provenance.section_path,
                    "text": h.chunk.text,
                }
                for h in self.retriever.search(args["query"], scope)
            ]
        return [
            {"doc_id": d.doc_id, "label": doc_label(d), "department": d.department, "year": d.year}
            for d in self.store.documents()
            if doc_ids is None or d.doc_id in doc_ids
        ]

    def _labels(self, doc_ids: Sequence[str]) -> list[str]:
        return [doc_label(d) for d in self.store.documents() if d.doc_id in doc_ids]

    def _fallback(
        self, question: str, history: Sequence[Answer], doc_ids: Sequence[str] | None, notice: str
    ) -> Answer:
        return _with_notice(self.planner.answer(question, history, doc_ids), notice)


def _with_notice(answer: Answer, notice: str) -> Answer:
    """The planner's answer, saying in its text why the model's answer is not shown."""
    return answer.model_copy(update={"text": notice + answer.text, "mode": "planner"})
