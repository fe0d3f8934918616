"""`budgetqa` command line: ingest, docs, ask, eval. The composition root of the commands (like app.py for
the UI): it may use both `assistant` and `eval`."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from tqdm import tqdm

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.parse_report import summarize
from eval.report import compare_runs, run_and_report

app = typer.Typer(help="BudgetQA 预算公开问答", no_args_is_help=True, add_completion=False)
console = Console(soft_wrap=True)
StoreOpt = Annotated[Path, typer.Option("--store", envvar="BUDGETQA_STORE", help="Store folder.")]
DEFAULT_STORE = Path("data/store")


def _open(store: Path) -> Assistant:
    try:
        return Assistant.open(store)
    except AssistantError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from exc


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
    """Ingest disclosures into the store. Exit code 1 when any file failed."""
    qa = _open(store)
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
    table = Table("department", "year", "kind", "pages", "tables", "cells", "file")
    for d in records:
        table.add_row(
            d.department,
            str(d.year),
            "决算" if d.kind == "final_accounts" else "预算",
            str(d.pages or "-"),
            str(d.tables),
            str(d.cells),
            d.source_file,
        )
    console.print(table)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in Chinese.")],
    store: StoreOpt = DEFAULT_STORE,
    as_json: Annotated[bool, typer.Option("--json", help="Print the Answer as JSON.")] = False,
) -> None:
    """Ask one question; prints the answer with its sources."""
    answer = _open(store).ask(question)
    if as_json:
        typer.echo(json.dumps(answer.model_dump(mode="json"), ensure_ascii=False, indent=1))
        return
    colour = "green" if answer.status == "answered" else "yellow"
    console.print(f"[{colour}]{answer.text}[/{colour}]")
    if answer.calculation:
        console.print(f"计算：{answer.calculation}")
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
        str | None, typer.Option("--doc", help="doc_id (prefix) or department; default: all.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Where each disclosure disagrees with itself (sums, tables vs tables, 说明 vs tables)."""
    qa = _open(store)
    docs = [d for d in qa.documents() if not doc or d.doc_id.startswith(doc) or doc in d.department]
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
        console.print(f"[bold]{d.department} {d.year}[/bold]: {len(findings)} 处不一致")
        for f in findings:
            console.print(escape(f"  [{f.check}] {f.message}"))


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
