"""The paraphrase split (eval/testset_paraphrase.jsonl): fast checks, no store.

Every value is re-derived here from the golden cells its evidence names, with arithmetic written
out in this file (not the generator's), so a value that drifts from tests/golden/corpus fails.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from eval import paraphrase
from eval.dataset import EvalCase, load_testset

SPLIT = Path(__file__).resolve().parents[1] / "eval" / "testset_paraphrase.jsonl"
FACTORS = {"元": Decimal(1), "万元": Decimal(10000), "亿元": Decimal(100000000)}
OPERATIONS = ("lookup", "convert", "sum", "difference", "share")


@pytest.fixture(scope="module")
def cases() -> list[EvalCase]:
    return load_testset(SPLIT)


@pytest.fixture(scope="module")
def golden() -> dict[str, tuple[paraphrase.Doc, list[paraphrase.Cell]]]:
    """Golden documents with cells, by the file that holds them."""
    return {doc.files[0]: (doc, cells) for doc, cells in paraphrase.load_golden() if cells}


def expected(case: EvalCase, cells: list[paraphrase.Cell]) -> Decimal:
    values = [Decimal(c.raw) for c in cells]
    unit = cells[0].unit
    if case.category == "lookup":
        assert len(cells) == 1 and case.unit == unit
        return values[0]
    if case.category == "convert":
        assert len(cells) == 1 and case.unit != unit
        return values[0] * FACTORS[unit] / FACTORS[case.unit]
    if case.category == "sum":
        assert len(cells) in (2, 3) and case.unit == unit
        return sum(values, Decimal(0))
    if case.category == "difference":
        assert len(cells) == 2 and case.unit == unit
        return values[0] - values[1]
    if case.category == "share":
        assert len(cells) == 2 and case.unit == "%" and values[1] != 0
        return (values[0] / values[1] * 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    raise AssertionError(f"unknown category {case.category}")


def test_size_and_ids(cases: list[EvalCase]) -> None:
    assert len(cases) >= 300
    assert len({c.id for c in cases}) == len(cases)
    assert all(re.fullmatch(r"P-\d{2}-\d{3}", c.id) for c in cases)
    assert len({c.question for c in cases}) == len(cases)


def test_values_rederived_from_golden_cells(cases: list[EvalCase], golden: dict) -> None:
    for case in cases:
        doc, doc_cells = golden[case.docs[0]]
        assert case.id.startswith(f"P-{doc.prefix}-"), case.id
        assert set(doc.files) == set(case.docs), case.id
        refs = paraphrase.parse_evidence(case.evidence)
        cells = [paraphrase.find_cell(doc_cells, ref) for ref in refs]
        for ref, cell in zip(refs, cells, strict=True):
            assert (ref.raw, ref.unit) == (cell.raw, cell.unit), case.id
            assert not cell.blank, case.id
        assert Decimal(str(case.value)) == expected(case, cells), case.id
        assert case.type == "number" and case.tol == 0.01 and case.source, case.id
        assert case.page == cells[0].page, case.id
        assert str(doc.year) in case.question, case.id


def test_combinations_stay_in_one_table(cases: list[EvalCase], golden: dict) -> None:
    for case in cases:
        if case.category in ("lookup", "convert"):
            continue
        cells = [
            paraphrase.find_cell(golden[case.docs[0]][1], r) for r in paraphrase.parse_evidence(case.evidence)
        ]
        assert len({c.table for c in cells}) == 1, case.id
        assert len({(c.row, c.code, c.column) for c in cells}) == len(cells), case.id
        if "三公" not in cells[0].table:
            assert len({c.column for c in cells}) == 1, case.id
        if case.category == "share" and cells[0].code:
            part, whole = cells
            assert whole.code and part.code.startswith(whole.code) and part.code != whole.code, case.id


def test_mix_and_coverage(cases: list[EvalCase], golden: dict) -> None:
    ops = Counter(c.category for c in cases)
    assert set(ops) == set(OPERATIONS)
    assert all(ops[op] >= 30 for op in OPERATIONS), ops
    per_doc = Counter(c.docs[0] for c in cases)
    assert set(per_doc) == set(golden)
    assert all(5 <= n <= 25 for n in per_doc.values()), per_doc


def test_regeneration_is_deterministic_and_current() -> None:
    first, _ = paraphrase.generate()
    second, _ = paraphrase.generate()
    assert first == second
    assert paraphrase.to_jsonl(first) == SPLIT.read_text(encoding="utf-8"), (
        "stale split: python -m eval.paraphrase --out eval/testset_paraphrase.jsonl"
    )


def test_wording_lives_in_the_lexicon() -> None:
    for module in sorted(Path(paraphrase.__file__).parent.glob("paraphrase*.py")):
        code = module.read_text(encoding="utf-8")
        assert not re.search(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]", code), module.name
