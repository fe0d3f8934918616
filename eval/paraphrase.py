"""The paraphrase split: questions generated from hand-verified golden cells x operations x wording.

Every expected value is one golden cell (tests/golden/corpus/*.json) or exact Decimal arithmetic over
golden cells of one document; the wording (question templates, year/kind/organisation variants,
header roles) lives in eval/lexicon/paraphrase.toml.  Each case names its cells in `evidence`
("table / row / column = value, p.N", joined by "; ") so a test can re-derive the value.

    python -m eval.paraphrase --out eval/testset_paraphrase.jsonl
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.paraphrase_cells import (
    GOLDEN_DIR,
    LEXICON,
    Cell,
    CellRef,
    Doc,
    Item,
    Lexicon,
    build_items,
    find_cell,
    full_title,
    has_any,
    load_golden,
    load_lexicon,
    parse_evidence,
    parse_ref,
)
from eval.paraphrase_ops import (
    Case,
    Words,
    convert_case,
    convert_units,
    difference_candidates,
    difference_case,
    lookup_case,
    share_candidates,
    share_case,
    sum_candidates,
    sum_case,
)

__all__ = [
    "GOLDEN_DIR",
    "LEXICON",
    "OPERATIONS",
    "Cell",
    "CellRef",
    "Doc",
    "find_cell",
    "generate",
    "load_golden",
    "load_lexicon",
    "main",
    "parse_evidence",
    "parse_ref",
    "to_jsonl",
]

DEFAULT_OUT = Path(__file__).parent / "testset_paraphrase.jsonl"
OPERATIONS = ("lookup", "convert", "sum", "difference", "share")


# ------------------------------------------------------------------ ambiguity


def econ_tables(lex: Lexicon, doc: Doc) -> int:
    t = lex["tables"]
    return sum(1 for title in doc.titles if has_any(title, t["basic"]) and t["sangong"] not in title)


def table_needed(lex: Lexicon, item: Item) -> bool:
    """Whether the document holds the same row in another table (a part of the money, another view)."""
    if item.sangong:
        return False
    t, title = lex["tables"], full_title(item.cell)
    if has_any(title, t["balance"]):
        return has_any(title, t["subset"])
    code = item.code or ""
    if code.startswith("2"):
        return not (t["spending"] in title and not has_any(title, t["not_overall"]))
    if code.startswith("3"):
        return econ_tables(lex, item.cell.doc) > 1 or not has_any(title, t["basic"])
    return True


def mark_ambiguity(lex: Lexicon, items: list[Item], skipped: Counter[str]) -> list[Item]:
    for item in items:
        item.need_table = table_needed(lex, item)
        natural = lex["words"]["natural_measure"][item.cell.doc.kind]
        item.need_measure = item.measure_token() not in ("", natural)
    for a, b in itertools.combinations(items, 2):
        if not set(a.names) & set(b.names) or a.value_yuan(lex) == b.value_yuan(lex):
            continue
        if a.cell.table != b.cell.table:
            a.need_table = b.need_table = True
        elif a.code != b.code:
            a.need_code = b.need_code = True
    return drop_collisions(lex, items, skipped)


def drop_collisions(lex: Lexicon, items: list[Item], skipped: Counter[str]) -> list[Item]:
    """Same name, table and qualifiers but another value: name the measure too; still the same: drop
    them all.  Same value: keep the first (either answer is right)."""

    def groups() -> dict[tuple[object, ...], list[Item]]:
        out: dict[tuple[object, ...], list[Item]] = {}
        for item in items:
            out.setdefault(item.signature(), []).append(item)
        return out

    for group in groups().values():
        if len({i.value_yuan(lex) for i in group}) > 1:
            for i in group:
                i.need_measure = True
    kept: list[Item] = []
    for group in groups().values():
        if len({i.value_yuan(lex) for i in group}) > 1:
            skipped["ambiguous within the golden file"] += len(group)
            continue
        kept.append(group[0])
        skipped["same value as another cell of the same name"] += len(group) - 1
    return sorted(kept, key=items.index)


# ------------------------------------------------------------------ selection


@dataclass
class Pools:
    """One document's candidates: cells to look up or convert, combinations to compute."""

    doc: Doc
    items: list[Item]
    convertible: list[Item]
    combos: dict[str, list[tuple[Item, ...]]]

    def available(self, op: str, plan: dict[str, int]) -> int:
        """How many more cases of `op` the document can give, given what is planned already."""
        if op in self.combos:
            return len(self.combos[op]) - plan[op]
        cells_left = len(self.items) - plan["lookup"] - plan["convert"]
        if op == "convert":
            return min(cells_left, len(self.convertible) - plan["convert"])
        return cells_left

    def size(self, per_doc: int) -> int:
        return min(per_doc, len(self.items) + sum(len(c) for c in self.combos.values()))


def make_pools(lex: Lexicon, doc: Doc, cells: Sequence[Cell], skipped: Counter[str]) -> Pools:
    named = mark_ambiguity(lex, build_items(lex, cells, skipped), skipped)
    items = [i for i in named if not i.cell.blank]
    skipped["blank"] += len(named) - len(items)
    combos = {
        "sum": sum_candidates(lex, items),
        "difference": difference_candidates(lex, items),
        "share": share_candidates(lex, items),
    }
    convertible = [i for i in items if i.cell.value != 0 and convert_units(lex, i)]
    return Pools(doc, items, convertible, combos)


def plan_cases(lex: Lexicon, pools: Sequence[Pools]) -> list[dict[str, int]]:
    """Cases per operation and document: each operation's share of the whole split (`mix`), spread
    evenly over the documents that have candidates; lookups fill each document up to `per_doc`."""
    conf = lex["generator"]
    per_doc = int(conf["per_doc"])
    plans = [dict.fromkeys(OPERATIONS, 0) for _ in pools]
    sizes = [p.size(per_doc) for p in pools]
    keep = [
        min(len(p.items), int(float(conf["lookup_floor"]) * n)) for p, n in zip(pools, sizes, strict=True)
    ]
    for op in conf["fill"]:
        target = round(float(conf["mix"][op]) * sum(sizes))
        for cap in range(1, per_doc + 1):
            for pool, plan, size, kept in zip(pools, plans, sizes, keep, strict=True):
                planned = sum(pl[op] for pl in plans)
                free = size - sum(plan.values()) - kept
                if planned < target and plan[op] < cap and free > 0 and pool.available(op, plan) > 0:
                    plan[op] += 1
    for pool, plan, size in zip(pools, plans, sizes, strict=True):
        for op in ("lookup", *conf["refill"]):
            plan[op] += max(0, min(size - sum(plan.values()), pool.available(op, plan)))
    return plans


def pick(rng: random.Random, pool: Sequence[Item], k: int) -> list[Item]:
    order = list(pool)
    rng.shuffle(order)
    return order[:k]


def pick_combos(
    rng: random.Random, pool: Sequence[tuple[Item, ...]], k: int, used: set[Cell]
) -> list[tuple[Item, ...]]:
    """k of pool, spread over the cells: each next combination uses the fewest cells used so far."""
    order = list(pool)
    rng.shuffle(order)
    out: list[tuple[Item, ...]] = []
    while order and len(out) < k:
        best = min(order, key=lambda c: sum(i.cell in used for i in c))
        order.remove(best)
        out.append(best)
        used |= {i.cell for i in best}
    return out


def doc_cases(lex: Lexicon, pools: Pools, want: dict[str, int]) -> list[Case]:
    rng = random.Random(f"{lex['generator']['seed']}:{pools.doc.folder}")
    words = Words(lex, pools.doc, rng)
    converted = pick(rng, pools.convertible, want["convert"])
    looked = pick(rng, [i for i in pools.items if i not in converted], want["lookup"])
    cases = [lookup_case(words, i) for i in looked] + [convert_case(words, i) for i in converted]
    used = {i.cell for i in converted + looked}
    builders = {"sum": sum_case, "difference": difference_case, "share": share_case}
    for op, build in builders.items():
        cases += [build(words, combo) for combo in pick_combos(rng, pools.combos[op], want[op], used)]
    return cases


def generate(
    lex: Lexicon | None = None, golden_dir: Path = GOLDEN_DIR
) -> tuple[list[dict[str, Any]], Counter[str]]:
    """All cases (as EvalCase dicts) and the count of golden cells skipped, by reason."""
    lex = lex or load_lexicon()
    skipped: Counter[str] = Counter()
    records: list[dict[str, Any]] = []
    pools: list[Pools] = []
    for doc, cells in load_golden(golden_dir):
        if cells:
            pools.append(make_pools(lex, doc, cells, skipped))
        else:
            skipped["document without cells"] += 1
    for pool, want in zip(pools, plan_cases(lex, pools), strict=True):
        for n, case in enumerate(doc_cases(lex, pool, want), start=1):
            records.append(case.record(f"P-{pool.doc.prefix}-{n:03d}"))
    return records, skipped


def to_jsonl(records: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def summary(records: Sequence[dict[str, Any]]) -> str:
    ops = Counter(r["category"] for r in records)
    docs = Counter(r["id"].split("-")[1] for r in records)
    lines = [f"{len(records)} cases", "by operation: " + ", ".join(f"{op} {ops[op]}" for op in OPERATIONS)]
    lines.append("by document: " + ", ".join(f"{d} {n}" for d, n in sorted(docs.items())))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--lexicon", type=Path, default=LEXICON)
    args = parser.parse_args(argv)
    records, skipped = generate(load_lexicon(args.lexicon))
    args.out.write_text(to_jsonl(records), encoding="utf-8")
    print(summary(records), file=sys.stderr)
    for reason, n in sorted(skipped.items()):
        print(f"skipped {n}: {reason}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
