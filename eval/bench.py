"""`make bench`: ingest time per document and for the corpus, warm answer latency (p50/p95) by kind of
question. Numbers go to stdout and eval/runs/bench_<date>.json; they are measurements, not tests."""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
from datetime import datetime
from pathlib import Path

from assistant import Assistant
from eval.dataset import EvalCase, load_testset
from eval.run import RUNS


def corpus_files(corpus: Path, cases: list[EvalCase] | None = None) -> list[Path]:
    """The documents the test set names (its `docs` field), found by file name under the corpus folder."""
    names = {name for case in (cases if cases is not None else load_testset()) for name in case.docs}
    found = {f.name: f for f in sorted(corpus.rglob("*")) if f.is_file() and f.name in names}
    missing = names - set(found)
    if missing:
        raise FileNotFoundError(f"test-set documents not under {corpus}: {sorted(missing)}")
    return [found[n] for n in sorted(found)]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--store", type=Path, default=Path("/tmp/budgetqa-bench"))
    parser.add_argument(
        "--corpus", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus"
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(args.store, ignore_errors=True)
    started = time.perf_counter()
    qa = Assistant.open(args.store)
    open_s = time.perf_counter() - started
    files = corpus_files(args.corpus)
    t0 = time.perf_counter()
    report = qa.ingest(files)
    ingest_total = time.perf_counter() - t0
    per_doc = {Path(f.path).parent.name: round(f.seconds, 2) for f in report.files}
    qa.warm_up()
    cases = load_testset()
    kinds = {
        "table": {"lookup", "code_lookup"},
        "calculation": {"calculation", "multi-document"},
        "narrative": {"narrative", "consistency"},
        "refusal": {"refusal"},
    }
    latency: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.rounds):
        for case in cases:
            kind = next(k for k, cats in kinds.items() if case.category in cats)
            t = time.perf_counter()
            qa.ask(case.question)
            latency[kind].append((time.perf_counter() - t) * 1000)
    result = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "documents": len(files),
        "ingest_seconds_total": round(ingest_total, 1),
        "ingest_seconds": per_doc,
        "store_open_seconds": round(open_s, 2),
        "ask_ms": {
            k: {"p50": round(statistics.median(v), 1), "p95": round(percentile(v, 0.95), 1), "n": len(v)}
            for k, v in latency.items()
            if v
        },
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    RUNS.mkdir(parents=True, exist_ok=True)
    (RUNS / f"bench_{datetime.now():%Y%m%d-%H%M%S}.json").write_text(
        json.dumps(result, ensure_ascii=False, indent=1)
    )


if __name__ == "__main__":
    main()
