"""The app's handlers called directly (no server, no browser): what people see after each action."""

from __future__ import annotations

import re
import shutil
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from app import ALL, NOT_CHINESE, Handlers, build_app, keep_upload, outcome_line
from assistant import Assistant
from assistant.types import FileResult
from assistant.views import CHART_UNIT, docs_label, year_over_year
from tests.conftest import SAMPLES, make_settings

PDF_2024 = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
TXT_2020 = SAMPLES / "00_changji_swgxj_2020_budget" / "disclosure.txt"
EMOJI = re.compile(r"[\u2300-\u23ff\u2600-\u27bf\U0001F000-\U0001FFFF]")


@pytest.fixture(scope="module")
def qa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    """A store holding the 万里街道 2024 budget (read-only in these tests)."""
    assistant = Assistant.open(settings=make_settings(tmp_path_factory.mktemp("app") / "store"))
    assert assistant.ingest([PDF_2024]).ok
    yield assistant
    assistant.close()


@pytest.fixture(scope="module")
def h(qa: Assistant) -> Handlers:
    return Handlers(qa)


@pytest.fixture(scope="module")
def doc_id(qa: Assistant) -> str:
    return qa.documents()[0].doc_id


@pytest.mark.parametrize("question", ["", "   ", "\n"])
def test_empty_question_is_a_hint_not_an_error(h: Handlers, question: str) -> None:
    messages = [{"role": "user", "content": "之前的问题"}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no gr.Warning either: its toast is headed "Warning" in English
        chat, history, _, sources, source_view, hint = h.chat(question, messages, [{"kept": True}], ALL)
    assert hint == "请输入问题"
    assert chat == messages and history == [{"kept": True}]  # nothing changes
    assert sources == {"__type__": "update"} and source_view == {"__type__": "update"}  # gr.skip()
    assert h.chat("万里街道2024年“三公”经费预算是多少？", [], [], ALL)[5] == ""  # the hint goes away


def test_english_question_gets_a_chinese_and_english_reply(h: Handlers) -> None:
    chat, history, *_ = h.chat("What is the three public expenses budget?", [], [], ALL)
    assert chat[-1]["content"] == NOT_CHINESE
    assert "中文" in NOT_CHINESE and "Chinese" in NOT_CHINESE
    assert history[-1]["status"] == "refused"
    chat, *_ = h.chat("万里街道2024年“三公”经费预算是多少？", [], [], ALL)  # Chinese: answered as usual
    assert "47.91" in chat[-1]["content"] and "Chinese" not in chat[-1]["content"]


def test_new_chat_resets_history_sources_and_source_view(h: Handlers) -> None:
    chat, history, box, sources, *_ = h.chat("万里街道2024年“三公”经费预算是多少？", [], [], ALL)
    assert history and sources["visible"] and sources["choices"]
    chat, history, box, sources, source_view, hint = Handlers.clear_chat()
    assert chat == [] and history == [] and box == "" and source_view == "" and hint == ""
    assert sources["visible"] is False and sources["choices"] == [] and sources["value"] is None
    _, history, *_ = h.chat("那上年呢？", chat, history, ALL)
    assert history[-1]["status"] == "refused"  # nothing left to follow up on


def test_scope_choices_are_read_fresh_from_the_store(tmp_path: Path) -> None:
    qa = Assistant.open(settings=make_settings(tmp_path / "store"))
    h = Handlers(qa)
    assert h.refresh_docs(ALL)["choices"] == [("全部文件", ALL)]
    other = Assistant.open(settings=make_settings(tmp_path / "store"))  # `budgetqa ingest` meanwhile
    assert other.ingest([TXT_2020]).ok
    other.close()
    update = h.refresh_docs("gone")
    assert [label for label, _ in update["choices"]][1].startswith("昌吉市商务和工业信息化局2020年预算")
    assert update["value"] == ALL  # a document no longer in the store falls back to 全部文件
    qa.close()


def test_upload_keeps_a_copy_in_the_store_and_reports_in_chinese(tmp_path: Path) -> None:
    qa = Assistant.open(settings=make_settings(tmp_path / "store"))
    h = Handlers(qa)
    gradio_tmp = tmp_path / "gradio"  # Gradio's upload cache: gone after a restart
    gradio_tmp.mkdir()
    good = gradio_tmp / "昌吉 公开 (1).txt"
    shutil.copy(TXT_2020, good)
    bad = gradio_tmp / "损坏的文件.pdf"
    bad.write_bytes(PDF_2024.read_bytes()[:2000])
    report, scope = h.upload([str(good), str(bad)], ALL)

    lines = report.splitlines()
    assert lines[0].startswith("- 【成功】已入库：**昌吉 公开 (1).txt**") and "张表" in lines[0]
    assert lines[1].startswith("- 【失败】未入库：**损坏的文件.pdf**")
    assert not re.search(r"Exception|Error|/Root|\b(?:tables|cells)\b", report), report
    assert not EMOJI.search(report)
    assert any("昌吉" in label for label, _ in scope["choices"])  # the 问答范围 list, refreshed

    kept = list((tmp_path / "store" / "uploads").iterdir())
    assert [k.name for k in kept] == [f"{kept[0].name[:16]}_昌吉_公开_1.txt"]  # the failed one not kept
    assert re.fullmatch(r"[0-9a-f]{16}", kept[0].name[:16])
    shutil.rmtree(gradio_tmp)
    qa.close()
    reopened = Assistant.open(settings=make_settings(tmp_path / "store"))  # a restart
    doc = reopened.documents()[0]
    assert Path(doc.source_file) == kept[0] and kept[0].exists()
    assert docs_label(doc).endswith("（昌吉_公开_1.txt）")  # the name people gave it, not the hash
    again, _ = Handlers(reopened).upload([str(kept[0])], ALL)
    assert again.startswith("- 【未变】已在库中")
    reopened.close()


def test_keep_upload_names_by_content(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.pdf").write_bytes(b"one")
    (b / "x.pdf").write_bytes(b"two")
    (tmp_path / "..evil name?.pdf").write_bytes(b"one")
    store = tmp_path / "store" / "uploads"
    first, second = keep_upload(a / "x.pdf", store), keep_upload(b / "x.pdf", store)
    assert first != second and first.read_bytes() == b"one" and second.read_bytes() == b"two"
    odd = keep_upload(tmp_path / "..evil name?.pdf", store)
    assert odd.parent == store and odd.name.endswith("_evil_name.pdf")


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        ("ingested", "某部门 2024年预算：9 张表", "- 【成功】已入库：**a.pdf**　某部门 2024年预算：9 张表"),
        (
            "replaced",
            "某部门：替换了 b.pdf",
            "- 【成功】已入库，替换了旧版本：**a.pdf**　某部门：替换了 b.pdf",
        ),
        ("unchanged", "已在库中，未改变", "- 【未变】已在库中，内容未变化：**a.pdf**"),
        (
            "skipped",
            "不支持的文件类型 .doc，已跳过",
            "- 【跳过】已跳过：**a.pdf**　不支持的文件类型 .doc，已跳过",
        ),
        (
            "failed",
            "读取失败（PdfminerException: No /Root object!）",
            "- 【失败】未入库：**a.pdf**　读取失败：无法读取这个文件，可能已损坏或不完整",
        ),
        (
            "failed",
            "PdfminerException: No /Root object!",
            "- 【失败】未入库：**a.pdf**　无法读取这个文件，可能已损坏或不完整",
        ),
        (
            "failed",
            "这是网页（HTML），扩展名却是 .pdf",
            "- 【失败】未入库：**a.pdf**　这是网页（HTML），扩展名却是 .pdf",
        ),
    ],
)
def test_upload_outcomes_read_in_chinese(status: str, message: str, expected: str) -> None:
    assert outcome_line(FileResult(path="/x/a.pdf", status=status, message=message), "a.pdf") == expected


def test_charts_share_one_unit_and_start_at_zero(h: Handlers, qa: Assistant, doc_id: str) -> None:
    series = qa.charts(doc_id)
    assert {s.title for s in series} >= {
        "“三公”经费构成",
        "支出按功能分类（类）",
        "基本支出最大的10个经济分类科目",
    }
    assert {s.unit for s in series} == {CHART_UNIT}  # tables in 元 converted, not mixed with 万元
    spend = next(s for s in series if s.title == "支出按功能分类（类）")
    assert spend.values[spend.labels.index("212 城乡社区支出")] == pytest.approx(11938.53, abs=0.01)
    assert "原表单位为元，已换算为万元" in spend.note and "《" in spend.note
    three = next(s for s in series if s.title == "“三公”经费构成")
    assert sum(three.values) == pytest.approx(47.91)
    out = h.on_doc(doc_id)
    plots = [p for p in out[4:] if p.get("visible")]
    assert len(plots) == len(series)
    for plot in plots:
        assert plot["y_lim"] == [0, None]  # the bars start at zero
        assert plot["y_title"] == "金额（万元）"
        assert plot["x_label_angle"] != 0  # long Chinese labels slanted, not overlapping
        assert plot["sort"] == list(plot["value"]["项目"])  # the series' order, not alphabetical


def test_year_over_year_is_one_chart_per_figure(qa: Assistant) -> None:
    doc = qa.documents()[0]
    earlier = doc.model_copy(update={"doc_id": "earlier", "year": 2023})
    totals = {
        "earlier": {"“三公”经费": Decimal("22.91"), "基本支出": Decimal("9500.1")},
        doc.doc_id: {"“三公”经费": Decimal("47.91"), "基本支出": Decimal("9970.6")},
    }
    series = year_over_year([doc, earlier], totals)
    assert [s.title.split(" ")[-1] for s in series] == ["历年“三公”经费", "历年基本支出"]
    assert [s.labels for s in series] == [["2023年", "2024年"], ["2023年", "2024年"]]
    assert series[0].values == [22.91, 47.91] and {s.unit for s in series} == {"万元"}
    assert year_over_year([doc], totals) == []


def test_tables_and_charts_tabs_hint_when_all_documents(h: Handlers, doc_id: str) -> None:
    _, table_pick, tables_hint, charts_hint, *plots = h.on_doc(ALL)
    assert table_pick["choices"] == [] and tables_hint["visible"] is True
    assert "选择一份文件" in tables_hint["value"] and "选择一份文件" in charts_hint["value"]
    assert all(p == {"__type__": "update", "visible": False} for p in plots)
    _, table_pick, tables_hint, charts_hint, *_ = h.on_doc(doc_id)
    assert table_pick["choices"] and tables_hint["visible"] is False and "万元" in charts_hint["value"]


def test_api_names_its_parameters_and_hides_upload(qa: Assistant) -> None:
    info = build_app(qa).get_api_info()
    assert set(info["named_endpoints"]) == {"/ask", "/chat"} and not info["unnamed_endpoints"]
    names = {
        endpoint: [p["parameter_name"] for p in spec["parameters"]]
        for endpoint, spec in info["named_endpoints"].items()
    }
    assert names == {"/ask": ["question", "doc_id"], "/chat": ["message", "messages", "doc_id"]}
    labels = [p["label"] for spec in info["named_endpoints"].values() for p in spec["parameters"]]
    labels += [r["label"] for spec in info["named_endpoints"].values() for r in spec["returns"]]
    assert not [x for x in labels if re.match(r"(parameter|value)_\d+$", x or "")], labels
