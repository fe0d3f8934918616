"""`budgetqa` command line: ingest, docs, ask, audit, rm, eval. The composition root of the commands (like
app.py for the UI): it may use both `assistant` and `eval`.

Every text that comes from files or the store (paths, names, answers) goes through `escape`: rich would
read `[/y]` in a path as markup and crash. Messages for people go to stderr, data to stdout."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from tqdm import tqdm

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.parse_report import summarize
from assistant.resolve import read_doc_query, resolve_documents
from assistant.types import DocumentRecord
from eval.report import compare_runs, run_and_report

app = typer.Typer(help="BudgetQA 预算公开问答", no_args_is_help=True, add_completion=False)
console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)
StoreOpt = Annotated[Path, typer.Option("--store", envvar="BUDGETQA_STORE", help="Store folder.")]
DEFAULT_STORE = Path("data/store")
ID_LEN = 8  # doc_id prefix shown; `rm` and `audit --doc` take any prefix of 4 or more
DOC_ID_PREFIX = re.compile(r"[0-9a-f]{4,64}")
KIND_LABELS = {"budget": "预算", "final_accounts": "决算"}
SCOPE_LABELS = {"department": "部门", "unit": "单位"}


def _open(store: Path, create: bool = False) -> Assistant:
    """The store for a command; only `ingest` creates one (a mistyped --store must not look empty)."""
    try:
        return Assistant.open(store, create=create)
    except AssistantError as exc:
        _fail(str(exc), code=2)


def _fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


def _label(d: DocumentRecord) -> str:
    return f"{d.department} {d.year}年{KIND_LABELS[d.kind]}"


def _pick_documents(qa: Assistant, words: str) -> tuple[list[DocumentRecord], str]:
    """Documents named by a doc_id prefix, or by department words resolved as a question's are
    (abbreviations, regions, years, 预算/决算); exits 1 with 没有找到… when nothing fits. Returns the
    documents and the resolver's note (e.g. which year was assumed)."""
    docs = qa.documents()
    words = words.strip()
    if not docs:
        _fail("没有找到任何文件：问答库是空的；请先用 budgetqa ingest 导入")
    if DOC_ID_PREFIX.fullmatch(words):
        by_id = [d for d in docs if d.doc_id.startswith(words)]
        if by_id:
            return by_id, ""
    held = "、".join(sorted({d.department for d in docs}))
    query = read_doc_query(words, docs)
    if not query.departments and not query.ambiguous:
        _fail(f"没有找到“{words}”对应的文件（现有：{held}）")
    resolution = resolve_documents(words, docs)
    if resolution.refusal:
        _fail(f"没有找到“{words}”对应的唯一文件：{resolution.refusal}")
    return resolution.docs, resolution.note


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (PDF, TXT, HTML).")],
    store: StoreOpt = DEFAULT_STORE,
    report: Annotated[
        Path | None, typer.Option("--report", help="Write the parse report (JSON) here.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Also replace documents of the same department/year/kind/scope."),
    ] = False,
    as_one: Annotated[
        bool, typer.Option("--as-one", help="The given files are one disclosure (说明 + 报表).")
    ] = False,
) -> None:
    """Ingest disclosures into the store (creating it). Exit code 1 when any file failed."""
    qa = _open(store, create=True)
    files = [str(p) for p in paths]
    bar = tqdm(total=None, unit="file", disable=not os.isatty(2), leave=False)

    def progress(path: str, stage: str) -> None:
        bar.set_description(f"{Path(path).name[:40]} · {stage}")
        if stage == "index":
            bar.update(1)

    result = qa.ingest(files, progress=progress, replace=replace, as_one=as_one)
    bar.close()
    for f in result.files:
        colour = {"failed": "red", "unchanged": "dim", "replaced": "yellow", "skipped": "dim"}.get(
            f.status, "green"
        )
        console.print(
            f"[{colour}]{f.status:9}[/{colour}] {escape(f.path)}: {escape(f.message)} ({f.seconds:.1f}s)"
        )
    reports = qa.parse_report(result) if report or len(result.files) > 1 else []
    if len(result.files) > 1:
        _print_summary(summarize(reports))
    if report:
        report.write_text(
            json.dumps(
                {"summary": summarize(reports), "files": [r.model_dump(mode="json") for r in reports]},
                ensure_ascii=False,
                indent=1,
            ),
            encoding="utf-8",
        )
        console.print(f"parse report: {escape(str(report))}")
    if not result.ok:
        raise typer.Exit(1)


def _print_summary(summary: dict) -> None:
    table = Table("", "", title="导入汇总 (ingest summary)")
    table.add_row("files", str(summary["files"]))
    for status, n in sorted(summary["status"].items()):
        table.add_row(f"  {status}", str(n))
    table.add_row("documents", str(summary["documents"]))
    table.add_row("收入总计 = 支出总计", f"{summary['balance_passed']}/{summary['balance_checked']}")
    table.add_row("documents with audit findings", str(summary["documents_with_findings"]))
    for kind, n in summary["missing_tables"].items():
        table.add_row(f"  missing {kind}", str(n))
    console.print(table)


@app.command()
def docs(store: StoreOpt = DEFAULT_STORE, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the documents in the store."""
    records = _open(store).documents()
    if as_json:
        typer.echo(json.dumps([d.model_dump(mode="json") for d in records], ensure_ascii=False, indent=1))
        return
    # Nothing is cut short: documents of one department differ only by year, kind or scope, and the
    # id is what `rm` and `audit --doc` take. Long values fold onto the next line instead; file names
    # only, as whole paths would squeeze the rest into slivers on an 80-column terminal (--json has them).
    table = Table(title=f"{len(records)} 份文件", show_lines=True)
    for name in ("id", "year", "kind", "pages", "表/格"):  # 表/格: tables / cells stored
        table.add_column(name, no_wrap=True)
    table.add_column("department", overflow="fold", min_width=10)
    table.add_column("scope", overflow="fold", min_width=4)
    table.add_column("file", overflow="fold", ratio=1)
    for d in records:
        files = [Path(f.path).name for f in d.source_files] or [Path(d.source_file).name]
        table.add_row(
            *(
                escape(v)
                for v in (
                    d.doc_id[:ID_LEN],
                    str(d.year),
                    KIND_LABELS[d.kind],
                    str(d.pages or "-"),
                    f"{d.tables}/{d.cells}",
                    d.department,
                    d.scope_label or SCOPE_LABELS.get(d.scope or "", "-"),
                    "\n".join(files),
                )
            )
        )
    console.print(table)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese.")],
    store: StoreOpt = DEFAULT_STORE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Ask one question; prints the answer with its sources."""
    if not question.strip():
        _fail('请输入问题（例如：budgetqa ask "万里街道2024年“三公”经费是多少？"）', code=2)
    answer = _open(store).ask(question)
    if as_json:
        typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    colour = "green" if answer.status == "answered" else "yellow"
    console.print(f"[{colour}]{escape(answer.text)}[/{colour}]")
    if answer.calculation:
        console.print(escape(f"计算：{answer.calculation}"))
    for c in answer.citations:
        where = " · ".join(
            str(x)
            for x in [c.department, c.year, c.page and f"第{c.page}页", c.table, c.row, c.column, c.section]
            if x
        )
        console.print(escape(f"  [{c.key}] {where}：{c.quote[:120]}"))


@app.command()
def audit(
    store: StoreOpt = DEFAULT_STORE,
    doc: Annotated[
        str | None,
        typer.Option("--doc", help="doc_id (prefix) or department words, as in a question; default: all."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Where each disclosure disagrees with itself (sums, tables vs tables, 说明 vs tables).
    Exit code 1 when --doc names no stored document."""
    qa = _open(store)
    if doc is not None:
        docs, note = _pick_documents(qa, doc)
    else:
        docs, note = qa.documents(), ""
        if not docs:
            _fail("没有找到任何文件：问答库是空的；请先用 budgetqa ingest 导入")
    if note:
        errors.print(escape(note))
    report = {d.doc_id: qa.audit(d.doc_id) for d in docs}
    if as_json:
        payload = [
            {
                "doc_id": d.doc_id,
                "department": d.department,
                "year": d.year,
                "findings": [
                    {
                        "check": f.check,
                        "message": f.message,
                        "citations": [c.model_dump(mode="json") for c in f.citations],
                    }
                    for f in report[d.doc_id]
                ],
            }
            for d in docs
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    for d in docs:
        findings = report[d.doc_id]
        verdict = f"{len(findings)} 处不一致" if findings else "[green]未发现问题[/green]"
        console.print(f"[bold]{escape(_label(d))}[/bold]（{d.doc_id[:ID_LEN]}）：{verdict}")
        for f in findings:
            console.print(escape(f"  [{f.check}] {f.message}"))


@app.command("rm")
def remove(
    doc: Annotated[str, typer.Argument(help="doc_id (prefix, as `docs` shows it) or department words.")],
    store: StoreOpt = DEFAULT_STORE,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove one document from the store: its tables, cells, passages and vectors."""
    qa = _open(store)
    docs, note = _pick_documents(qa, doc)
    if len(docs) != 1 or note:
        # Deleting is not a question: an assumed year or a look-alike copy must be chosen by id.
        departments = {d.department for d in docs}
        for d in qa.documents():
            if d.department in departments:
                errors.print(escape(f"  {d.doc_id[:ID_LEN]}  {_label(d)}  {d.source_file}"))
        _fail(f"“{doc}”对应不止一份文件，请用上面的 id 指明要删除哪一份")
    target = docs[0]
    if not yes:
        typer.confirm(
            f"删除 {_label(target)}（{target.doc_id[:ID_LEN]}，{target.source_file}）？", abort=True
        )
    qa.remove(target.doc_id)
    console.print(escape(f"已删除 {_label(target)}（{target.doc_id[:ID_LEN]}）"))


@app.command("check")
def check(
    store: StoreOpt = DEFAULT_STORE,
    repair: Annotated[
        bool, typer.Option("--repair", help="Also remove vectors of no stored document.")
    ] = False,
) -> None:
    """Do SQLite and the vector index agree? Exit code 1 when they still do not."""
    qa = _open(store)
    opened = qa.store.drift  # opening already re-embedded passages that had lost their vectors
    now = qa.store.check(repair=repair)
    console.print(
        f"文件 {len(qa.documents())} 份；打开时补回向量 {opened.missing} 条；"
        f"缺向量的段落 {now.missing} 条；无主向量 {now.orphans} 条"
        + ("（已删除）" if repair and now.orphans else "")
    )
    left = qa.store.check() if repair else now
    if left.missing or left.orphans:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    testset: Annotated[Path | None, typer.Option("--testset", help="JSONL or CSV test set.")] = None,
    store: StoreOpt = DEFAULT_STORE,
    compare: Annotated[tuple[Path, Path] | None, typer.Option("--compare", help="Two run files.")] = None,
    report: Annotated[Path | None, typer.Option("--report", help="Write an HTML report here.")] = None,
    keep_going: Annotated[bool, typer.Option("--keep-going", help="Score errors as wrong.")] = False,
    baseline: Annotated[bool, typer.Option("--baseline", help="Also score LangChain RAG and BM25.")] = False,
) -> None:
    """Score answers against a test set; writes eval/runs/<date>_<sha>.jsonl."""
    if compare:
        compare_runs(*compare)
        return
    run_and_report(_open(store), testset, report, keep_going, baseline)


if __name__ == "__main__":
    app()
