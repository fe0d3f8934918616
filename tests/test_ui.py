"""The real app in headless Chromium (Playwright) and through gradio_client."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assistant import Assistant
from tests.conftest import SAMPLES, make_settings

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
PDF_2024 = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
PDF_2023 = next((SAMPLES / "04_sh_putuo_wanli_2023_budget").glob("*.pdf"))
TXT_2020 = SAMPLES / "00_changji_swgxj_2020_budget" / "disclosure.txt"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class RunningApp:
    url: str
    store: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app on a store holding one document (万里街道 2024 budget)."""
    store = tmp_path_factory.mktemp("app") / "store"
    qa = Assistant.open(settings=make_settings(store))
    assert qa.ingest([PDF_2024]).ok
    qa.close()
    port = _free_port()
    env = {**os.environ, "BUDGETQA_EMBEDDING__MODEL": "hash", "GRADIO_ANALYTICS_ENABLED": "False"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--store", str(store), "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            time.sleep(0.5)
    print(f"\napp start-up: {time.perf_counter() - started:.1f}s")
    yield RunningApp(url, store, env)
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def app_url(app: RunningApp) -> str:
    return app.url


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (make test installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _page(browser, url: str, height: int = 1400):
    """A page as the app's users open it: a Chinese browser (Gradio's own labels follow its locale)."""
    page = browser.new_page(viewport={"width": 1280, "height": height}, locale="zh-CN")
    page.goto(url)
    page.locator("#chatbot").wait_for(timeout=30_000)
    return page


def _ask(page, question: str, expect: str) -> float:
    page.locator("#question textarea").fill(question)
    started = time.perf_counter()
    page.locator("#send").click()
    page.locator("#chatbot").get_by_text(expect).last.wait_for(timeout=60_000)
    return time.perf_counter() - started


def _scope_options(page) -> list[str]:
    """The labels of the 问答范围 list as a person sees them when opening it."""
    page.locator("#doc-scope input").click()
    options = page.get_by_role("option")
    options.first.wait_for(timeout=10_000)
    labels = options.all_inner_texts()
    page.keyboard.press("Escape")
    return labels


# Symbols the installed CJK fonts lack (✅ ❌ 🔄 ⏸ rendered as boxes).
EMOJI = re.compile(r"[\u2300-\u23ff\u2600-\u27bf\U0001F000-\U0001FFFF]")


def test_chat_sources_upload_and_errors(app: RunningApp, browser, tmp_path: Path) -> None:
    page = _page(browser, app.url)
    outside: list[str] = []  # the app must work offline: nothing fetched beyond localhost
    page.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None
        ),
    )
    other_tab = _page(browser, app.url)  # open before the upload
    seconds = _ask(page, "万里街道2024年“三公”经费预算是多少？", "47.91")
    print(f"submit to answer on screen: {seconds:.2f}s")
    chat = page.locator("#chatbot").inner_text()
    assert "47.91万元" in chat and "来源" in chat and "第31页" in chat

    page.locator("#sources label").first.click()  # open the first source: the cited cell is marked
    cited = page.locator("#source-view td.cited")
    cited.wait_for(timeout=30_000)
    assert cited.inner_text().strip() == "47.91"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui_answer_and_source.png"), full_page=True)

    page.get_by_role("tab", name="导入文件").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(TXT_2020))
    page.locator("#ingest").click()
    status = page.locator("#ingest-status")
    status.get_by_text("【成功】已入库").wait_for(timeout=120_000)
    assert "disclosure.txt" in status.inner_text() and "张表" in status.inner_text()
    # The upload is kept in the store under a generated name: it survives a restart.
    kept = list((app.store / "uploads").glob("*_disclosure.txt"))
    assert len(kept) == 1 and re.fullmatch(r"[0-9a-f]{16}_disclosure\.txt", kept[0].name)
    assert kept[0].read_bytes() == TXT_2020.read_bytes()

    corrupt = tmp_path / "损坏的文件.pdf"
    corrupt.write_bytes(PDF_2024.read_bytes()[:2000])
    page.locator("#upload-files input[type=file]").set_input_files(str(corrupt))
    page.locator("#ingest").click()
    status.get_by_text("【失败】未入库").wait_for(timeout=60_000)
    report = status.inner_text()
    assert "损坏的文件.pdf" in report
    assert not re.search(r"Exception|Error|/Root|\b(?:tables|cells|parse)\b", report), report
    assert not EMOJI.search(report), report
    assert not list((app.store / "uploads").glob("*损坏的文件*"))  # a failed upload is not kept
    page.screenshot(path=str(ARTIFACTS / "ui_upload.png"), full_page=True)

    # The document uploaded here shows in the other tab's 问答范围 after a reload, without a restart.
    assert not any("昌吉" in o for o in _scope_options(other_tab))
    other_tab.reload()
    assert any("昌吉" in o and "disclosure.txt" in o for o in _scope_options(other_tab))
    other_tab.close()

    page.get_by_role("tab", name="问答").click()
    _ask(page, "昌吉市商务和工业信息化局2020年“三公”经费预算是多少？", "10.40万元")
    assert "Traceback" not in page.content()
    assert not outside, outside
    page.screenshot(path=str(ARTIFACTS / "ui_second_document.png"), full_page=True)
    page.close()


def test_empty_question_shows_a_hint_not_error_overlays(app: RunningApp, browser) -> None:
    page = _page(browser, app.url)
    page.locator("#send").click()
    page.locator("#question-hint").get_by_text("请输入问题").wait_for(timeout=10_000)
    page.locator("#question textarea").press("Enter")  # the same through the keyboard
    time.sleep(1.0)  # an error overlay would have appeared by now
    assert page.locator("[data-testid=toast-body]").count() == 0  # Gradio heads toasts in English
    for box in ("#chatbot", "#question", "#sources", "#source-view"):
        overlays = page.locator(f"{box} [data-testid=status-tracker] .error")
        assert overlays.count() == 0, f"error overlay on {box}"
    assert page.locator("#chatbot [role=log]").inner_text().strip() == ""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui_empty_question.png"), full_page=True)
    _ask(page, "万里街道2024年“三公”经费预算是多少？", "47.91")
    assert "请输入问题" not in page.locator("#question-hint").inner_text()
    page.close()


def test_new_chat_forgets_the_context_sources_and_table(app: RunningApp, browser) -> None:
    page = _page(browser, app.url)
    _ask(page, "万里街道2024年“三公”经费预算是多少？", "47.91")
    _ask(page, "那上年呢？", "2023")  # a follow-up: the context of the first answer
    page.locator("#sources label").first.click()
    shown = page.locator("#source-view").locator(".bqa-table, .bqa-text")  # a table or a passage
    shown.first.wait_for(timeout=30_000)

    page.locator("#new-chat").click()
    page.locator("#sources").wait_for(state="hidden", timeout=10_000)
    assert shown.count() == 0
    assert page.locator("#chatbot [role=log]").inner_text().strip() == ""
    _ask(page, "那上年呢？", "无法回答")  # no context any more: nothing to follow up on

    _ask(page, "万里街道2024年“三公”经费预算是多少？", "47.91")
    page.locator("#sources label").first.click()
    shown.first.wait_for(timeout=30_000)
    page.locator("#chatbot").get_by_role("button", name="清空对话").click()  # the trash icon
    page.locator("#sources").wait_for(state="hidden", timeout=10_000)
    assert shown.count() == 0
    _ask(page, "那上年呢？", "无法回答")
    page.close()


def test_scope_lists_documents_ingested_while_the_app_runs(app: RunningApp, browser) -> None:
    page = _page(browser, app.url)
    assert not any("2023年预算" in o for o in _scope_options(page))
    ingest = subprocess.run(
        [sys.executable, str(ROOT / "cli.py"), "ingest", "--store", str(app.store), str(PDF_2023)],
        env=app.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    page.reload()
    assert any("2023年预算" in o for o in _scope_options(page))
    page.close()


def test_tables_tab_shows_units_and_downloads(app: RunningApp, browser) -> None:
    page = _page(browser, app.url, height=1200)
    page.get_by_role("tab", name="表格").click()  # 全部文件: a hint, not a blank tab
    page.locator("#tables-hint").get_by_text("选择一份文件").wait_for(timeout=10_000)
    page.get_by_role("tab", name="图表").click()
    page.locator("#charts-hint").get_by_text("选择一份文件").wait_for(timeout=10_000)

    page.locator("#doc-scope input").click()
    page.get_by_role("option", name="2024年预算", exact=False).first.click()
    page.get_by_role("tab", name="表格").click()
    page.locator("#table-view table").wait_for(timeout=30_000)
    assert "单位：元" in page.locator("#table-view").inner_text()
    assert not page.locator("#tables-hint").is_visible()
    page.get_by_role("button", name="下载 XLSX").click()
    link = page.locator("#table-download a").first
    link.wait_for(timeout=30_000)
    assert ".xlsx" in (link.get_attribute("href") or "") + link.inner_text()
    page.get_by_role("tab", name="图表").click()
    page.get_by_text("“三公”经费构成").first.wait_for(timeout=30_000)  # a chart of the selected document
    assert "万元" in page.locator("#charts-hint").inner_text()
    page.get_by_text("数据来源").first.wait_for(timeout=30_000)
    shown = page.inner_text("body")
    assert "金额（万元）" in shown and "金额（元）" not in shown  # one unit, named on the axis
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui_charts.png"), full_page=True)
    page.close()


def test_gradio_client_asks_the_running_app(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict("万里街道2024年公务用车购置费预算是多少万元？", "__all__", api_name="/ask")
    assert result["status"] == "answered" and result["value"] == 25 and result["unit"] == "万元"
    assert result["citations"][0]["page"] == 31
    named = client.predict(question="万里街道2024年公务接待费预算是多少万元？", api_name="/ask")
    assert named["status"] == "answered" and named["value"] == 1.35


def test_api_page_names_parameters_and_hides_ingest(app_url: str) -> None:
    from gradio_client import Client

    api = Client(app_url, verbose=False).view_api(print_info=False, return_format="dict")
    assert set(api["named_endpoints"]) == {"/ask", "/chat"}, list(api["named_endpoints"])
    assert not api["unnamed_endpoints"]
    ask = api["named_endpoints"]["/ask"]["parameters"]
    assert [p["parameter_name"] for p in ask] == ["question", "doc_id"]
    text = json.dumps(api, ensure_ascii=False)
    assert not re.search(r"\bparam_\d|parameter_\d|value_\d", text), text[:2000]
