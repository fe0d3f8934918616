"""A typed question made readable before the planner sees it (问题规范化), or refused unread.

One pass, in this order: too long -> refused unread; markup removed (never echoed back); control and
zero-width characters removed; full-width digits and letters to half-width; traditional characters to
simplified (OpenCC, dictionaries inside the installed wheel, nothing fetched); whitespace collapsed.
Then a question with nothing to read, or with no Chinese character, is refused.

The vocabulary (OpenCC configuration, elements dropped with their content, the replies) is data in
assistant/lexicon/input.toml.
"""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import opencc

from assistant.settings import Settings
from assistant.textnorm import to_halfwidth
from assistant.types import Answer
from assistant.vocab import answer_hash

LEXICON = Path(__file__).parent / "lexicon" / "input.toml"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs: extension A, unified, compatibility
_CJK = re.compile(rf"[{_HAN}\U00020000-\U0003134f]")
_TAG = re.compile(r"<\s*/?\s*[A-Za-z][^<>]*>|<!--.*?(?:-->|$)|<![^<>]*>|<\?[^<>]*>", re.DOTALL)
_SPACES = re.compile(r"\s+")
# A space between two Chinese characters is typing noise (万里 街道); between words or numbers it stays.
_CJK_GAP = re.compile(rf"(?<=[{_HAN}]) (?=[{_HAN}])")


@dataclass(frozen=True)
class CheckedQuestion:
    """A question after normalisation: the text the planner reads, or the refusal that answers it."""

    text: str  # normalised question ("" when nothing readable is left)
    refusal: Answer | None  # set when the question is not read at all


@cache
def _lexicon() -> dict[str, Any]:
    return tomllib.loads(LEXICON.read_text(encoding="utf-8"))


@cache
def _converter(config: str) -> opencc.OpenCC:
    """OpenCC converter, built on first use (its dictionaries load in a few milliseconds)."""
    return opencc.OpenCC(config)


@cache
def _dropped_elements() -> re.Pattern[str]:
    names = "|".join(map(re.escape, _lexicon()["markup"]["drop_content"]))
    # An element left open (a pasted "<script>…" with no end tag) is dropped to the end of the text.
    return re.compile(rf"<\s*({names})\b[^>]*>.*?(?:<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)


def to_simplified(text: str) -> str:
    """Traditional characters and phrases to simplified (萬里街道三公經費 -> 万里街道三公经费); simplified
    text comes out as it went in."""
    return _converter(_lexicon()["opencc"]).convert(text)


def strip_markup(text: str) -> str:
    """Remove HTML markup: entities decoded first (&lt;script&gt; is markup too), script-like elements
    with their content, other tags keeping their text; lone < and > are shown full-width."""
    text = html.unescape(text)
    while True:  # nested pieces ("<scr<script>ipt>") only become a tag once the inner one is gone
        stripped = _TAG.sub(" ", _dropped_elements().sub(" ", text))
        if stripped == text:
            break
        text = stripped
    return text.translate(str.maketrans(_lexicon()["markup"]["brackets"]))


def normalize_text(text: str) -> str:
    """The question as the planner reads it (no length check, no refusal)."""
    text = strip_markup(text)
    text = "".join(
        " " if ch.isspace() else ch for ch in text if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    text = to_simplified(to_halfwidth(text))
    return _CJK_GAP.sub("", _SPACES.sub(" ", text)).strip()


def normalize_question(question: str, settings: Settings) -> CheckedQuestion:
    """Normalise a typed question, or refuse it (status="refused") when it cannot be read.

    Args:
        question: the question as a person typed or pasted it.
        settings: the answering settings (the length limit, and the settings_hash of a refusal).

    Returns:
        The normalised text, and a refused Answer when the question is empty, only punctuation or
        markup, longer than settings.question.max_chars (refused without being read) or not Chinese.
    """
    replies = _lexicon()["replies"]
    limit = settings.question.max_chars
    if len(question) > limit:
        # The echo is bounded and cleaned like any question; the rest of the text is never looked at.
        shown = normalize_text(question[:limit]) + "…"
        why = replies["too_long"].format(length=f"{len(question):,}", limit=f"{limit:,}")
        return CheckedQuestion(text="", refusal=_refusal(shown, why, settings))
    text = normalize_text(question)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return CheckedQuestion(text=text, refusal=_refusal(text, replies["empty"], settings))
    if not _CJK.search(text):
        return CheckedQuestion(text=text, refusal=_refusal(text, replies["not_chinese"], settings))
    return CheckedQuestion(text=text, refusal=None)


def _refusal(question: str, text: str, settings: Settings) -> Answer:
    """A refusal of the same contract as the planner's: no value, no sources, the settings' hash.

    The planner's refusals say what the store lacks ("无法回答：… 知识库中现有：…"); a question that was
    never read gets only the reply, since the store has nothing to do with it."""
    return Answer(question=question, status="refused", text=text, settings_hash=answer_hash(settings))
