"""Markdown tables from bench results files, with the targets of issue 11 beside the measurements:
`python -m eval.bench_table bench/results/bench_default.json [bench/results/bench_large.json]`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _get(data: dict[str, Any], path: str) -> Any:
    node: Any = data
    for key in path.split("."):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _verdict(value: float | None, limit: float, at_least: bool = False) -> str:
    if value is None:
        return "not measured"
    ok = value >= limit if at_least else value <= limit
    return "met" if ok else "missed"


def targets(results: dict[str, Any]) -> list[str]:
    """One row per target: what it asks, what was measured, met or missed."""
    big = next((k for k in sorted(results, reverse=True) if k.startswith("generated_")), None)
    ask = f"{big}.answers.ask_ms" if big else "store_real.answers.ask_ms"
    cold = f"{big}.cold_start" if big else "store_real.cold_start"
    where = f"{big.split('_')[1]} generated docs" if big else "real store"
    ratio = "naive_10.ingest_time_ratio_budgetqa_over_naive"
    rows = [
        ("ingest, real corpus, docs/s (incl. embedding)", "≥ 1", "real_ingest.documents_per_s", 1, True),
        ("ingest time BudgetQA / naive, same 10 docs", "≤ 1", ratio, 1, False),
        (f"table answers p50 ms, {where}", "≤ 20", f"{ask}.table.p50", 20, False),
        (f"table answers p95 ms, {where}", "≤ 100", f"{ask}.table.p95", 100, False),
        (f"narrative answers p95 ms, {where}", "≤ 250", f"{ask}.narrative.p95", 250, False),
        (f"cold start s (start → first answer), {where}", "≤ 8", f"{cold}.cold_start_seconds", 8, False),
        (f"app RSS MB, {where}", "≤ 1536", f"{cold}.rss_mb", 1536, False),
    ]
    out = ["| target | goal | measured | |", "|---|---|---|---|"]
    for label, goal, path, limit, at_least in rows:
        value = _get(results, path)
        shown = "–" if value is None else value
        out.append(f"| {label} | {goal} | {shown} | {_verdict(value, limit, at_least)} |")
    return out


def latency(results: dict[str, Any]) -> list[str]:
    """Warm `ask` ms (p50 / p95 / p99) by kind for every store in the results."""
    stores = [k for k in results if k.startswith(("store_", "generated_"))]
    head = "| store | docs | table | calculation | narrative | refusal | right / wrong / refused |"
    out = [head, "|---|---|---|---|---|---|---|"]
    for key in stores:
        a = _get(results, f"{key}.answers") or {}
        cells = []
        for kind in ("table", "calculation", "narrative", "refusal"):
            p = (a.get("ask_ms") or {}).get(kind)
            cells.append(f"{p['p50']} / {p['p95']} / {p['p99']}" if p else "–")
        acc = a.get("accuracy") or {}
        shares = " / ".join(f"{acc.get(k, 0):.1%}" for k in ("right", "wrong", "refused"))
        score = f"{shares} (n={acc.get('n')})"
        out.append(f"| {key} | {a.get('documents')} | {' | '.join(cells)} | {score} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("results", type=Path, nargs="+")
    args = parser.parse_args()
    merged: dict[str, Any] = {}
    for path in args.results:
        merged |= json.loads(path.read_text(encoding="utf-8"))
    print("\n".join([*targets(merged), "", *latency(merged)]))


if __name__ == "__main__":
    main()
