"""BudgetQA web app (Gradio Blocks): layout and event wiring over the Assistant API, nothing more.

Run: `python app.py [--store data/store] [--port 7860] [--host 127.0.0.1] [--auth user:password]`
(or `make run`). It listens on 127.0.0.1 only unless another address is given (`--host`, BUDGETQA_HOST),
serves no file of the store or of this folder, caps uploads at BUDGETQA_INGEST__MAX_FILE_MB, checks each
upload's content against its extension, and with BUDGETQA_READ_ONLY=true offers no upload at all.
Works offline: analytics off, system fonts only, nothing fetched from the internet. Everything a person
reads is Chinese; status marks are text (【成功】), not emoji, which the CJK fonts installed here lack.
"""

from __future__ import annotations

import argparse
import codecs
import functools
import hashlib
import logging
import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr
import pandas as pd

from assistant import Answer, Assistant, AssistantError
from assistant.settings import Settings
from assistant.types import FileResult
from assistant.views import Series, answer_markdown, citation_label, docs_label

log = logging.getLogger("budgetqa.app")
ROOT = Path(__file__).resolve().parent
SAMPLES = ROOT / "data" / "samples"
MB = 1024 * 1024
ALL = "__all__"
PLOTS = 8  # chart slots: 4 charts of one document + one per year-over-year figure
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
EMPTY_QUESTION = "请输入问题"
NOT_CHINESE = (
    "本工具只回答中文问题，请用中文提问，例如：“三公经费是多少？”\n\n"
    "This tool answers questions in Chinese only; please ask your question in Chinese."
)
PICK_DOC_TABLES = "请先在页面上方的“问答范围”中选择一份文件，这里会列出它的表格。"
PICK_DOC_CHARTS = "请先在页面上方的“问答范围”中选择一份文件，这里会画出它的主要数字。"
NO_TABLES = "这份文件中没有找到表格。"
NO_CHARTS = "这份文件中没有找到可以作图的标准表格。"
CHARTS_NOTE = "金额统一换算为万元，纵轴从 0 开始；数量级不同的数字分开作图。"
STAGES = {"parse": "读取与解析", "tables": "提取表格", "narrative": "切分正文", "index": "建立索引"}
STAGE_SHARE = {"parse": 0.2, "tables": 0.5, "narrative": 0.7, "index": 0.9}
# FileResult.status -> (text mark, what happened), in the words a person reads.
OUTCOMES = {
    "ingested": ("【成功】", "已入库"),
    "replaced": ("【成功】", "已入库，替换了旧版本"),
    "unchanged": ("【未变】", "已在库中，内容未变化"),
    "skipped": ("【跳过】", "已跳过"),
    "failed": ("【失败】", "未入库"),
}
_CJK = re.compile(r"[\u3400-\u9fff]")
# A parenthesis holding a raw exception ("（PdfminerException: No /Root object!）"): logged, not shown.
# "（HTML）" stays: no colon, one word, not an exception class name.
_RAW_DETAIL = re.compile(
    r"[（(](?=[^（）()]*(?:[A-Za-z]\w*(?:Error|Exception)|[A-Za-z]{2,}[^（）()]*(?:[:：]|\s[A-Za-z])))"
    r"[^（）()\u3400-\u9fff]*[)）]"
)
_UNSAFE = re.compile(r"[^\w.\-]+")
READ_ONLY = "本站为只读部署，不能导入或删除文件。"
# What an upload must hold, by extension: checked on the bytes, before the file is kept or ingested.
UPLOAD_KINDS = {
    ".pdf": "PDF",
    ".txt": "文本",
    ".html": "HTML",
    ".htm": "HTML",
    ".xlsx": "Excel（.xlsx）",
    ".xls": "Excel（.xls）",
    ".docx": "Word（.docx）",
}
_ZIP_PART = {".xlsx": "xl/", ".docx": "word/"}  # the folder of an OOXML package's main part
_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")
_ZIP = b"PK\x03\x04"
_SNIFF = 256 * 1024  # bytes of a text upload decoded to tell it from a binary file

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """AssistantError -> a Chinese message in the UI; anything else -> a generic one, logged; the app
    stays up. functools.wraps keeps the signature, so Gradio names API parameters and injects gr.Progress."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except AssistantError as exc:
            log.warning("handler %s: %s", fn.__name__, exc)
            raise gr.Error(_readable(str(exc), "操作没有完成，请重试。"), title="出错") from exc
        except gr.Error:
            raise
        except Exception as exc:
            log.exception("handler failed")
            raise gr.Error("内部错误，请重试或换个问法。", title="出错") from exc

    return wrapper  # type: ignore[return-value]


def _readable(message: str, fallback: str) -> str:
    """A message without raw exception text; `fallback` when nothing Chinese is left."""
    text = _RAW_DETAIL.sub("", message).strip()
    return text if _CJK.search(text) else fallback


def is_foreign(question: str) -> bool:
    """A question with Latin letters and no Chinese character (an English question)."""
    return not _CJK.search(question) and bool(re.search(r"[A-Za-z]", question))


def _is_text(head: bytes) -> bool:
    """The first bytes of a file decode as text (UTF-8, UTF-16 with a BOM, GB18030) and hold no NUL
    byte, almost no control characters and no PDF, zip or OLE2 signature."""
    if head.lstrip()[:5] == b"%PDF-" or head[:4] == _ZIP or head[:8] == _OLE2:
        return False
    encodings = ["utf-16"] if head[:2] in {b"\xff\xfe", b"\xfe\xff"} else ["utf-8-sig", "gb18030"]
    if encodings != ["utf-16"] and b"\x00" in head:
        return False
    for encoding in encodings:
        try:
            text = codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f\v")
        return controls <= len(text) // 100
    return False


def content_problem(path: Path, name: str | None = None) -> str | None:
    """Why an uploaded file is refused before it is read (a Chinese sentence), or None when its content
    is what its extension says: a PDF starts with %PDF, .xlsx/.docx are zip packages of a workbook/document,
    .xls is an OLE2 file, .txt/.html decode as text. A file renamed to another type is refused."""
    suffix = Path(name or path.name).suffix.lower()
    if suffix not in UPLOAD_KINDS:
        return (
            f"不支持的文件类型 {suffix or '（无扩展名）'}，"
            "请上传 PDF、TXT、HTML、Excel（.xlsx/.xls）或 Word（.docx）文件"
        )
    with path.open("rb") as f:
        head = f.read(_SNIFF)
    if suffix == ".pdf":
        ok = head.lstrip()[:5] == b"%PDF-"
    elif suffix == ".xls":
        ok = head[:8] == _OLE2
    elif suffix in _ZIP_PART:
        try:
            with zipfile.ZipFile(path) as package:
                ok = any(n.startswith(_ZIP_PART[suffix]) for n in package.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            ok = False
    else:
        ok = _is_text(head)
    if ok:
        return None
    return f"文件内容不是{UPLOAD_KINDS[suffix]}文件，与扩展名 {suffix} 不符（可能改过扩展名），未导入"


def keep_upload(src: Path, folder: Path) -> Path:
    """Copy an uploaded file into the store as `<sha256[:16]>_<name>`: Gradio's upload folder is
    temporary, and the document's source_file must survive a restart (page views, re-ingest)."""
    with src.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256").hexdigest()[:16]
    stem = _UNSAFE.sub("_", src.stem).strip("._")[:60] or "file"
    dest = folder / f"{digest}_{stem}{_UNSAFE.sub('', src.suffix)}"
    if not dest.exists():
        folder.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        shutil.copyfile(src, part)
        part.replace(dest)
    return dest


def outcome_line(result: FileResult, name: str) -> str:
    """One Markdown line of the upload report: mark, what happened, the file, the detail."""
    mark, what = OUTCOMES.get(result.status, ("【提示】", result.status))
    detail = "" if result.status == "unchanged" else result.message
    if result.status == "failed":  # the raw exception text goes to the log, not to the reader
        damaged = "无法读取这个文件，可能已损坏或不完整"
        detail = _readable(result.message, damaged)
        if detail != result.message and damaged not in detail:
            detail += f"：{damaged}"
    return f"- {mark}{what}：**{name}**" + (f"　{detail}" if detail else "")


def plot_update(series: Series) -> dict[str, Any]:
    """A bar chart of one series: y from zero, the unit in the axis title, labels slanted so they don't
    overlap, bars in the series' order."""
    y = f"金额（{series.unit}）"
    frame = pd.DataFrame({"项目": series.labels, y: series.values})
    return gr.update(
        value=frame,
        x="项目",
        y=y,
        x_title="项目",
        y_title=y,
        y_lim=[0, None],
        x_label_angle=-40,
        sort=list(series.labels),
        title=series.title,
        caption=series.note or None,
        visible=True,
    )


class Handlers:
    """The app's event handlers over one Assistant; plain methods, callable in tests without a server."""

    def __init__(self, qa: Assistant, downloads: Path | None = None, read_only: bool | None = None) -> None:
        self.qa = qa
        self.read_only = qa.settings.read_only if read_only is None else read_only
        self.downloads = downloads or Path(tempfile.mkdtemp(prefix="budgetqa-"))
        self.uploads = qa.settings.paths.store / "uploads"

    def doc_choices(self) -> list[tuple[str, str]]:
        return [("全部文件", ALL)] + [(docs_label(d), d.doc_id) for d in self.qa.documents()]

    @staticmethod
    def scope_of(doc_id: str | None) -> list[str] | None:
        return None if not doc_id or doc_id == ALL else [doc_id]

    def refresh_docs(self, doc_id: str | None = ALL) -> dict[str, Any]:
        """The 问答范围 list read fresh from the store (page load, after an upload): documents ingested
        in another tab or with `budgetqa ingest` while the app runs appear without a restart."""
        choices = self.doc_choices()
        keep = doc_id if any(value == doc_id for _, value in choices) else ALL
        return gr.update(choices=choices, value=keep)

    @_guard
    def ask(self, question: str, doc_id: str = ALL) -> dict[str, Any]:
        """提一个问题，返回回答（JSON：text、value、unit、calculation、citations、status）。
        doc_id 为 "__all__" 时在全部文件中回答。"""
        return self.qa.ask(question, doc_ids=self.scope_of(doc_id)).model_dump(mode="json")

    @_guard
    def chat(self, message: str, messages: list, history: list, doc_id: str = ALL) -> tuple:
        """在对话中提问：返回更新后的对话、上下文、清空的输入框、来源列表、来源视图和提示。"""
        if not message or not message.strip():
            # A hint under the box; not gr.Error (overlays on every output, kept until closed) nor
            # gr.Warning (Gradio 6 heads its toasts "Warning" in English whatever the locale).
            return messages, history, message or "", gr.skip(), gr.skip(), EMPTY_QUESTION
        earlier = [Answer.model_validate(h) for h in history]
        try:
            answer = self.qa.ask(message, history=earlier, doc_ids=self.scope_of(doc_id))
        except AssistantError as exc:  # said in the conversation, no overlay; the app stays up
            log.warning("ask failed: %s", exc)
            failed = f"【出错】{_readable(str(exc), '这个问题没有回答成功，请重试或换个问法。')}"
            messages = [
                *messages,
                {"role": "user", "content": message},
                {"role": "assistant", "content": failed},
            ]
            return messages, history, "", gr.skip(), gr.skip(), ""
        shown = NOT_CHINESE if answer.status == "refused" and is_foreign(message) else answer_markdown(answer)
        messages = [
            *messages,
            {"role": "user", "content": message},
            {"role": "assistant", "content": shown},
        ]
        history = [*history, answer.model_dump(mode="json")]
        labels = [citation_label(c) for c in answer.citations]
        sources = gr.update(choices=labels, value=None, visible=bool(labels))
        return messages, history, "", sources, "", ""

    @staticmethod
    def clear_chat() -> tuple:
        """A new conversation: no messages, no context for follow-ups, no sources, no source table."""
        return [], [], "", gr.update(choices=[], value=None, visible=False), "", ""

    @_guard
    def show_source(self, label: str | None, history: list) -> str:
        if not label or not history:
            return ""
        answer = Answer.model_validate(history[-1])
        cited = next((c for c in answer.citations if citation_label(c) == label), None)
        return self.qa.source_html(cited) if cited else ""

    @_guard
    def on_doc(self, doc_id: str | None) -> tuple:
        """A document chosen: its example questions, tables and charts; for 全部文件 a hint instead."""
        one = doc_id if doc_id and doc_id != ALL else None
        examples = self.qa.example_questions(one)
        tables = (
            [(f"{t.title}（{t.unit or '未标明单位'}）", t.table_id) for t in self.qa.tables(one)]
            if one
            else []
        )
        series = self.qa.charts(one)[:PLOTS] if one else []
        charts_hint = CHARTS_NOTE if series else (NO_CHARTS if one else PICK_DOC_CHARTS)
        plots = [plot_update(s) for s in series] + [gr.update(visible=False)] * (PLOTS - len(series))
        return (
            gr.update(samples=[[q] for q in examples]),
            gr.update(choices=tables, value=tables[0][1] if tables else None),
            gr.update(value=NO_TABLES if one else PICK_DOC_TABLES, visible=not tables),
            gr.update(value=charts_hint),
            *plots,
        )

    @_guard
    def show_table(self, table_id: str | None) -> str:
        return self.qa.table_html(table_id) if table_id else ""

    @_guard
    def export(self, table_id: str | None, fmt: str) -> Any:
        if not table_id:  # the 表格 tab's hint already says why there is none
            return gr.skip()
        return str(self.qa.export_table(table_id, self.downloads, fmt))

    @_guard
    def upload(
        self,
        files: list[str] | None,
        doc_id: str | None = ALL,
        progress: gr.Progress = gr.Progress(),  # noqa: B008  (Gradio injects a tracker for this default)
    ) -> tuple:
        """Check each uploaded file's content against its extension, keep the good ones in the store,
        ingest them, report per file in Chinese, refresh the list. Refused outright when read-only."""
        if self.read_only:  # no upload control is shown then; this guards a direct call of the endpoint
            log.warning("upload refused: read-only")
            return READ_ONLY, gr.skip()
        if not files:
            return "请先选择要导入的文件。", gr.skip()
        given = [Path(f if isinstance(f, str) else f.name) for f in files]
        refused = [(p, why) for p in given if (why := content_problem(p))]
        for p, why in refused:
            log.info("upload %s refused: %s", p.name, why)
        refused_lines = [
            f"- {OUTCOMES['failed'][0]}{OUTCOMES['failed'][1]}：**{p.name}**　{why}" for p, why in refused
        ]
        given = [p for p in given if p not in dict(refused)]
        if not given:
            return "\n".join(refused_lines), self.refresh_docs(doc_id)
        progress(0, desc="正在保存上传的文件")
        kept = [keep_upload(p, self.uploads) for p in given]
        names = {str(k): g.name for k, g in zip(kept, given, strict=True)}
        order = list(names)

        def report(path: str, stage: str) -> None:
            i = order.index(path) if path in order else 0
            progress(
                (i + STAGE_SHARE.get(stage, 0.5)) / len(order),
                desc=f"第 {i + 1}/{len(order)} 个文件 {names.get(path, Path(path).name)}："
                f"{STAGES.get(stage, '处理中')}",
            )

        result = self.qa.ingest(kept, progress=report)
        for r in result.files:
            if r.status in {"failed", "skipped"}:  # nothing refers to the copy: don't keep it
                Path(r.path).unlink(missing_ok=True)
                log.info("upload %s: %s %s", names.get(r.path, r.path), r.status, r.message)
        lines = [outcome_line(r, names.get(r.path, Path(r.path).name)) for r in result.files]
        return "\n".join(refused_lines + lines), self.refresh_docs(doc_id)


def build_app(qa: Assistant, read_only: bool | None = None) -> gr.Blocks:
    """The page. Read-only (default: qa.settings.read_only): no 导入文件 tab and no upload event at all."""
    h = Handlers(qa, read_only=read_only)
    with gr.Blocks(title="BudgetQA 预算公开问答") as demo:
        gr.Markdown(
            "## BudgetQA 预算公开问答\n对部门预算、决算公开文件提问：每个数字都注明出处"
            "（文件、页码、表格、行、列）；文件中没有的内容会明确说明，不会猜测。"
        )
        history = gr.State([])
        doc = gr.Dropdown(choices=h.doc_choices(), value=ALL, label="问答范围（文件）", elem_id="doc-scope")
        with gr.Tabs():
            with gr.Tab("问答", id="chat"):
                chatbot = gr.Chatbot(label="对话", height=460, elem_id="chatbot")
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="例如：三公经费是多少？人员经费占基本支出多少？",
                        label="问题",
                        show_label=False,
                        scale=8,
                        elem_id="question",
                    )
                    send = gr.Button("提问", variant="primary", scale=1, elem_id="send")
                    new_chat = gr.Button("新对话", scale=1, elem_id="new-chat")
                hint = gr.Markdown("", label="提示", elem_id="question-hint")
                examples = gr.Dataset(
                    components=[box], samples=[[q] for q in qa.example_questions()], label="示例问题"
                )
                sources = gr.Radio(
                    choices=[], label="本回答的来源（点击查看原表或原文）", visible=False, elem_id="sources"
                )
                source_view = gr.HTML(label="来源原文", show_label=False, elem_id="source-view")
            with gr.Tab("表格", id="tables"):
                tables_hint = gr.Markdown(PICK_DOC_TABLES, elem_id="tables-hint")
                table_pick = gr.Dropdown(choices=[], label="选择表格", elem_id="table-pick")
                table_view = gr.HTML(elem_id="table-view")
                with gr.Row():
                    csv_btn = gr.Button("下载 CSV")
                    xlsx_btn = gr.Button("下载 XLSX")
                download = gr.File(label="下载文件", elem_id="table-download")
            with gr.Tab("图表", id="charts"):
                charts_hint = gr.Markdown(PICK_DOC_CHARTS, elem_id="charts-hint")
                plots = [gr.BarPlot(visible=False, height=360, show_label=False) for _ in range(PLOTS)]
            if not h.read_only:
                with gr.Tab("导入文件", id="upload"):
                    files = gr.File(
                        file_count="multiple",
                        file_types=list(UPLOAD_KINDS),
                        label="上传 PDF / TXT / HTML",
                        elem_id="upload-files",
                    )
                    ingest_btn = gr.Button("导入", variant="primary", elem_id="ingest")
                    status = gr.Markdown(elem_id="ingest-status")

        private: dict[str, Any] = {"api_visibility": "private"}
        chat_io = ([box, chatbot, history, doc], [chatbot, history, box, sources, source_view, hint])
        send.click(h.chat, *chat_io, api_name="chat")
        box.submit(h.chat, *chat_io, **private)
        cleared = [chatbot, history, box, sources, source_view, hint]
        new_chat.click(h.clear_chat, None, cleared, **private)
        chatbot.clear(h.clear_chat, None, cleared, **private)  # the trash icon of the chat
        examples.click(lambda x: x[0], examples, box, **private)
        sources.change(h.show_source, [sources, history], source_view, **private)
        doc.change(h.on_doc, doc, [examples, table_pick, tables_hint, charts_hint, *plots], **private)
        table_pick.change(h.show_table, table_pick, table_view, **private)
        csv_btn.click(lambda t: h.export(t, "csv"), table_pick, download, **private)
        xlsx_btn.click(lambda t: h.export(t, "xlsx"), table_pick, download, **private)
        if not h.read_only:
            ingest_btn.click(h.upload, [files, doc], [status, doc], concurrency_limit=1, **private)
        demo.load(h.refresh_docs, doc, doc, **private)
        # A JSON endpoint for programs: Client(url).predict(question, doc_id, api_name="/ask")
        hidden_q = gr.Textbox(visible=False, label="问题")
        hidden_doc = gr.Textbox(value=ALL, visible=False, label="问答范围（doc_id，或 __all__ 表示全部文件）")
        hidden_out = gr.JSON(visible=False, label="回答")
        gr.Button(visible=False).click(h.ask, [hidden_q, hidden_doc], hidden_out, api_name="ask")
    return demo


def parse_auth(text: str) -> list[tuple[str, str]] | None:
    """'user:password[,user2:password2]' -> Gradio's auth list; empty -> None (no login)."""
    pairs = [item.strip() for item in text.split(",") if item.strip()]
    if not pairs:
        return None
    if any(":" not in p or not p.split(":", 1)[0] or not p.split(":", 1)[1] for p in pairs):
        raise SystemExit("--auth / BUDGETQA_AUTH 的格式应为 用户名:密码（多个用逗号分隔）")
    return [(p.split(":", 1)[0], p.split(":", 1)[1]) for p in pairs]


def launch_options(
    settings: Settings, port: int, host: str | None = None, auth: str | None = None
) -> dict[str, Any]:
    """The keyword arguments of demo.launch, from the settings and the command line (which wins).

    - server_name: 127.0.0.1 unless an address is given (--host, BUDGETQA_HOST).
    - allowed_paths: none; blocked_paths: the store (budgetqa.sqlite, chroma/, uploads/) and this folder
      (.env, data/), plus GRADIO_BLOCKED_PATHS; blocked paths win over everything Gradio serves.
    - max_file_size: BUDGETQA_INGEST__MAX_FILE_MB, so Gradio refuses a larger upload before it is saved;
      0 when read-only, so no upload reaches the server's disk at all.
    """
    extra = [p.strip() for p in os.environ.get("GRADIO_BLOCKED_PATHS", "").split(",") if p.strip()]
    blocked = [str(settings.paths.store.resolve()), str(ROOT), *extra]
    return {
        "server_name": host or settings.host,
        "server_port": port,
        "share": False,
        "auth": parse_auth(auth if auth is not None else settings.auth.get_secret_value()),
        "allowed_paths": [],
        "blocked_paths": list(dict.fromkeys(blocked)),
        "max_file_size": 0 if settings.read_only else int(settings.ingest.max_file_mb * MB),
        "enable_monitoring": False,
        "theme": THEME,
        "css": CSS,
    }


def is_loopback(host: str) -> bool:
    return host in {"localhost", "::1"} or host.startswith("127.")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="BudgetQA web app")
    parser.add_argument("--store", default=os.environ.get("BUDGETQA_STORE", "data/store"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BUDGETQA_PORT", "7860")))
    parser.add_argument(
        "--host",
        default=None,
        help="listen address (default BUDGETQA_HOST, else 127.0.0.1: this machine only)",
    )
    parser.add_argument(
        "--auth",
        default=None,
        help="user:password asked at login (default BUDGETQA_AUTH; the variable keeps it out of `ps`)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    qa = Assistant.open(args.store, settings=Settings())
    if qa.settings.read_only:
        log.info("read-only: no upload")
    elif not qa.documents() and SAMPLES.is_dir():
        qa.ingest([SAMPLES])
    qa.warm_up()
    options = launch_options(qa.settings, args.port, args.host, args.auth)
    if not is_loopback(options["server_name"]) and not options["auth"]:
        log.warning(
            "listening on %s without --auth: anyone who reaches it can use the app", options["server_name"]
        )
    demo = build_app(qa)
    demo.queue(default_concurrency_limit=4)
    demo.launch(**options)


if __name__ == "__main__":
    main()
