"""Traditional -> simplified conversion works with no network (issue 13): OpenCC reads only files inside
the installed wheel, and it leaves the simplified text the project already reads unchanged."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import opencc
import pypdfium2 as pdfium
import pytest

from assistant import normalize_question as nq
from tests.conftest import SAMPLES

ROOT = Path(__file__).resolve().parents[2]
TYPED = "萬里街道2024年三公經費和機關運行經費是多少？"
READ = "万里街道2024年三公经费和机关运行经费是多少？"


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network disabled by the test")


def test_conversion_runs_with_sockets_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("create_connection", "getaddrinfo", "gethostbyname"):
        monkeypatch.setattr(socket, name, _no_network)
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    nq._converter.cache_clear()  # build the converter again, now without a network
    assert nq.to_simplified(TYPED) == READ


def _netns_available() -> bool:
    try:
        return subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _netns_available(), reason="cannot create a network namespace (unshare -n)")
def test_conversion_runs_in_a_process_without_a_network() -> None:
    """A fresh interpreter in its own network namespace: no interface but a down loopback."""
    code = "import sys; from assistant.normalize_question import to_simplified as t; print(t(sys.argv[1]))"
    done = subprocess.run(
        ["unshare", "-n", sys.executable, "-c", code, TYPED],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == READ


def test_the_dictionaries_are_inside_the_installed_package() -> None:
    package = Path(opencc.__file__).resolve().parent
    config_name = tomllib.loads(nq.LEXICON.read_text(encoding="utf-8"))["opencc"]
    config = Path(opencc.OpenCC(config_name).config).resolve()
    assert config.is_relative_to(package) and config.is_file()

    def files(node: object) -> list[str]:
        if isinstance(node, dict):
            return ([node["file"]] if "file" in node else []) + [f for v in node.values() for f in files(v)]
        if isinstance(node, list):
            return [f for v in node for f in files(v)]
        return []

    named = files(json.loads(config.read_text(encoding="utf-8")))
    assert named, "the configuration names its dictionaries"
    assert all((config.parent / f).is_file() for f in named), named


def _simplified_texts() -> list[str]:
    """What the project already reads in simplified Chinese: the lexicons (but input.toml, whose examples
    are traditional on purpose), the eval questions, the sample disclosures' text."""
    lexicons = [*ROOT.glob("assistant/lexicon/*.toml"), *ROOT.glob("ingest/lexicon/*.toml")]
    texts = [p.read_text(encoding="utf-8") for p in sorted(lexicons) if p.resolve() != nq.LEXICON.resolve()]
    for path in sorted((ROOT / "eval").glob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [json.loads(line)["question"] for line in lines if line.strip()]
    for path in sorted(SAMPLES.rglob("*")):
        if path.suffix == ".txt":
            texts.append(path.read_text(encoding="utf-8"))
        elif path.suffix == ".pdf":
            pdf = pdfium.PdfDocument(path)
            try:
                texts += [pdf[i].get_textpage().get_text_bounded() for i in range(len(pdf))]
            finally:
                pdf.close()
    return texts


def test_simplified_text_comes_out_unchanged() -> None:
    texts = _simplified_texts()
    assert len(texts) > 100
    changed = [
        (t[max(0, i - 8) : i + 8], a, b)
        for t in texts
        for i, (a, b) in enumerate(zip(t, nq.to_simplified(t), strict=False))
        if a != b
    ]
    assert not changed, changed[:20]
    assert all(len(nq.to_simplified(t)) == len(t) for t in texts)
