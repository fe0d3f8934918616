"""The eval store (`make eval`): every corpus document and every bench disclosure, so that the documents
a question names always sit among distractors, as in a user's store. A no-op for files already in it."""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from assistant import Assistant


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--bench", type=Path, default=None, help="the crawler's folder (../shared/bench)")
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    folders = [args.corpus] + ([args.bench] if args.bench and args.bench.is_dir() else [])
    started = time.perf_counter()
    report = Assistant.open(args.store).ingest(folders)
    for f in report.files:
        if f.status in {"failed", "replaced"}:
            print(f"{f.status:9} {f.path}: {f.message}")
    counts = Counter(f.status for f in report.files)
    print(f"{dict(counts)} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
