"""The LLM mode's prompt templates (prompts/*.md, Chinese, one per file) and their versions.

Pure stdlib: vocab.answer_hash reads the versions without importing any model SDK."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
_VERSION = re.compile(r"^<!--\s*version:\s*(\d+)\s*-->\s*\n")


@cache
def _load(name: str) -> tuple[int, str]:
    text = (PROMPTS / f"{name}.md").read_text(encoding="utf-8")
    m = _VERSION.match(text)
    return (int(m.group(1)), text[m.end() :].strip()) if m else (0, text.strip())


def prompt_versions() -> dict[str, int]:
    """Template name -> its version (0 when a file states none)."""
    return {p.stem: _load(p.stem)[0] for p in sorted(PROMPTS.glob("llm_*.md"))}


def render(name: str, **values: str) -> str:
    """The template `prompts/<name>.md` with its `{placeholders}` filled."""
    return _load(name)[1].format(**values)
