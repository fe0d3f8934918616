"""The self-consistency audit against defects known in the corpus (the reviewer's checklist for 11,
helpers' page checks for 00, 01, 04, 05), and against documents with none found."""

from __future__ import annotations

import pytest

from assistant import Assistant


def _findings(qa: Assistant, department: str, year: int) -> list:
    doc = next(d for d in qa.documents() if d.department == department and d.year == year)
    return qa.audit(doc.doc_id)


def test_reviewer_checklist_defects_of_the_2026_justice_bureau_budget(corpus_qa: Assistant) -> None:
    found = {f.check: [] for f in _findings(corpus_qa, "上海市普陀区司法局", 2026)}
    for f in _findings(corpus_qa, "上海市普陀区司法局", 2026):
        found[f.check].append(f.message)
    assert any("43269.3" in m and "3845.49" in m and "减少" in m for m in found["percent"])
    assert any("208.8" in m and "201.50" in m for m in found["narrative_self"])
    assert any("医疗卫生与计划生育支出" in m and "卫生健康支出" in m for m in found["name"])
    assert any("比2026年预算增加793.14万元" in m for m in found["comparison_year"])


@pytest.mark.parametrize(
    ("department", "year", "needles"),
    [
        ("昌吉市商务和工业信息化局", 2020, ("51.62", "51.63")),  # 2080505 vs 30108 (provenance notes)
        ("上海市普陀区财政局", 2024, ("326.72", "326.71")),  # 支出决算表 vs 收入支出决算总表
        ("上海市普陀区人民政府万里街道办事处", 2023, ("220.63", "441.25")),  # 职业年金 item 16
        ("上海市普陀区人民政府万里街道办事处", 2024, ("350.35", "352.67")),  # 住房公积金 item 31
    ],
)
def test_known_disagreements_are_found(corpus_qa: Assistant, department: str, year: int, needles) -> None:
    messages = [f.message for f in _findings(corpus_qa, department, year)]
    assert any(all(n in m for n in needles) for m in messages), messages
    assert all(f.citations for f in _findings(corpus_qa, department, year))


@pytest.mark.parametrize(("department", "year"), [("上海市普陀区人民政府办公室", 2025), ("西南大学", 2023)])
def test_no_false_alarms_where_none_were_seen(corpus_qa: Assistant, department: str, year: int) -> None:
    assert _findings(corpus_qa, department, year) == []


def test_consistency_questions_answer_from_the_audit(corpus_qa: Assistant) -> None:
    answer = corpus_qa.ask("万里街道2024年预算中住房公积金的金额前后一致吗？")
    assert answer.status == "answered" and "350.35" in answer.text and "352.67" in answer.text
    assert answer.citations and answer.value is None
    clean = corpus_qa.ask("普陀区政府办2025年预算有没有前后矛盾？")
    assert "未发现" in clean.text


def test_cli_audit_json(corpus_qa: Assistant) -> None:
    import json

    from typer.testing import CliRunner

    from cli import app

    store = str(corpus_qa.settings.paths.store)
    result = CliRunner().invoke(
        app,
        ["audit", "--store", store, "--doc", "上海市普陀区司法局", "--json"],
        env={"BUDGETQA_EMBEDDING__MODEL": "use-multilingual-v3"},
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert len(payload) == 1 and len(payload[0]["findings"]) >= 4
    assert all(f["citations"] for f in payload[0]["findings"])
