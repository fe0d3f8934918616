"""The web app's security settings (issue 13): where it listens, which files it serves, what it accepts
as an upload, and the read-only mode. Two real app processes are started (hash embedder, free ports);
the rest calls app.py's functions and handlers directly."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

import app as webapp
from assistant import Assistant, Settings
from tests.conftest import SAMPLES, make_settings

ROOT = Path(__file__).resolve().parents[2]
PDF_2024 = next((SAMPLES / "05_sh_putuo_wanli_2024_budget").glob("*.pdf"))
TXT_2020 = SAMPLES / "00_changji_swgxj_2020_budget" / "disclosure.txt"
PASSWD = Path("/etc/passwd")
SQLITE_MAGIC = b"SQLite format 3"
UPLOAD_LIMIT_MB = 0.05  # the first server's BUDGETQA_INGEST__MAX_FILE_MB: 52,428 bytes


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _outward_address() -> str | None:
    """This machine's non-loopback IPv4 address (the one its default route leaves from), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("203.0.113.1", 9))  # TEST-NET-3: a UDP connect sends nothing
        except OSError:
            return None
        address = s.getsockname()[0]
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class Server:
    url: str
    host: str
    port: int
    store: Path
    root: Path  # tmp folder holding the store and an allowed file beside it


def _start(root: Path, host: str, extra_env: dict[str, str], args: list[str]) -> Iterator[Server]:
    store = root / "store"
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BUDGETQA_", "GRADIO_SERVER_", "GRADIO_ALLOWED"))
    }
    env |= {"BUDGETQA_EMBEDDING__MODEL": "hash", "GRADIO_ANALYTICS_ENABLED": "False", **extra_env}
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py"), "--store", str(store), "--port", str(port), *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.time() + 90
        while not _reachable(host, port):
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                out = proc.communicate()[0]
                pytest.fail(f"the app did not listen on {host}:{port}\n{out[-3000:]}")
            time.sleep(0.3)
        yield Server(f"http://{host}:{port}", host, port, store, root)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _stored(root: Path) -> Path:
    """A store holding the 昌吉 2020 TXT disclosure, under `root`."""
    qa = Assistant.open(settings=make_settings(root / "store"))
    assert qa.ingest([TXT_2020]).ok
    qa.close()
    assert (root / "store" / "budgetqa.sqlite").read_bytes().startswith(SQLITE_MAGIC)
    return root


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app as started by default (no --host), with a small upload limit and an operator's
    GRADIO_ALLOWED_PATHS naming the folder that holds the store: the store must stay unserved even then."""
    root = _stored(tmp_path_factory.mktemp("served"))
    (root / "allowed.txt").write_text("served on purpose", encoding="utf-8")
    (root / "link.sqlite").symlink_to(root / "store" / "budgetqa.sqlite")
    env = {
        "GRADIO_ALLOWED_PATHS": str(root),
        "GRADIO_SERVER_NAME": "0.0.0.0",  # Gradio's own variable must not widen the default
        "BUDGETQA_INGEST__MAX_FILE_MB": str(UPLOAD_LIMIT_MB),
    }
    yield from _start(root, "127.0.0.1", env, [])


# ----- 1. listening address ----------------------------------------------------------------------------


def test_default_listens_on_loopback_only(server: Server) -> None:
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    assert httpx.get(server.url + "/config", timeout=10).status_code == 200
    assert not _reachable(outward, server.port), f"reachable on {outward}: not loopback only"


def test_launch_options_host_default_env_and_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDGETQA_HOST", raising=False)
    assert webapp.launch_options(Settings(), 7860)["server_name"] == "127.0.0.1"
    monkeypatch.setenv("BUDGETQA_HOST", "0.0.0.0")
    assert webapp.launch_options(Settings(), 7860)["server_name"] == "0.0.0.0"
    assert webapp.launch_options(Settings(), 7860, host="10.1.2.3")["server_name"] == "10.1.2.3"


@pytest.fixture(scope="module")
def public(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A public-style deployment: BUDGETQA_HOST = this machine's outward address, read-only, a login."""
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no non-loopback IPv4 address")
    root = _stored(tmp_path_factory.mktemp("public"))
    env = {"BUDGETQA_HOST": outward, "BUDGETQA_READ_ONLY": "true", "BUDGETQA_AUTH": "reader:s3cret-pw"}
    yield from _start(root, outward, env, [])


def test_budgetqa_host_is_the_only_address(public: Server) -> None:
    assert _reachable(public.host, public.port)
    assert not _reachable("127.0.0.1", public.port)  # bound to the given address, not to every interface


def test_public_deployment_needs_login_and_offers_no_upload(public: Server) -> None:
    with httpx.Client(base_url=public.url, timeout=20) as client:
        assert client.get("/config").status_code == 401
        assert client.post("/login", data={"username": "reader", "password": "wrong"}).status_code != 200
        assert client.post("/login", data={"username": "reader", "password": "s3cret-pw"}).status_code == 200
        config = client.get("/config").json()
        upload = client.post("/gradio_api/upload", files={"files": ("small.txt", b"x" * 100)})
    assert upload.status_code == 413, upload.text  # Gradio's upload route takes nothing either
    elem_ids = {c.get("props", {}).get("elem_id") for c in config["components"]}
    assert "question" in elem_ids  # the page is there ...
    assert not elem_ids & {"upload-files", "ingest", "ingest-status"}  # ... without its upload tab
    assert not any(c.get("props", {}).get("label") == "导入文件" for c in config["components"])


# ----- 2. file serving ---------------------------------------------------------------------------------


def _url_forms(target: Path, beside: Path) -> list[str]:
    """Every file URL form Gradio knows, plain, URL-encoded and with `..` traversal, for `target`;
    `beside` is a served folder the traversal starts from."""
    absolute = str(target)
    relative = os.path.relpath(target, ROOT)  # the app runs with cwd = the project folder
    climb = "../" * 12 + absolute.lstrip("/")
    detour = f"{beside}/../{os.path.relpath(target, beside.parent)}"
    paths = [absolute, relative, climb, detour, absolute.replace("/", "//")]
    encoded = [urllib.parse.quote(p, safe="") for p in paths]
    double = [urllib.parse.quote(e, safe="") for e in encoded]
    dots = [climb.replace("..", "%2e%2e"), detour.replace("..", "%2E%2E")]
    forms = []
    for p in [*paths, *encoded, *double, *dots]:
        forms += [f"/gradio_api/file={p}", f"/file={p}", f"/gradio_api/file/{p}", f"/file/{p}"]
    forms += [
        f"/assets/{'..%2f' * 12}{absolute.lstrip('/')}",
        f"/static/{'%2e%2e/' * 12}{absolute.lstrip('/')}",
    ]
    return forms


def test_allowed_file_is_served_so_the_url_forms_are_right(server: Server) -> None:
    """The control: a file the operator allowed comes back through the plain form."""
    got = httpx.get(f"{server.url}/gradio_api/file={server.root / 'allowed.txt'}", timeout=10)
    assert got.status_code == 200 and got.text == "served on purpose"


@pytest.mark.parametrize("name", ["passwd", "store", "symlink", "project"])
def test_no_file_outside_what_gradio_must_serve(server: Server, name: str) -> None:
    target, marker = {
        "passwd": (PASSWD, b"root:"),
        "store": (server.store / "budgetqa.sqlite", SQLITE_MAGIC),
        "symlink": (server.root / "link.sqlite", SQLITE_MAGIC),  # in the allowed folder, into the store
        "project": (ROOT / "pyproject.toml", b"[project]"),
    }[name]
    assert marker in target.read_bytes()
    leaked = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for form in _url_forms(target, server.root):
            got = client.get(form)
            if marker in got.content:
                leaked.append(f"{got.status_code} {form}")
    assert not leaked


# ----- 3. uploads --------------------------------------------------------------------------------------


def test_upload_size_limit_from_settings(server: Server) -> None:
    limit = int(UPLOAD_LIMIT_MB * 1024 * 1024)
    with httpx.Client(base_url=server.url, timeout=20) as client:
        small = client.post("/gradio_api/upload", files={"files": ("small.txt", b"x" * 1000)})
        big = client.post("/gradio_api/upload", files={"files": ("big.txt", b"x" * (limit + 10_000))})
    assert small.status_code == 200, small.text
    assert big.status_code == 413, big.text


def test_upload_limit_defaults_to_ingest_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUDGETQA_INGEST__MAX_FILE_MB", raising=False)
    assert webapp.launch_options(Settings(), 7860)["max_file_size"] == 200 * 1024 * 1024


def test_launch_options_block_the_store_and_allow_nothing(tmp_path: Path) -> None:
    options = webapp.launch_options(make_settings(tmp_path / "store"), 7860)
    assert options["allowed_paths"] == []
    assert str((tmp_path / "store").resolve()) in options["blocked_paths"]
    assert options["share"] is False


def _renamed(tmp_path: Path) -> dict[str, Path]:
    """Files whose extension lies about their content."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    docx = tmp_path / "real.docx"
    import docx as python_docx

    document = python_docx.Document()
    document.add_paragraph("部门预算")
    document.save(docx)
    files = {
        "pdf_as_txt.txt": PDF_2024.read_bytes()[:20_000],
        "text_as.pdf": TXT_2020.read_bytes(),
        "html_as.pdf": b"<!doctype html><html><body>\xe9\xa2\x84\xe7\xae\x97</body></html>",
        "docx_as.xlsx": docx.read_bytes(),
        "pdf_as.docx": PDF_2024.read_bytes()[:20_000],
        "zip_as.docx": _zip_bytes(tmp_path),
        "text_as.xls": TXT_2020.read_bytes(),
        "png_as.html": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        "elf_as.txt": b"\x7fELF\x02\x01\x01\x00" + bytes(200),
        "script.exe": b"MZ\x90\x00",
    }
    out = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        out[name] = tmp_path / name
    return out


def _zip_bytes(tmp_path: Path) -> bytes:
    archive = shutil.make_archive(
        str(tmp_path / "plain"), "zip", root_dir=SAMPLES / "00_changji_swgxj_2020_budget"
    )
    return Path(archive).read_bytes()


def test_content_check_accepts_real_files(tmp_path: Path) -> None:
    import docx as python_docx
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "部门预算"
    workbook.save(tmp_path / "a.xlsx")
    document = python_docx.Document()
    document.add_paragraph("部门预算")
    document.save(tmp_path / "a.docx")
    (tmp_path / "a.xls").write_bytes(bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504))
    (tmp_path / "gbk.txt").write_bytes("部门预算：三公经费 12.5 万元。\n".encode("gb18030") * 50)
    (tmp_path / "a.htm").write_text("<html><body>部门预算</body></html>", encoding="utf-8")
    for path in [
        PDF_2024,
        TXT_2020,
        *(tmp_path / n for n in ["a.xlsx", "a.docx", "a.xls", "gbk.txt", "a.htm"]),
    ]:
        assert webapp.content_problem(path) is None, path


def test_content_check_refuses_renamed_files(tmp_path: Path) -> None:
    for name, path in _renamed(tmp_path).items():
        why = webapp.content_problem(path)
        assert why and webapp._CJK.search(why), name
        assert ("不符" in why) or ("不支持" in why), (name, why)


@pytest.fixture
def empty_qa(tmp_path: Path) -> Iterator[Assistant]:
    qa = Assistant.open(settings=make_settings(tmp_path / "store"))
    yield qa
    qa.close()


def test_upload_handler_never_ingests_a_renamed_file(empty_qa: Assistant, tmp_path: Path) -> None:
    h = webapp.Handlers(empty_qa, read_only=False)
    renamed = _renamed(tmp_path / "in")
    good = tmp_path / "in" / "disclosure.txt"
    shutil.copyfile(TXT_2020, good)
    status, _ = h.upload(
        [str(p) for p in renamed.values()] + [str(good)], webapp.ALL, progress=lambda *a, **k: None
    )
    lines = status.splitlines()
    assert len(lines) == len(renamed) + 1
    for name in renamed:
        line = next(line for line in lines if name in line)
        assert line.startswith("- 【失败】未入库") and ("不符" in line or "不支持" in line), line
    assert any("disclosure.txt" in line and "【成功】" in line for line in lines), status
    assert [Path(d.source_file).name.split("_", 1)[1] for d in empty_qa.documents()] == ["disclosure.txt"]
    kept = sorted(p.name for p in h.uploads.iterdir())
    assert len(kept) == 1 and kept[0].endswith("_disclosure.txt")  # nothing of a refused file is kept


# ----- 4. read-only ------------------------------------------------------------------------------------


def test_read_only_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETQA_READ_ONLY", "true")
    assert Settings().read_only is True
    monkeypatch.delenv("BUDGETQA_READ_ONLY")
    assert Settings().read_only is False


def test_read_only_handler_refuses_upload(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "store").model_copy(update={"read_only": True})
    qa = Assistant.open(settings=settings)
    try:
        h = webapp.Handlers(qa)
        assert h.read_only
        status, docs = h.upload([str(TXT_2020)], webapp.ALL, progress=lambda *a, **k: None)
        assert status == webapp.READ_ONLY and "只读" in status
        assert docs == {"__type__": "update"}
        assert qa.documents() == [] and not h.uploads.exists()
    finally:
        qa.close()


def test_read_only_page_has_no_upload(empty_qa: Assistant) -> None:
    def elem_ids(read_only: bool) -> set[str]:
        demo = webapp.build_app(empty_qa, read_only=read_only)
        return {c.get("props", {}).get("elem_id") for c in demo.get_config_file()["components"]}

    assert {"upload-files", "ingest"} <= elem_ids(False)
    assert not {"upload-files", "ingest"} & elem_ids(True)


def test_auth_parsing() -> None:
    assert webapp.parse_auth("") is None
    assert webapp.parse_auth("a:b, c:d:e") == [("a", "b"), ("c", "d:e")]
    with pytest.raises(SystemExit):
        webapp.parse_auth("nopassword")
