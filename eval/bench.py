"""`make bench` / `make bench-large`: ingest throughput (with its split by stage and the speedup of the
process pool), warm answer latency by kind of question at several store sizes, cold start and memory,
and the naive LangChain pipeline side by side, on the real corpus and on a generated one.

Results go to bench/results/bench_<name>.json (and stdout). They are measurements, not tests: the
machine is shared, so timings are noisy; the load average at the start is recorded with them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from assistant import Assistant
from assistant.settings import IngestSettings, PathSettings, Settings
from eval.bench_answers import accuracy, cold_start, rss_mb, warm_latency
from eval.bench_corpus import generate, questions
from eval.bench_naive import NaivePipeline, retrieval_hit
from eval.bench_render import write_corpus
from eval.bench_stages import profile_parse, staged_ingest
from eval.dataset import EvalCase, load_testset
from ingest.pipeline import expand_paths

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
NEW_DOCUMENTS = ROOT / "eval" / "testset_new_documents.jsonl"


def corpus_files(corpus: Path, cases: list[EvalCase] | None = None) -> list[Path]:
    """The documents the test set names (its `docs` field), found by file name under the corpus folder."""
    names = {name for case in (cases if cases is not None else load_testset()) for name in case.docs}
    found = {f.name: f for f in sorted(corpus.rglob("*")) if f.is_file() and f.name in names}
    missing = names - set(found)
    if missing:
        raise FileNotFoundError(f"test-set documents not under {corpus}: {sorted(missing)}")
    return [found[n] for n in sorted(found)]


def open_store(folder: Path, workers: int = 2) -> Assistant:
    """A new, empty store in `folder` with the default settings (the real embedding model)."""
    shutil.rmtree(folder, ignore_errors=True)
    base = Settings()
    settings = base.model_copy(
        update={
            "paths": PathSettings(store=folder),
            "ingest": base.ingest.model_copy(update={"workers": workers}),
        }
    )
    return Assistant.open(settings=settings)


def timed_ingest(qa: Assistant, paths: list[Path]) -> dict[str, Any]:
    """Wall time of `qa.ingest(paths)`, documents and pages stored, and their rates."""
    started = time.perf_counter()
    report = qa.ingest(paths)
    seconds = time.perf_counter() - started
    ids = {f.doc_id for f in report.files if f.status in {"ingested", "replaced"}}
    docs = [d for d in qa.documents() if d.doc_id in ids]
    pdf_pages = sum(d.pages or 0 for d in docs)
    slowest = sorted(report.files, key=lambda f: -f.seconds)[:3]
    return {
        "files": len(paths),
        "documents": len(docs),
        "failed": sum(f.status == "failed" for f in report.files),
        "pdf_pages": pdf_pages,
        "text_documents": sum(d.pages is None for d in docs),
        "seconds": round(seconds, 1),
        "documents_per_s": round(len(docs) / seconds, 3),
        "pdf_pages_per_s": round(pdf_pages / seconds, 1),
        "slowest_files_s": {Path(f.path).name: round(f.seconds, 1) for f in slowest},
        "balance": _balance(qa, report),
    }


def _balance(qa: Assistant, report: Any) -> dict[str, int]:
    """The parse report's 收入=支出 check over the stored documents: checked, passed."""
    checks = [c for fr in qa.parse_report(report) for c in fr.checks if c.check == "balance"]
    return {"checked": len(checks), "passed": sum(c.passed for c in checks)}


def answers(qa: Assistant, cases: list[EvalCase], rounds: int) -> dict[str, Any]:
    qa.warm_up()
    acc = accuracy(qa, cases)  # also the priming pass: row caches filled, as in a running app
    return {
        "documents": len(qa.documents()),
        "questions": len(cases),
        "ask_ms": warm_latency(qa, cases, rounds),
        "accuracy": {k: v for k, v in acc.items() if k != "correct_ids"},
        "_correct_ids": acc["correct_ids"],
    }


def naive_side_by_side(
    paths: list[Path], qa: Assistant, folder: Path, cases: list[EvalCase], budgetqa: dict[str, Any]
) -> dict[str, Any]:
    """The naive pipeline on the same files and questions; ratios are naive / BudgetQA."""
    shutil.rmtree(folder, ignore_errors=True)
    naive = NaivePipeline(folder, qa.store.embedder)
    ingest = naive.ingest(paths)
    k = qa.settings.retrieval.top_k
    hits: list[bool] = []
    judged: list[str] = []
    times: list[float] = []
    for case in cases:
        started = time.perf_counter()
        chunks = naive.search(case.question, k)
        times.append((time.perf_counter() - started) * 1000)
        hit = retrieval_hit(case, chunks)
        if hit is not None:
            hits.append(hit)
            judged.append(case.id)
    correct = set(budgetqa["answers"]["_correct_ids"])
    ordered = sorted(times)
    p50 = ordered[len(ordered) // 2]
    ours = budgetqa["answers"]["ask_ms"]["all"]
    return {
        "ingest": {
            "files": ingest.files,
            "pages": ingest.pages,
            "chunks": ingest.chunks,
            "seconds": round(ingest.total, 1),
            "seconds_by_step": {s: round(v, 1) for s, v in ingest.seconds.items()},
            "documents_per_s": round(ingest.files / max(ingest.total, 1e-9), 3),
        },
        "ingest_time_ratio_budgetqa_over_naive": round(
            budgetqa["ingest"]["seconds"] / max(ingest.total, 1e-9), 2
        ),
        "query_ms": {"p50": round(p50, 1), "p95": round(ordered[int(0.95 * len(ordered))], 1), "k": k},
        "query_latency_ratio_budgetqa_over_naive": {
            "p50": round(ours["p50"] / max(p50, 1e-9), 2),
            "p95": round(ours["p95"] / max(ordered[int(0.95 * len(ordered))], 1e-9), 2),
        },
        "judged_questions": len(judged),
        "naive_retrieval_hit_rate": round(sum(hits) / max(len(hits), 1), 4),
        "budgetqa_right_on_judged": round(sum(i in correct for i in judged) / max(len(judged), 1), 4),
        "meaning": (
            "naive_retrieval_hit_rate: share of the judged questions (numbers >= 10 and text answers with "
            "required phrases; refusals and small numbers excluded) whose gold value or phrases appear "
            f"in the naive pipeline's top-{k} chunks: an upper bound for an LLM reading those chunks, not "
            "an accuracy. budgetqa_right_on_judged: BudgetQA's scored answers (eval.run) right on the "
            "same questions, with the exact number and its source."
        ),
    }


def generated(n: int, work: Path, seed: int, rounds: int) -> dict[str, Any]:
    """N generated disclosures (half PDF, half text): write, ingest, ask their own questions."""
    disclosures = generate(n, seed)
    started = time.perf_counter()
    paths = write_corpus(disclosures, work / f"generated_{n}" / "files")
    written = time.perf_counter() - started
    qa = open_store(work / f"generated_{n}" / "store")
    ingest = timed_ingest(qa, paths)
    # At most 300 questions, spread over the corpus: latency must not depend on which documents.
    cases = [c for d, p in zip(disclosures, paths, strict=True) for c in questions(d, p.name)]
    cases = sorted(random.Random(seed).sample(cases, min(300, len(cases))), key=lambda c: c.id)
    result = {"n": n, "seed": seed, "write_seconds": round(written, 1), "ingest": ingest}
    result["answers"] = answers(qa, cases, rounds)
    result["answers"].pop("_correct_ids")
    qa.close()
    first = next(c.question for c in cases if c.category == "lookup")
    narrative = next(c.question for c in cases if c.category == "narrative")
    result["cold_start"] = cold_start(work / f"generated_{n}" / "store", first, narrative)
    return result


def real_corpus(args: argparse.Namespace, out: dict[str, Any]) -> None:
    work: Path = args.work
    files = [Path(p) for p in expand_paths([args.corpus, args.bench])[0]][: args.real_limit]
    qa = open_store(work / "real")
    out["real_ingest"] = timed_ingest(qa, files) | rss_mb()
    print(json.dumps(out["real_ingest"], ensure_ascii=False), flush=True)
    pdfs = [f for f in files if f.suffix == ".pdf" and args.bench in f.parents] or [
        f for f in files if f.suffix == ".pdf"
    ]
    subset = pdfs[:: max(1, len(pdfs) // args.subset)][: args.subset]
    speed = {w: timed_ingest(open_store(work / f"workers{w}", w), subset) for w in (1, 2)}
    out["workers_speedup"] = {
        "files": len(subset),
        "seconds_1_worker": speed[1]["seconds"],
        "seconds_2_workers": speed[2]["seconds"],
        "speedup": round(speed[1]["seconds"] / max(speed[2]["seconds"], 1e-9), 2),
    }
    out["stages"] = staged_ingest(subset, open_store(work / "stages", 1))
    print(json.dumps(out["stages"], ensure_ascii=False), flush=True)
    out["profile_parse_pages"] = profile_parse(subset[:3], qa).splitlines()[:60]
    testset = load_testset()
    small = open_store(work / "ten")
    ten = corpus_files(args.corpus)
    out["store_10"] = {"ingest": timed_ingest(small, ten)}
    out["store_10"]["answers"] = answers(small, testset, args.rounds)
    # The naive pipeline on the same 10 documents and questions (on all ~120 with --naive-real: its
    # embedding of every page is the slow part, ~20 chunks/s on this machine).
    out["naive_10"] = naive_side_by_side(ten, small, work / "naive10", testset, out["store_10"])
    out["store_10"]["answers"].pop("_correct_ids")
    small.close()
    cases = testset + load_testset(NEW_DOCUMENTS)
    out["store_real"] = {"ingest": out["real_ingest"], "answers": answers(qa, cases, args.rounds)}
    if args.naive_real:
        out["naive_real"] = naive_side_by_side(files, qa, work / "naive", cases, out["store_real"])
    out["store_real"]["answers"].pop("_correct_ids")
    qa.close()
    narrative = next(c.question for c in testset if c.category == "narrative")
    out["store_real"]["cold_start"] = cold_start(work / "real", testset[0].question, narrative)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--bench", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--work", type=Path, default=Path("/tmp/budgetqa-bench"))
    parser.add_argument("--name", default="default", help="results file: bench/results/bench_<name>.json")
    parser.add_argument("--generated", type=int, nargs="*", default=[100], help="generated corpus sizes")
    parser.add_argument("--no-real", action="store_true", help="only the generated corpus")
    parser.add_argument("--subset", type=int, default=12, help="files for the 1-vs-2-worker and stage runs")
    parser.add_argument("--real-limit", type=int, default=None, help="first N real files (a quick check)")
    parser.add_argument("--naive-real", action="store_true", help="naive pipeline on all real files too")
    parser.add_argument("--rounds", type=int, default=2, help="warm passes over the questions")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    args.corpus, args.bench = args.corpus.resolve(), args.bench.resolve()
    out: dict[str, Any] = {
        "date": datetime.now().isoformat(timespec="seconds"),
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "embedding": Settings().embedding.model,
            "workers": IngestSettings().workers,
            "top_k": Settings().retrieval.top_k,
        },
    }
    started = time.perf_counter()
    if not args.no_real:
        real_corpus(args, out)
    for n in args.generated:
        out[f"generated_{n}"] = generated(n, args.work, args.seed, args.rounds)
        print(json.dumps(out[f"generated_{n}"]["ingest"], ensure_ascii=False), flush=True)
    out["bench_seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_{args.name}.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        json.dumps({k: v for k, v in out.items() if k != "profile_parse_pages"}, ensure_ascii=False, indent=1)
    )
    print(f"written: {path}")


if __name__ == "__main__":
    main()
