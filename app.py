"""BudgetQA web app (Gradio Blocks): layout and event wiring over the Assistant API, nothing more.

Run: `python app.py [--store data/store] [--port 7860]` (or `make run`). Works offline: analytics off,
system fonts only, nothing fetched from the internet.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import pandas as pd

from assistant import Answer, Assistant, AssistantError
from assistant.views import answer_markdown, citation_label, docs_label

log = logging.getLogger("budgetqa.app")
SAMPLES = Path(__file__).parent / "data" / "samples"
ALL = "__all__"
CSS = """
.bqa-table table {border-collapse: collapse; font-size: 13px}
.bqa-table td, .bqa-table th {border: 1px solid #bbb; padding: 2px 6px}
.bqa-table td.cited {background: #ffe066; font-weight: bold; outline: 2px solid #e8590c}
.bqa-text mark {background: #ffe066}
"""
THEME = gr.themes.Default(
    font=["Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "sans-serif"],
    font_mono=["Noto Sans Mono CJK SC", "monospace"],
)


def _guard(fn: Any) -> Any:
    """AssistantError -> a message in the UI; anything else -> a generic message, logged, app stays up."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        except gr.Error:
            raise
        except Exception as exc:
            log.exception("handler failed")
            raise gr.Error("内部错误，请重试或换个问法。") from exc

    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


def build_app(qa: Assistant) -> gr.Blocks:
    downloads = Path(tempfile.mkdtemp(prefix="budgetqa-"))

    def doc_choices() -> list[tuple[str, str]]:
        return [("全部文件", ALL)] + [(docs_label(d), d.doc_id) for d in qa.documents()]

    def scope_of(doc_id: str | None) -> list[str] | None:
        return None if not doc_id or doc_id == ALL else [doc_id]

    @_guard
    def ask(question: str, doc_id: str = ALL) -> dict:
        """Ask one question (programs: gradio_client `api_name="/ask"`); returns the Answer as JSON."""
        return qa.ask(question, doc_ids=scope_of(doc_id)).model_dump(mode="json")

    @_guard
    def chat(message: str, messages: list, history: list, doc_id: str) -> tuple:
        if not message or not message.strip():
            raise gr.Error("请输入问题。")
        earlier = [Answer.model_validate(h) for h in history]
        answer = qa.ask(message, history=earlier, doc_ids=scope_of(doc_id))
        messages = [
            *messages,
            {"role": "user", "content": message},
            {"role": "assistant", "content": answer_markdown(answer)},
        ]
        history = [*history, answer.model_dump(mode="json")]
        labels = [citation_label(c) for c in answer.citations]
        sources = gr.update(choices=labels, value=None, visible=bool(labels))
        return messages, history, "", sources, ""

    @_guard
    def show_source(label: str | None, history: list) -> str:
        if not label or not history:
            return ""
        answer = Answer.model_validate(history[-1])
        cited = next((c for c in answer.citations if citation_label(c) == label), None)
        return qa.source_html(cited) if cited else ""

    def on_doc(doc_id: str) -> tuple:
        examples = qa.example_questions(None if doc_id == ALL else doc_id)
        tables = (
            []
            if doc_id == ALL
            else [(f"{t.title}（{t.unit or '未标明单位'}）", t.table_id) for t in qa.tables(doc_id)]
        )
        plots = _plots(doc_id)
        return (
            gr.update(samples=[[q] for q in examples]),
            gr.update(choices=tables, value=tables[0][1] if tables else None),
            *plots,
        )

    def _plots(doc_id: str) -> list:
        series = [] if doc_id == ALL else qa.charts(doc_id)
        out = []
        for i in range(5):
            if i < len(series):
                s = series[i]
                frame = pd.DataFrame({"项目": s.labels, f"金额（{s.unit}）": s.values})
                out.append(
                    gr.update(value=frame, x="项目", y=f"金额（{s.unit}）", title=s.title, visible=True)
                )
            else:
                out.append(gr.update(visible=False))
        return out

    @_guard
    def show_table(table_id: str | None) -> str:
        return qa.table_html(table_id) if table_id else ""

    @_guard
    def export(table_id: str | None, fmt: str) -> str | None:
        if not table_id:
            raise gr.Error("请先选择一张表。")
        return str(qa.export_table(table_id, downloads, fmt))

    @_guard
    def upload(files: list | None, progress: gr.Progress = gr.Progress()) -> tuple:  # noqa: B008
        if not files:
            raise gr.Error("请先选择要导入的文件。")
        paths = [f if isinstance(f, str) else f.name for f in files]
        progress(0, desc="开始导入")
        steps = {"parse": 0.2, "tables": 0.5, "narrative": 0.7, "index": 0.9}

        def report(path: str, stage: str) -> None:
            i = paths.index(path) if path in paths else 0
            progress((i + steps.get(stage, 0.5)) / len(paths), desc=f"{Path(path).name}：{stage}")

        result = qa.ingest(paths, progress=report)
        icon = {
            "ingested": "✅ 已导入",
            "replaced": "🔄 已替换旧版本",
            "unchanged": "⏸ 已存在（未变化）",
            "failed": "❌ 失败",
        }
        lines = [f"- {icon[f.status]} **{Path(f.path).name}**：{f.message}" for f in result.files]
        return "\n".join(lines), gr.update(choices=doc_choices())

    with gr.Blocks(title="BudgetQA 预算公开问答") as demo:
        gr.Markdown(
            "## BudgetQA 预算公开问答\n对部门预算、决算公开文件提问：每个数字都注明出处"
            "（文件、页码、表格、行、列）；文件中没有的内容会明确说明，不会猜测。"
        )
        history = gr.State([])
        doc = gr.Dropdown(choices=doc_choices(), value=ALL, label="问答范围（文件）", elem_id="doc-scope")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chatbot = gr.Chatbot(label="对话", height=460, elem_id="chatbot")
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="例如：三公经费是多少？人员经费占基本支出多少？",
                        show_label=False,
                        scale=8,
                        elem_id="question",
                    )
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                examples = gr.Dataset(
                    components=[box], samples=[[q] for q in qa.example_questions()], label="示例问题"
                )
                sources = gr.Radio(
                    choices=[], label="本回答的来源（点击查看原表或原文）", visible=False, elem_id="sources"
                )
                source_view = gr.HTML(elem_id="source-view")
            with gr.Tab("表格", id="tables"):
                table_pick = gr.Dropdown(
                    choices=[], label="选择表格（先在上方选择文件）", elem_id="table-pick"
                )
                table_view = gr.HTML(elem_id="table-view")
                with gr.Row():
                    csv_btn = gr.Button("下载 CSV")
                    xlsx_btn = gr.Button("下载 XLSX")
                download = gr.File(label="下载文件", elem_id="table-download")
            with gr.Tab("图表", id="charts"):
                plots = [gr.BarPlot(visible=False, height=320) for _ in range(5)]
            with gr.Tab("导入文件", id="upload"):
                files = gr.File(
                    file_count="multiple",
                    file_types=[".pdf", ".txt", ".html", ".htm"],
                    label="上传 PDF / TXT / HTML",
                    elem_id="upload-files",
                )
                ingest_btn = gr.Button("导入", variant="primary", elem_id="ingest")
                status = gr.Markdown(elem_id="ingest-status")

        chat_io = ([box, chatbot, history, doc], [chatbot, history, box, sources, source_view])
        send.click(chat, *chat_io, api_name="chat")
        box.submit(chat, *chat_io, api_name=False)
        examples.click(lambda x: x[0], examples, box, api_name=False)
        sources.change(show_source, [sources, history], source_view, api_name=False)
        doc.change(on_doc, doc, [examples, table_pick, *plots], api_name=False)
        table_pick.change(show_table, table_pick, table_view, api_name=False)
        csv_btn.click(lambda t: export(t, "csv"), table_pick, download, api_name=False)
        xlsx_btn.click(lambda t: export(t, "xlsx"), table_pick, download, api_name=False)
        ingest_btn.click(upload, files, [status, doc], api_name="ingest", concurrency_limit=1)
        # A JSON endpoint for programs: Client(url).predict(question, doc, api_name="/ask")
        hidden_q, hidden_doc, hidden_out = (
            gr.Textbox(visible=False),
            gr.Textbox(visible=False),
            gr.JSON(visible=False),
        )
        gr.Button(visible=False).click(ask, [hidden_q, hidden_doc], hidden_out, api_name="ask")
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description="BudgetQA web app")
    parser.add_argument("--store", default=os.environ.get("BUDGETQA_STORE", "data/store"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BUDGETQA_PORT", "7860")))
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    qa = Assistant.open(args.store)
    if not qa.documents() and SAMPLES.is_dir():
        qa.ingest([SAMPLES])
    qa.warm_up()
    demo = build_app(qa)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=args.host, server_port=args.port, share=False, theme=THEME, css=CSS)


if __name__ == "__main__":
    main()
