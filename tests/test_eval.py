"""The project's test set through the public API; fails if accuracy drops below the measured floor."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant import Assistant
from eval import load_testset, run_eval
from eval.dataset import DEFAULT_TESTSET, EvalCase
from eval.metrics import numeric_match, phrases_match
from eval.report import write_html

# Measured on this corpus (see README "Measured results"); the floor is that value minus 2 points.
ACCURACY_FLOOR = 0.958
OWN_WRONG_CEILING = 0.03
NEW_DOCUMENTS = Path(__file__).resolve().parents[1] / "eval" / "testset_new_documents.jsonl"
NEW_DOCUMENTS_FLOOR = 0.80
NEW_DOCUMENTS_WRONG_CEILING = 0.03
PARAPHRASE = NEW_DOCUMENTS.with_name("testset_paraphrase.jsonl")
PARAPHRASE_FLOOR = 0.84
PARAPHRASE_WRONG_CEILING = 0.02


@pytest.fixture(scope="module")
def report(corpus_qa: Assistant):
    return run_eval(corpus_qa, load_testset(), keep_going=False)


def test_testset_shape() -> None:
    cases = load_testset()
    assert len(cases) >= 200
    assert {"lookup", "code_lookup", "calculation", "narrative", "refusal", "multi-document"} <= {
        c.category for c in cases
    }
    assert len({c.docs[0] for c in cases if c.docs}) >= 6


def test_accuracy_floor(report) -> None:
    s = report.summary()
    print(json.dumps(s, ensure_ascii=False))
    assert s["accuracy"] >= ACCURACY_FLOOR, s
    assert s["wrong_rate"] <= OWN_WRONG_CEILING, [(r.case.id, r.reason) for r in report.wrong]


def test_new_documents_split_holds_its_measured_level(corpus_qa: Assistant) -> None:
    """Questions written by others over corpus folders 31–53 before the planner ever saw them
    (eval/testset_new_documents.jsonl), values checked on the rendered pages. First contact: 23.1 %
    right, 46.6 % wrong (438 questions); 79.7 % right, 3.2 % wrong on 2026-12-07. The target is ≥ 95 %
    right and ≤ 2 % wrong; until then this
    guards the level reached (measured minus 3 points, wrong answers at most measured plus 2 points)."""
    cases = load_testset(NEW_DOCUMENTS)
    assert len(cases) >= 160 and len({c.id.split("-")[0] for c in cases}) >= 16 - 3
    s = run_eval(corpus_qa, cases, keep_going=False).summary()
    print(json.dumps(s, ensure_ascii=False))
    assert s["accuracy"] >= NEW_DOCUMENTS_FLOOR, s
    assert s["wrong_rate"] <= NEW_DOCUMENTS_WRONG_CEILING, s


def test_paraphrase_split_holds_its_measured_level(corpus_qa: Assistant) -> None:
    """462 questions generated from the hand-verified gold cells × operation templates × lexicon
    variants (eval/paraphrase.py; each value re-derived from its cells in test_paraphrase_split.py).
    First run 59.5 % right, 22.3 % wrong; 82.9 % / 0.9 % on 2026-12-07. The target is ≥ 90 % right and
    ≤ 2 % wrong; until then this guards the level reached."""
    cases = load_testset(PARAPHRASE)
    assert len(cases) >= 300
    s = run_eval(corpus_qa, cases, keep_going=False).summary()
    print(json.dumps(s, ensure_ascii=False))
    assert s["accuracy"] >= PARAPHRASE_FLOOR, s
    assert s["wrong_rate"] <= PARAPHRASE_WRONG_CEILING, s


def test_numbers_cite_their_sources_and_refusals_carry_none(report) -> None:
    for r in report.results:
        if r.answer.get("value") is not None:
            assert r.answer["citations"], r.case.id
        if r.case.type == "refusal":  # whatever else goes wrong, never a number the documents don't give
            assert r.answer["value"] is None, r.case.id


def test_html_report(report, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    write_html(report, out)
    text = out.read_text(encoding="utf-8")
    assert "By category" in text and "Failures" in text and "refusal" in text


def test_metrics_convert_units_and_check_phrases() -> None:
    from assistant.types import Answer

    case = EvalCase(id="x", question="q", type="number", value=10.4, unit="万元", tol=0.01)
    yuan = Answer(question="q", status="answered", text="t", value=104000, unit="元")
    wrong = Answer(question="q", status="answered", text="t", value=10.5, unit="万元")
    assert numeric_match(case, yuan) and not numeric_match(case, wrong)
    text_case = EvalCase(
        id="y", question="q", type="text", expect_all=("正科级",), expect_any=("商务", "外贸")
    )
    assert phrases_match(text_case, "为正科级，负责商务") and not phrases_match(text_case, "负责商务")
    number_case = EvalCase(id="z", question="q", type="text", expect_all=("5000",))
    assert phrases_match(number_case, "有。政府性基金预算支出为5,000.00万元")  # the same number, printed
    assert not phrases_match(number_case, "有。政府性基金预算支出为50,000.00万元")


def test_csv_testset(tmp_path: Path) -> None:
    csv_file = tmp_path / "t.csv"
    csv_file.write_text(
        "id,question,type,value,unit,expect_all,category\n"
        "a,三公经费是多少？,number,10.4,万元,,lookup\nb,为什么？,text,,,人员减少|76.61,narrative\n",
        encoding="utf-8",
    )
    cases = load_testset(csv_file)
    assert cases[0].value == 10.4 and cases[1].expect_all == ("人员减少", "76.61")
    assert DEFAULT_TESTSET.exists()


def test_beats_the_baselines_users_would_build(report, corpus_qa: Assistant) -> None:
    from eval.baselines import passage_correct, run_baselines

    files = [Path(d.source_file) for d in corpus_qa.documents()]
    baselines = run_baselines(files, [r.case for r in report.results], corpus_qa.settings.embedding)
    for name, base in baselines.items():
        print(f"{name}: {base.accuracy:.1%}")
        assert report.accuracy >= base.accuracy + 0.3, name
    number = EvalCase(id="n", question="q", type="number", value=10.4, unit="万元")
    assert passage_correct(number, "三公经费预算数为10.40万元") and passage_correct(number, "合计104,000元")
    assert not passage_correct(number, "共110.40万元")


def test_cli_eval_writes_run_report_and_compares(corpus_qa: Assistant, tmp_path: Path, monkeypatch) -> None:
    from typer.testing import CliRunner

    import eval.run
    from cli import app

    monkeypatch.setattr(eval.run, "RUNS", tmp_path / "runs")
    testset = tmp_path / "t.jsonl"
    testset.write_text(
        "".join(line + "\n" for line in DEFAULT_TESTSET.read_text(encoding="utf-8").splitlines()[:6]),
        encoding="utf-8",
    )
    store = str(corpus_qa.settings.paths.store)
    args = [
        "eval",
        "--store",
        store,
        "--testset",
        str(testset),
        "--baseline",
        "--report",
        str(tmp_path / "r.html"),
    ]
    for _ in range(2):
        result = CliRunner().invoke(app, args, env={"BUDGETQA_EMBEDDING__MODEL": "use-multilingual-v3"})
        assert result.exit_code == 0, result.output
    assert "langchain-rag" in result.output and "bm25" in result.output
    assert "Baselines" in (tmp_path / "r.html").read_text(encoding="utf-8")
    runs = sorted((tmp_path / "runs").glob("*.jsonl"))
    assert len(runs) == 2 and json.loads(runs[0].read_text(encoding="utf-8").splitlines()[0])["baselines"]
    compared = CliRunner().invoke(app, ["eval", "--compare", str(runs[0]), str(runs[1])])
    assert compared.exit_code == 0 and "all" in compared.output


def test_make_eval_ingests_exactly_the_documents_the_test_set_names(corpus_dir: Path) -> None:
    from eval.bench import corpus_files

    named = {name for case in load_testset() for name in case.docs}
    assert {p.name for p in corpus_files(corpus_dir)} == named
