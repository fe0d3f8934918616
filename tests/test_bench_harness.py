"""The benchmark's own parts (eval/bench_*.py): the generated corpus is deterministic and internally
consistent, its files ingest like real disclosures, and the naive pipeline's hit metric judges what it
says it judges. No timing is asserted: timings belong to `make bench`, not to tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant import Assistant
from eval.bench_answers import kind_of, percentiles
from eval.bench_corpus import generate, questions
from eval.bench_naive import gold_strings, retrieval_hit
from eval.bench_render import render_txt, tables, write_corpus
from eval.bench_stages import Clock
from eval.dataset import EvalCase
from eval.run import run_eval
from tests.conftest import make_settings


def test_same_seed_same_corpus_and_bytes(tmp_path: Path) -> None:
    assert generate(20, seed=3) == generate(20, seed=3)
    assert generate(20, seed=3) != generate(20, seed=4)
    first = [p.read_bytes() for p in write_corpus(generate(2, seed=3), tmp_path / "a")]
    again = [p.read_bytes() for p in write_corpus(generate(2, seed=3), tmp_path / "b")]
    assert first == again  # PDFs too: no timestamp or random id inside


def test_disclosures_are_distinct_and_add_up() -> None:
    corpus = generate(200, seed=5)
    assert len({(d.region, d.department, d.year) for d in corpus}) == 200
    assert {d.layout for d in corpus} == {"pdf", "txt"}
    for d in corpus:
        assert sum(r.amounts[0] for r in d.economic) == d.basic  # 经济分类 = 功能分类 基本支出
        assert all(r.amounts[0] == r.amounts[1] + r.amounts[2] for r in d.functional)
        assert all(r.amounts[0] > 0 for r in d.economic)
        economic = {r.code: r.amounts[0] for r in d.economic}
        assert d.three_public[1] == economic["30217"] and d.three_public[3] == economic["30231"]


def test_text_layout_states_the_tables_figures() -> None:
    d = generate(1, seed=7)[0]
    text = render_txt(d)
    assert [t for t, _, _ in tables(d)] == [
        "部门收支总表",
        "一般公共预算支出表",
        "一般公共预算基本支出表",
        "一般公共预算“三公”经费支出表",
    ]
    assert f"支出预算总额{d.total / 100:,.2f}万元" in text


@pytest.mark.parametrize("seq", [0, 1])  # 0: PDF, 1: text
def test_a_generated_disclosure_ingests_balanced_and_answers(tmp_path: Path, seq: int) -> None:
    corpus = generate(2, seed=11)
    path = write_corpus([corpus[seq]], tmp_path / "files")[0]
    qa = Assistant.open(settings=make_settings(tmp_path / "store"))
    try:
        report = qa.ingest([path])
        assert [f.status for f in report.files] == ["ingested"], report.files
        (parsed,) = qa.parse_report(report)
        assert not parsed.missing_tables
        assert [c.passed for c in parsed.checks if c.check == "balance"] == [True]
        summary = run_eval(qa, questions(corpus[seq], path.name)).summary()
        assert summary["wrong"] == 0, summary
    finally:
        qa.close()


def test_naive_hit_finds_the_number_as_printed_and_only_whole() -> None:
    case = EvalCase(id="x", question="q", type="number", value=658.02, unit="万元")
    assert "6,580,200.00" in (gold_strings(case) or [])
    assert retrieval_hit(case, ["收入总计 6,580,200.00 元"])
    assert retrieval_hit(case, ["总计658.02万元。"])
    assert not retrieval_hit(case, ["1658.02", "658.021"])
    assert retrieval_hit(EvalCase(id="y", question="q", type="number", value=0, unit="万元"), ["0"]) is None
    assert retrieval_hit(EvalCase(id="z", question="q", type="refusal"), ["x"]) is None
    text = EvalCase(id="t", question="q", type="text", expect_all=("41", "39"))
    assert retrieval_hit(text, ["编制数 41 人", "实有 39 人"]) and not retrieval_hit(text, ["41"])


def test_percentiles_kinds_and_exclusive_clock() -> None:
    assert percentiles([float(v) for v in range(1, 101)]) == {
        "p50": 51.0,
        "p95": 96.0,
        "p99": 100.0,
        "n": 100,
    }
    assert kind_of(EvalCase(id="a", question="q", type="refusal", category="refusal")) == "refusal"
    assert kind_of(EvalCase(id="b", question="q", type="number", category="share")) == "calculation"
    clock = Clock()
    inner = clock.wrap("inner", lambda: sum(range(10_000)))
    clock.wrap("outer", lambda: inner() + inner())()
    assert set(clock.seconds) == {"inner", "outer"} and all(v > 0 for v in clock.seconds.values())
