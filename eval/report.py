"""Terminal summary, self-contained HTML report, and run comparison for `budgetqa eval`."""

from __future__ import annotations

import html
import json
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant import Assistant
from eval.baselines import run_baselines
from eval.dataset import DEFAULT_TESTSET, load_testset
from eval.run import EvalReport, run_eval, save_run

console = Console(soft_wrap=True)


def print_summary(report: EvalReport, baselines: dict[str, EvalReport] | None = None) -> None:
    """Accuracy by category, ours beside each baseline's; citations and latency below."""
    s = report.summary()
    baselines = baselines or {}
    table = Table("category", "n", "BudgetQA", *baselines, title=f"BudgetQA: {s['accuracy']:.1%} of {s['n']}")
    others = {name: b.by("category") for name, b in baselines.items()}
    for cat, (ok, n) in report.by("category").items():
        table.add_row(
            cat, str(n), f"{ok / n:.1%}", *(f"{o.get(cat, (0, n))[0] / n:.1%}" for o in others.values())
        )
    table.add_row(
        "all", str(s["n"]), f"{s['accuracy']:.1%}", *(f"{b.accuracy:.1%}" for b in baselines.values())
    )
    console.print(table)
    console.print(
        f"citations right: {s['citation_accuracy']:.1%}   latency p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms"
    )


def _rows(groups: dict[str, tuple[int, int]]) -> str:
    return "".join(
        f"<tr><td>{html.escape(k)}</td><td>{ok}/{n}</td><td>{ok / n:.1%}</td></tr>"
        for k, (ok, n) in groups.items()
    )


def _histogram(report: EvalReport) -> str:
    times = [r.seconds * 1000 for r in report.results]
    edges = [5, 10, 20, 50, 100, 200, 500, 1000, 5000]
    counts = [sum(1 for t in times if (edges[i - 1] if i else 0) <= t < e) for i, e in enumerate(edges)]
    peak = max(counts) or 1
    return "".join(
        f"<div class=bar><span style='width:{300 * c / peak:.0f}px'></span> &lt;{e} ms: {c}</div>"
        for e, c in zip(edges, counts, strict=True)
    )


def write_html(report: EvalReport, path: Path, baselines: dict[str, EvalReport] | None = None) -> None:
    """One self-contained page: accuracy by category and by document, the baselines and our margin,
    the failures with answer versus gold, a latency histogram."""
    s = report.summary()
    baselines = baselines or {}
    base_rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{b.accuracy:.1%}</td>"
        f"<td>{s['accuracy'] - b.accuracy:+.1%}</td></tr>"
        for name, b in baselines.items()
    )
    base_table = (
        "<h2>Baselines</h2><table><tr><th>system</th><th>accuracy</th><th>BudgetQA margin</th></tr>"
        f"<tr><td>BudgetQA</td><td>{s['accuracy']:.1%}</td><td></td></tr>{base_rows}</table>"
        if baselines
        else ""
    )
    fails = "".join(
        f"<tr><td>{html.escape(r.case.id)}</td><td>{html.escape(r.case.question)}</td>"
        f"<td>{html.escape(str(r.case.value if r.case.value is not None else list(r.case.expect_all)))}"
        f" {html.escape(r.case.unit or '')}</td><td>{html.escape((r.answer.get('text') or '')[:200])}</td>"
        f"<td>{html.escape(r.reason)}</td></tr>"
        for r in report.results
        if not r.correct
    )
    style = (
        "body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:4px}"
        "table{border-collapse:collapse}.bar span{display:inline-block;height:10px;background:#36c}"
    )
    page = (
        f"<!doctype html><meta charset=utf-8><title>BudgetQA eval</title><style>{style}</style>"
        f"<h1>BudgetQA evaluation: {s['accuracy']:.1%} of {s['n']}</h1>"
        f"<p>citations right {s['citation_accuracy']:.1%} · latency p50 {s['p50_ms']} ms"
        f" · p95 {s['p95_ms']} ms</p>"
        f"{base_table}"
        f"<h2>By category</h2><table><tr><th>category</th><th>correct</th><th>accuracy</th></tr>"
        f"{_rows(report.by('category'))}</table>"
        f"<h2>By document</h2><table><tr><th>document</th><th>correct</th><th>accuracy</th></tr>"
        f"{_rows(report.by('doc'))}</table>"
        f"<h2>Latency</h2>{_histogram(report)}"
        f"<h2>Failures</h2><table><tr><th>id</th><th>question</th><th>gold</th><th>answer</th><th>why</th></tr>"
        f"{fails}</table>"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")


def run_and_report(
    qa: Assistant, testset: Path | None, html_path: Path | None, keep_going: bool, baseline: bool = False
) -> EvalReport:
    """Run the test set, print the summary, save the run file, write the HTML report."""
    cases = load_testset(testset or DEFAULT_TESTSET)
    report = run_eval(qa, cases, keep_going=keep_going)
    baselines: dict[str, EvalReport] = {}
    if baseline:
        files = [Path(d.source_file) for d in qa.documents() if Path(d.source_file).exists()]
        baselines = run_baselines(files, cases, qa.settings.embedding)
    print_summary(report, baselines)
    saved = save_run(
        report,
        qa.settings.model_dump(mode="json"),
        extra={name: b.summary() for name, b in baselines.items()},
    )
    console.print(f"run written to {saved}")
    if html_path:
        write_html(report, html_path, baselines)
        console.print(f"report written to {html_path}")
    return report


def compare_runs(a: Path, b: Path) -> None:
    """Per-category accuracy of two run files, and the questions whose outcome changed."""

    def load(p: Path) -> tuple[dict, dict[str, bool]]:
        lines = [json.loads(x) for x in p.read_text(encoding="utf-8").splitlines() if x.strip()]
        return lines[0]["summary"], {r["id"]: r["correct"] for r in lines[1:]}

    (sa, ra), (sb, rb) = load(a), load(b)
    table = Table("category", a.name, b.name)
    for cat in sorted(set(sa["by_category"]) | set(sb["by_category"])):
        fa, fb = sa["by_category"].get(cat, [0, 0]), sb["by_category"].get(cat, [0, 0])
        table.add_row(cat, f"{fa[0]}/{fa[1]}", f"{fb[0]}/{fb[1]}")
    table.add_row("all", f"{sa['accuracy']:.1%}", f"{sb['accuracy']:.1%}")
    console.print(table)
    for qid in sorted(set(ra) & set(rb)):
        if ra[qid] != rb[qid]:
            console.print(f"{qid}: {'✓' if ra[qid] else '✗'} -> {'✓' if rb[qid] else '✗'}")
