"""Ingest the main file of every corpus folder into a store (for `make eval`); a no-op when up to date."""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant import Assistant
from eval.bench import corpus_files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args()
    report = Assistant.open(args.store).ingest(corpus_files(args.corpus))
    for f in report.files:
        print(f"{f.status:9} {f.path}: {f.message}")


if __name__ == "__main__":
    main()
