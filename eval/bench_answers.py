"""Answer-side measurements for `make bench`: warm `ask` latency by kind of question, right / wrong /
refused on the same questions, memory, and cold start (process start to first answer) in a fresh
process that also builds the web app's UI.

Run as a module it is that fresh process: `python -m eval.bench_answers --store DIR QUESTION NARRATIVE`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from assistant import Assistant
from eval.dataset import EvalCase
from eval.run import run_eval

ROOT = Path(__file__).resolve().parents[1]
KINDS = {  # test-set categories -> the kinds the targets of issue 11 name
    "table": {"lookup", "code_lookup", "count", "yesno"},
    "calculation": {"calculation", "multi-document", "convert", "difference", "share", "sum"},
    "narrative": {"narrative", "consistency"},
    "refusal": {"refusal"},
}


def kind_of(case: EvalCase) -> str:
    return next((k for k, cats in KINDS.items() if case.category in cats), "table")


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank) in the values' unit, and n."""
    ordered = sorted(values)
    if not ordered:
        return {"n": 0}

    def rank(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)

    return {"p50": rank(0.50), "p95": rank(0.95), "p99": rank(0.99), "n": len(ordered)}


def warm_latency(qa: Assistant, cases: Sequence[EvalCase], rounds: int = 2) -> dict[str, dict[str, float]]:
    """Milliseconds per `ask`, by kind, over `rounds` passes after the model and caches are warm."""
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    for _ in range(rounds):
        for case in cases:
            started = time.perf_counter()
            qa.ask(case.question)
            times[kind_of(case)].append((time.perf_counter() - started) * 1000)
    every = [t for v in times.values() for t in v]
    return {k: percentiles(v) for k, v in times.items() if v} | {"all": percentiles(every)}


def accuracy(qa: Assistant, cases: Sequence[EvalCase]) -> dict[str, Any]:
    """eval.run's scoring: right, wrong (answered and not right) and refused (though answerable)."""
    report = run_eval(qa, list(cases))
    s = report.summary()
    return {
        "n": s["n"],
        "right": round(s["accuracy"], 4),
        "wrong": round(s["wrong_rate"], 4),
        "refused": round(s["refused"] / max(s["n"], 1), 4),
        "by_category": {k: f"{r}/{n}" for k, (r, n) in s["by_category"].items()},
        "correct_ids": sorted(r.case.id for r in report.results if r.correct),
    }


def rss_mb() -> dict[str, float]:
    """This process's resident memory now and at its peak, and the peak of its finished children."""
    status = dict(
        line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line
    )
    kb = {k: float(status[k].split()[0]) for k in ("VmRSS", "VmHWM") if k in status}
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "rss_mb": round(kb.get("VmRSS", 0) / 1024, 1),
        "peak_rss_mb": round(kb.get("VmHWM", 0) / 1024, 1),
        "children_peak_rss_mb": round(children / 1024, 1),
    }


def cold_start(store: Path, question: str, narrative: str) -> dict[str, Any]:
    """A new Python process: import the app (gradio), open the store, build the UI, answer `question`,
    then `narrative`. Seconds are wall time from just before the process starts to each answer."""
    started = time.time()
    command = [sys.executable, "-m", "eval.bench_answers", "--store", str(store), question, narrative]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    child = json.loads(proc.stdout.strip().splitlines()[-1])
    child["cold_start_seconds"] = round(child.pop("answered_at") - started, 2)
    child["cold_start_narrative_seconds"] = round(child.pop("narrative_answered_at") - started, 2)
    return child


def _child(store: Path, question: str, narrative: str) -> None:
    started = time.time()
    import app  # here, not at the top: importing the app (gradio) is part of what is timed

    imported = time.time()
    qa = Assistant.open(store, create=False)
    app.build_app(qa)
    opened = time.time()
    answer = qa.ask(question)
    answered = time.time()
    second = qa.ask(narrative)
    print(
        json.dumps(
            {
                "answered_at": answered,
                "narrative_answered_at": time.time(),
                "narrative_status": second.status,
                "import_seconds": round(imported - started, 2),
                "open_and_ui_seconds": round(opened - imported, 2),
                "first_answer_seconds": round(answered - opened, 2),
                "status": answer.status,
                "documents": len(qa.documents()),
                **rss_mb(),
            }
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("question")
    parser.add_argument("narrative")
    args = parser.parse_args()
    _child(args.store, args.question, args.narrative)
