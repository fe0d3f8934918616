"""Run a test set through the public API; write eval/runs/<date>_<gitsha>.jsonl and a summary."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from assistant import Assistant
from eval.dataset import DEFAULT_TESTSET, EvalCase, load_testset
from eval.metrics import score

RUNS = Path(__file__).parent / "runs"


@dataclass
class EvalResult:
    case: EvalCase
    answer: dict
    correct: bool
    citation: bool | None
    reason: str
    seconds: float


@dataclass
class EvalReport:
    results: list[EvalResult] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(r.correct for r in self.results) / max(len(self.results), 1)

    @property
    def wrong(self) -> list[EvalResult]:
        """Answered, and not right: a number or text that is wrong, or an answer where the documents
        cannot answer. The worst outcome, counted apart from refusals."""
        return [r for r in self.results if not r.correct and r.answer.get("status") == "answered"]

    @property
    def refused(self) -> list[EvalResult]:
        """Refused (or failed) though the documents answer it."""
        return [r for r in self.results if not r.correct and r.answer.get("status") != "answered"]

    def by(self, key: str) -> dict[str, tuple[int, int]]:
        out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for r in self.results:
            k = getattr(r.case, key) if key != "doc" else (r.case.docs[0] if r.case.docs else "-")
            out[k][0] += r.correct
            out[k][1] += 1
        return {k: (v[0], v[1]) for k, v in sorted(out.items())}

    def latency(self) -> tuple[float, float]:
        times = sorted(r.seconds for r in self.results)
        if not times:
            return 0.0, 0.0
        return statistics.median(times), times[min(len(times) - 1, int(0.95 * len(times)))]

    def summary(self) -> dict:
        p50, p95 = self.latency()
        cited = [r.citation for r in self.results if r.citation is not None]
        return {
            "n": len(self.results),
            "accuracy": round(self.accuracy, 4),
            "wrong": len(self.wrong),
            "wrong_rate": round(len(self.wrong) / max(len(self.results), 1), 4),
            "refused": len(self.refused),
            "citation_accuracy": round(sum(cited) / max(len(cited), 1), 4),
            "by_category": self.by("category"),
            "p50_ms": round(p50 * 1000, 1),
            "p95_ms": round(p95 * 1000, 1),
        }


def run_eval(qa: Assistant, cases: list[EvalCase] | None = None, keep_going: bool = True) -> EvalReport:
    """Ask every case through Assistant.ask and score it. Errors fail the run unless keep_going."""
    cases = cases if cases is not None else load_testset(DEFAULT_TESTSET)
    report = EvalReport()
    for case in cases:
        started = time.perf_counter()
        try:
            answer = qa.ask(case.question)
        except Exception:
            if not keep_going:
                raise
            report.results.append(EvalResult(case, {}, False, False, "error", time.perf_counter() - started))
            continue
        elapsed = time.perf_counter() - started
        s = score(case, answer)
        report.results.append(
            EvalResult(case, answer.model_dump(mode="json"), s.correct, s.citation, s.reason, elapsed)
        )
    return report


def git_sha() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "nogit"


def save_run(
    report: EvalReport, settings_json: dict, runs: Path | None = None, extra: dict | None = None
) -> Path:
    """eval/runs/<date>_<gitsha>.jsonl: a header (summary, settings, baselines), then one line per case."""
    runs = runs or RUNS
    runs.mkdir(parents=True, exist_ok=True)
    path = runs / f"{datetime.now():%Y%m%d-%H%M%S}_{git_sha()}.jsonl"
    header = {"summary": report.summary(), "settings": settings_json, "baselines": extra or {}}
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header, ensure_ascii=False) + "\n")
        for r in report.results:
            fh.write(
                json.dumps(
                    {
                        "id": r.case.id,
                        "correct": r.correct,
                        "citation": r.citation,
                        "reason": r.reason,
                        "ms": round(r.seconds * 1000, 1),
                        "answer": r.answer,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    return path
