"""The real app in headless Chromium (Playwright) and through gradio_client."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant
from tests.conftest import SAMPLES, make_settings

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
PDF_2024 = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
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


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
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
    yield url
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (make test installs it)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


def _ask(page, question: str, expect: str) -> float:
    page.locator("#question textarea").fill(question)
    started = time.perf_counter()
    page.locator("#send").click()
    page.locator("#chatbot").get_by_text(expect).last.wait_for(timeout=60_000)
    return time.perf_counter() - started


def test_chat_sources_upload_and_errors(app_url: str, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1400})
    outside: list[str] = []  # the app must work offline: nothing fetched beyond localhost
    page.on(
        "request",
        lambda r: (
            outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None
        ),
    )
    page.goto(app_url)
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
    page.locator("#ingest-status").get_by_text("已导入").wait_for(timeout=120_000)

    corrupt = tmp_path / "损坏的文件.pdf"
    corrupt.write_bytes(PDF_2024.read_bytes()[:2000])
    page.locator("#upload-files input[type=file]").set_input_files(str(corrupt))
    page.locator("#ingest").click()
    page.locator("#ingest-status").get_by_text("失败").wait_for(timeout=60_000)
    assert "损坏的文件.pdf" in page.locator("#ingest-status").inner_text()
    page.screenshot(path=str(ARTIFACTS / "ui_upload.png"), full_page=True)

    page.get_by_role("tab", name="问答").click()
    _ask(page, "昌吉市商务和工业信息化局2020年“三公”经费预算是多少？", "10.40万元")
    assert "Traceback" not in page.content()
    assert not outside, outside
    page.screenshot(path=str(ARTIFACTS / "ui_second_document.png"), full_page=True)
    page.close()


def test_tables_tab_shows_units_and_downloads(app_url: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1200})
    page.goto(app_url)
    page.locator("#doc-scope input").click()
    page.get_by_role("option", name="2024年预算", exact=False).first.click()
    page.get_by_role("tab", name="表格").click()
    page.locator("#table-view table").wait_for(timeout=30_000)
    assert "单位：元" in page.locator("#table-view").inner_text()
    page.get_by_role("button", name="下载 XLSX").click()
    link = page.locator("#table-download a").first
    link.wait_for(timeout=30_000)
    assert ".xlsx" in (link.get_attribute("href") or "") + link.inner_text()
    page.get_by_role("tab", name="图表").click()
    page.get_by_text("“三公”经费构成").first.wait_for(timeout=30_000)  # a chart of the selected document
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui_charts.png"), full_page=True)
    page.close()


def test_gradio_client_asks_the_running_app(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    result = client.predict("万里街道2024年公务用车购置费预算是多少万元？", "__all__", api_name="/ask")
    assert result["status"] == "answered" and result["value"] == 25 and result["unit"] == "万元"
    assert result["citations"][0]["page"] == 31
